import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The staff console's HTTP side: its routes, the cookies it keeps (language, the pre-session
/// binding of forms) and the checks every form post meets. It keeps no business data; pages
/// that show any ask the gateway with the signed-in user's session.
public struct WebConsole: Sendable {
  public struct Config: Sendable {
    /// Marks cookies `Secure`: on when the console is served over TLS (directly or behind a
    /// proxy that terminates it), off for plain HTTP on a developer's machine.
    public var secureCookies: Bool
    /// The key of the forms' CSRF tokens and of the sealed list state (32 bytes).
    public var key: [UInt8]
    /// Rows per page of a list (the gateway's page size).
    public var pageSize: Int32 = 25

    public init(secureCookies: Bool, key: [UInt8]) {
      self.secureCookies = secureCookies
      self.key = key
    }
  }

  static let languageCookie = "erp_lang"
  /// A random value set on a browser's first visit, before it has a session: the forms of
  /// signed-out pages (sign-in, language) are bound to it.
  static let preSessionCookie = "erp_pre"
  /// The largest form body the console reads.
  static let formLimit = 64 << 10

  /// The signed-in user's session token (`erps_…`), `HttpOnly` so no script can read it, and
  /// never in a URL. A browser-session cookie: the gateway's idle and absolute expiry end it.
  static let sessionCookie = "erp_session"

  let config: Config
  let csrf: CSRFToken
  let pages: PageRenderer
  let gateway: ConsoleGateway
  let sealed: SealedState

  public init(config: Config, gateway: ConsoleGateway) throws {
    self.config = config
    self.csrf = CSRFToken(key: config.key)
    self.pages = try PageRenderer()
    self.gateway = gateway
    self.sealed = SealedState(consoleKey: config.key)
  }

