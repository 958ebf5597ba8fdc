import Crypto
import ERPTransport
import Foundation
import GRPCCore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Web

@Suite("The console's pages and their safety")
struct ConsolePageTests {
  static func app() throws -> some ApplicationProtocol {
    // The signed-out pages ask the gateway nothing: a client that never connects will do.
    let unconnected = GRPCClient(
      transport: ERPTransport.Client(targets: [.init(host: "127.0.0.1", port: 9)])
    )
    let console = try WebConsole(
      config: .init(secureCookies: false, key: [UInt8](repeating: 7, count: 32)),
      gateway: ConsoleGateway(unconnected)
    )
    return Application(router: console.router())
  }

  @Test("the sign-in page is Arabic and right to left by default, English on request")
  func signInPage() async throws {
    try await Self.app().test(.router) { client in
      try await client.execute(uri: "/signin", method: .get) { response in
        #expect(response.status == .ok)
        let html = String(buffer: response.body)
        #expect(html.contains("<html lang=\"ar\" dir=\"rtl\">"))
        #expect(html.contains("تسجيل الدخول"))
        #expect(Self.unlabelledControls(html).isEmpty)
        #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
        #expect(response.headers[.setCookie]?.contains("erp_pre=") == true)
        #expect(response.headers[.setCookie]?.contains("SameSite=Lax") == true)
        #expect(response.headers[.setCookie]?.contains("HttpOnly") == true)
      }
      try await client.execute(
        uri: "/signin",
        method: .get,
        headers: [.acceptLanguage: "en-GB,en;q=0.9"]
      ) { response in
        let html = String(buffer: response.body)
        #expect(html.contains("<html lang=\"en\" dir=\"ltr\">"))
        #expect(html.contains("Sign in"))
      }
    }
  }

  @Test("a form posted without this browser's CSRF token is refused, with it accepted")
  func csrf() async throws {
    try await Self.app().test(.router) { client in
      let (cookie, token) = try await client.execute(uri: "/signin", method: .get) { response in
        let cookie = try #require(response.headers[.setCookie]?.split(separator: ";").first)
        let html = String(buffer: response.body)
        let token = try #require(Self.hiddenValue("csrf", in: html))
        return (String(cookie), token)
      }
      let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: cookie]
      try await client.execute(
        uri: "/language",
        method: .post,
        headers: form,
        body: ByteBuffer(string: "lang=en&back=/signin")
      ) { response in
        #expect(response.status == .forbidden)
        #expect(response.headers[.setCookie] == nil)
      }
      try await client.execute(
        uri: "/language",
        method: .post,
        headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "erp_pre=other"],
        body: ByteBuffer(string: "lang=en&back=/signin&csrf=\(token)")
      ) { response in
        #expect(response.status == .forbidden)
      }
      try await client.execute(
        uri: "/language",
        method: .post,
        headers: form,
        body: ByteBuffer(string: "lang=en&back=//evil.example/&csrf=\(token)")
      ) { response in
        #expect(response.status == .seeOther)
        #expect(response.headers[.location] == "/")
        #expect(response.headers[.setCookie]?.contains("erp_lang=en") == true)
      }
    }
  }

  @Test("hostile text is shown as text")
  func escaping() throws {
    let pages = try PageRenderer()
    var values = PageValues(language: .ar, csrf: "t", titleKey: "sign_in")
    values.own = ["error": "<img src=x onerror=alert(1)>", "email": "\"><script>x</script>"]
    let html = try #require(pages.render("signin", values))
    #expect(!html.contains("<img src=x"))
    #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
    #expect(!html.contains("<script>"))
    for text in Templates.all.values {
      #expect(!text.contains("{{{") && !text.contains("{{&"))
    }
  }

  /// The ids of visible form controls (input but hidden, select, textarea) no `<label for>` names.
  static func unlabelledControls(_ html: String) -> [String] {
    let controls = html.matches(of: /<(input|select|textarea)\b([^>]*)>/).compactMap {
      match -> String? in
      let attributes = String(match.output.2)
      if attributes.contains("type=\"hidden\"") { return nil }
      return attributes.firstMatch(of: /id="([^"]+)"/).map { String($0.output.1) } ?? "(no id)"
    }
    let labelled = Set(html.matches(of: /<label for="([^"]+)"/).map { String($0.output.1) })
    return controls.filter { !labelled.contains($0) }
  }

  static func hiddenValue(_ name: String, in html: String) -> String? {
    let pattern = try! Regex("name=\"\(name)\" value=\"([^\"]*)\"")
    return html.firstMatch(of: pattern).flatMap { $0.output[1].substring.map(String.init) }
  }
}
