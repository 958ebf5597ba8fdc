import ERPProtos
import Foundation
import GRPCCore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Web

/// The signed-in console against a real gateway and services: sign-in through Identity, the
/// session cookie, the pages' refusals, record rules and escaping as a browser meets them.
@Suite("The signed-in console over the gateway")
struct SignedInConsoleTests {
  static let hostile = "<img src=x onerror=alert(1)>"

  @Test(
    "sign-in: a wrong password is shown on the form, the right one sets the session and goes home"
  )
  func signIn() async throws {
    try await WebSystem.run { system in
      try await Application(router: system.console.router()).test(.router) { client in
        var browser = Browser()
        let home = try await browser.get(client, "/")
        #expect(home.status == .found)
        #expect(home.location == "/signin")

        let wrong = try await browser.signIn(
          client,
          tenant: system.tenant,
          system.rep,
          password: "not-the-password"
        )
        #expect(wrong.status == .ok)
        #expect(wrong.html.contains("id=\"password-error\""))
        #expect(wrong.html.contains("البريد الإلكتروني أو كلمة المرور غير صحيحة"))
        #expect(wrong.html.contains("value=\"\(system.rep.email)\""))
        #expect(!wrong.html.contains("not-the-password"))
        #expect(browser.cookies[WebConsole.sessionCookie] == nil)

        let signed = try await browser.signIn(client, tenant: system.tenant, system.rep)
        #expect(signed.status == .seeOther)
        #expect(signed.location == "/")
        let session = try #require(
          browser.setCookies.first { $0.hasPrefix("\(WebConsole.sessionCookie)=erps_") }
        )
        #expect(session.contains("HttpOnly"))
        #expect(session.contains("SameSite=Lax"))
        #expect(session.contains("Secure"))
        #expect(signed.location?.contains("erps_") == false)

        let page = try await browser.get(client, "/")
        #expect(page.status == .ok)
        #expect(page.html.contains("<html lang=\"ar\" dir=\"rtl\">"))
        #expect(page.html.contains("لوحة المنشأة"))
        #expect(page.html.contains("مندوب المبيعات"))
        // The rep's scopes reach customers and sales, not finance, HR or admin.
        #expect(page.html.contains("href=\"/customers\""))
        #expect(page.html.contains("المبيعات"))
        #expect(!page.html.contains("الموارد البشرية"))
        #expect(!page.html.contains(">الإدارة<"))
        #expect(ConsolePageTests.unlabelledControls(page.html).isEmpty)
        #expect(!page.html.contains("erps_"))
      }
    }
  }

  @Test("no session or one the gateway ended: /signin; a signed-in form without its token: 403")
  func refusals() async throws {
    try await WebSystem.run { system in
      try await Application(router: system.console.router()).test(.router) { client in
        var stranger = Browser()
        for path in ["/", "/customers", "/customers/C-000001"] {
          let answer = try await stranger.get(client, path)
          #expect(answer.status == .found, "\(path)")
          #expect(answer.location == "/signin", "\(path)")
        }
        var forged = Browser(cookies: [WebConsole.sessionCookie: "erps_made-up"])
        let refused = try await forged.get(client, "/customers")
        #expect(refused.location == "/signin")
        #expect(forged.cookies[WebConsole.sessionCookie] == nil)

        var browser = Browser()
        _ = try await browser.signIn(client, tenant: system.tenant, system.admin)
        let page = try await browser.get(client, "/customers")
        let token = try #require(ConsolePageTests.hiddenValue("csrf", in: page.html))
        // The pre-session's token (the sign-in page's) is not the session's.
        let preSession = try #require(
          ConsolePageTests.hiddenValue("csrf", in: try await browser.get(client, "/signin").html)
        )
        #expect(preSession != token)
        for fields in [[("q", "x")], [("q", "x"), ("csrf", preSession)]] {
          let search = try await browser.post(client, "/customers/search", fields)
          #expect(search.status == .forbidden)
        }
        let noToken = try await browser.post(client, "/signout", [])
        #expect(noToken.status == .forbidden)
        #expect(try await browser.get(client, "/").status == .ok)

        let out = try await browser.post(client, "/signout", [("csrf", token)])
        #expect(out.status == .seeOther)
        #expect(out.location == "/signin")
        #expect(browser.cookies[WebConsole.sessionCookie] == nil)
        // The gateway ended the session too: the old cookie no longer opens a page.
        var replay = Browser(cookies: [
          WebConsole.sessionCookie: try #require(
            browser.setCookies.first { $0.hasPrefix("\(WebConsole.sessionCookie)=erps_") }
              .flatMap { $0.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last }
              .map(String.init)
          )
        ])
        #expect(try await replay.get(client, "/").location == "/signin")
      }
    }
  }

  @Test("a rep sees only their own customers; a hostile name is text; another's customer is 404")
  func recordRulesAndEscaping() async throws {
    try await WebSystem.run { system in
      let others = try await system.customer(system.admin, "شركة المدير الخاصة")
      let (hostile, own) = try await system.repCustomers()

      try await Application(router: system.console.router()).test(.router) { client in
        var browser = Browser()
        _ = try await browser.signIn(client, tenant: system.tenant, system.rep)
        let list = try await browser.get(client, "/customers")
        #expect(list.status == .ok)
        #expect(list.html.contains("<bdi>مؤسسة الواحة للتجارة</bdi>"))
        #expect(list.html.contains("href=\"/customers/\(hostile.id)\""))
        #expect(!list.html.contains("شركة المدير الخاصة"))
        #expect(!list.html.contains(others.id))
        #expect(!list.html.contains("<img src=x"))
        #expect(list.html.contains("&lt;img src=x onerror=alert(1)&gt;"))

        // Search goes through a sealed state: the words are not in the address.
        let page = try await browser.get(client, "/customers")
        let token = try #require(ConsolePageTests.hiddenValue("csrf", in: page.html))
        let search = try await browser.post(
          client,
          "/customers/search",
          [("csrf", token), ("q", "الواحة")]
        )
        #expect(search.status == .seeOther)
        let found = try #require(search.location)
        #expect(found.hasPrefix("/customers?s="))
        #expect(!found.contains(Browser.encoded("الواحة")) && !found.contains("الواحة"))
        let results = try await browser.get(client, found)
        #expect(results.html.contains("مؤسسة الواحة للتجارة"))
        #expect(!results.html.contains("&lt;img"))
        #expect(results.html.contains("value=\"الواحة\""))

        let customer = try await browser.get(client, "/customers/\(own.id)")
        #expect(customer.status == .ok)
        #expect(customer.html.contains("<h1><bdi>مؤسسة الواحة للتجارة</bdi></h1>"))
        #expect(customer.html.contains("اتصال تعريفي بالعميل"))
        #expect(customer.html.contains("مكالمة"))
        let escaped = try await browser.get(client, "/customers/\(hostile.id)")
        #expect(escaped.status == .ok)
        #expect(!escaped.html.contains("<img src=x"))
        #expect(escaped.html.contains("&lt;img src=x onerror=alert(1)&gt;"))

        #expect(try await browser.get(client, "/customers/\(others.id)").status == .notFound)
        let odd = try await browser.get(client, "/customers/%3Cscript%3E")
        #expect(odd.status == .notFound)
        #expect(!odd.html.contains("<script>"))

        // English on request, the same page left to right.
        var english = browser
        english.cookies[WebConsole.languageCookie] = "en"
        let inEnglish = try await english.get(client, "/customers/\(own.id)")
        #expect(inEnglish.html.contains("<html lang=\"en\" dir=\"ltr\">"))
        #expect(inEnglish.html.contains("Timeline"))
      }
    }
  }

  @Test(
    "the list pages by keyset: next page, then the first again; a tampered page link is page one"
  )
  func paging() async throws {
    try await WebSystem.run(pageSize: 2) { system in
      for name in ["أ شركة", "ب شركة", "ج شركة"] {
        _ = try await system.customer(system.admin, name)
      }
      try await Application(router: system.console.router()).test(.router) { client in
        var browser = Browser()
        _ = try await browser.signIn(client, tenant: system.tenant, system.admin)
        let first = try await browser.get(client, "/customers")
        #expect(Self.names(first.html).count == 2)
        let next = try #require(Self.link("rel=\"next\"", in: first.html))
        #expect(next.hasPrefix("/customers?s="))
        let second = try await browser.get(client, next)
        #expect(Self.names(second.html).count == 1)
        #expect(Set(Self.names(first.html) + Self.names(second.html)).count == 3)
        #expect(Self.link("rel=\"next\"", in: second.html) == nil)
        #expect(second.html.contains("href=\"/customers\""))
        let tampered = try await browser.get(client, String(next.dropLast(2)) + "xx")
        #expect(tampered.status == .ok)
        #expect(Self.names(tampered.html) == Self.names(first.html))
      }
    }
  }

  @Test("the gateway's sign-in refusals land on the field they name")
  func signInProblems() {
    let words = Translations.table(.en)
    let cases: [(RPCError, String?)] = [
      (RPCError(code: .unauthenticated, message: "email or password is wrong"), "password"),
      (RPCError(code: .unauthenticated, message: "totp_code: required for this user"), "totp"),
      (RPCError(code: .unauthenticated, message: "totp_code: wrong or already used"), "totp"),
      (RPCError(code: .invalidArgument, message: "email: not an email address"), "email"),
      (RPCError(code: .resourceExhausted, message: "locked until 10:15"), nil),
      (RPCError(code: .unavailable, message: "10.0.0.7:7100 refused"), nil),
    ]
    for (error, field) in cases {
      let problem = SignInForm.problem(error, words)
      #expect(problem.field == field, "\(error.message)")
      #expect(!problem.message.isEmpty)
      #expect(!problem.message.contains("10.0.0.7"))
    }
    #expect(SignInForm.problem(cases[1].0, words).message == words["totp_required"])
  }

  /// The customers' names in a list page (the second column's links).
  static func names(_ html: String) -> [String] {
    html.matches(of: /<td><a href="\/customers\/[^"]+"><bdi>([^<]*)<\/bdi><\/a><\/td>/).map {
      String($0.output.1)
    }
  }

  static func link(_ marker: String, in html: String) -> String? {
    let pattern = try! Regex("<a href=\"([^\"]+)\" \(marker)>")
    return html.firstMatch(of: pattern).flatMap { $0.output[1].substring.map(String.init) }
  }
}