  public func router() -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: SecurityHeaders())
    router.get("/healthz") { _, _ in "ok" }
    router.get("/static/console.css") { _, _ in
      Response(
        status: .ok,
        headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
        body: .init(byteBuffer: ByteBuffer(string: StyleSheet.css))
      )
    }
    router.get("/signin") { request, _ in
      self.page("signin", titleKey: "sign_in", request)
    }
    router.post("/signin") { request, context in try await self.signIn(request, context) }
    router.post("/signout") { request, context in try await self.signOut(request, context) }
    router.post("/language") { request, context in
      try await self.changeLanguage(request, context)
    }
    router.get("/") { request, _ in await self.home(request) }
    router.get("/customers") { request, _ in await self.customers(request) }
    router.post("/customers/search") { request, context in
      try await self.searchCustomers(request, context)
    }
    router.get("/customers/:id") { request, context in
      await self.customer(request, id: context.parameters.get("id") ?? "")
    }
    return router
  }

  /// A page for a signed-out browser, with the pre-session cookie set if it had none.
  func page(
    _ name: String,
    titleKey: String,
    _ request: Request,
    own: [String: Any] = [:],
    status: HTTPResponse.Status = .ok
  )
    -> Response
  {
    let binding = request.cookies[Self.preSessionCookie]?.value
    let preSession = binding.flatMap { $0.isEmpty ? nil : $0 } ?? Self.randomValue()
    var values = PageValues(
      language: Self.language(request),
      csrf: self.csrf.token(for: preSession),
      titleKey: titleKey
    )
    values.own = own
    values.own["back"] = own["back"] ?? Self.sameOriginPath(request.uri.path)
    var response = self.html(name, values, status: status)
    if binding != preSession {
      response.setCookie(self.cookie(Self.preSessionCookie, preSession))
    }
    return response
  }

  func html(_ name: String, _ values: PageValues, status: HTTPResponse.Status) -> Response {
    Response(
      status: status,
      headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
      body: .init(byteBuffer: ByteBuffer(string: self.pages.render(name, values) ?? ""))
    )
  }

  /// `POST /language`: keeps the chosen language in a cookie and goes back to the page.
  func changeLanguage(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
    let form = try await self.form(LanguageForm.self, request, context, binding: .either)
    guard let language = Language(rawValue: form.lang) else {
      throw HTTPError(.badRequest, message: "lang: must be ar or en")
    }
    var response = Response.redirect(to: Self.sameOriginPath(form.back), type: .normal)
    response.setCookie(self.cookie(Self.languageCookie, language.rawValue, httpOnly: false))
    return response
  }

  /// Which cookie a form's CSRF token must be bound to.
  enum Binding {
    /// The signed-out forms (sign-in): the pre-session cookie.
    case preSession
    /// The signed-in forms: the session cookie, so a token leaked before sign-in (or by another
    /// user of the browser) is worth nothing after it.
    case session
    /// Forms on both kinds of page (the language switch).
    case either
  }

  /// The form a post carries, after its CSRF token is checked against the browser's cookie:
  /// a post without a valid token is 403 and does nothing.
  func form<Form: Decodable & CSRFProtected>(
    _ type: Form.Type,
    _ request: Request,
    _ context: BasicRequestContext,
    binding: Binding
  ) async throws -> Form {
    let body = try await request.body.collect(upTo: Self.formLimit)
    let form: Form
    do {
      form = try URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
    } catch {
      throw HTTPError(.badRequest, message: "the form is malformed or misses a field")
    }
    let preSession = request.cookies[Self.preSessionCookie]?.value
    let session = Self.sessionToken(request).map(Self.sessionBinding)
    let valid: Bool
    switch binding {
    case .preSession: valid = self.csrf.isValid(form.csrf, for: preSession)
    case .session: valid = self.csrf.isValid(form.csrf, for: session)
    case .either:
      valid =
        self.csrf.isValid(form.csrf, for: session) || self.csrf.isValid(form.csrf, for: preSession)
    }
    guard valid else {
      throw HTTPError(
        .forbidden,
        message: "csrf: the form's token is missing or not this browser's"
      )
    }
    return form
  }

  /// The session token a request carries, when it looks like one (anything else is no session).
  static func sessionToken(_ request: Request) -> String? {
    guard let token = request.cookies[Self.sessionCookie]?.value, token.hasPrefix("erps_"),
      token.utf8.count <= 256
    else { return nil }
    return token
  }

  /// What a signed-in form's CSRF token is bound to: the session token, marked so that no
  /// pre-session value (random base64url, no colon) can ever equal it.
  static func sessionBinding(_ token: String) -> String { "session:" + token }

  /// `maxAge`: one year by default (the language), nil for a browser-session cookie, 0 to delete.
  func cookie(
    _ name: String,
    _ value: String,
    httpOnly: Bool = true,
    maxAge: Int? = 60 * 60 * 24 * 365
  ) -> Cookie {
    Cookie(
      name: name,
      value: value,
      maxAge: maxAge,
      path: "/",
      secure: self.config.secureCookies,
      httpOnly: httpOnly,
      sameSite: .lax
    )
  }

  static func language(_ request: Request) -> Language {
    Language.preferred(
      cookie: request.cookies[Self.languageCookie]?.value,
      acceptLanguage: request.headers[.acceptLanguage]
    )
  }

  /// Where a form may send the browser back to: a path on this site only (an absolute or
  /// protocol-relative address would make the console an open redirect).
  static func sameOriginPath(_ back: String?) -> String {
    guard let back, back.hasPrefix("/"), !back.hasPrefix("//"), !back.contains("\\"),
      back.utf8.count <= 512
    else { return "/" }
    return back
  }

  static func randomValue() -> String {
    Data(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }).base64URLEncoded()
  }
}

/// A form whose post must carry the CSRF token.
protocol CSRFProtected {
  var csrf: String? { get }
}

struct LanguageForm: Decodable, CSRFProtected {
  var csrf: String?
  var lang: String
  var back: String?
}
