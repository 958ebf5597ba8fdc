import Crypto
import Foundation
import Hummingbird

/// The staff console's HTTP side: its routes, the cookies it keeps (language, the pre-session
/// binding of forms) and the checks every form post meets. It keeps no business data; pages
/// that show any ask the gateway with the signed-in user's session.
public struct WebConsole: Sendable {
  public struct Config: Sendable {
    /// Marks cookies `Secure`: on when the console is served over TLS (directly or behind a
    /// proxy that terminates it), off for plain HTTP on a developer's machine.
    public var secureCookies: Bool
    /// The key of the forms' CSRF tokens (32 bytes).
    public var key: [UInt8]

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

  let config: Config
  let csrf: CSRFToken
  let pages: PageRenderer

  public init(config: Config) throws {
    self.config = config
    self.csrf = CSRFToken(key: config.key)
    self.pages = try PageRenderer()
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
    router.get("/") { _, _ in Response.redirect(to: "/signin", type: .found) }
    router.get("/signin") { request, _ in
      self.page("signin", titleKey: "sign_in", request)
    }
    router.post("/language") { request, context in
      try await self.changeLanguage(request, context)
    }
    return router
  }

  /// A page for a signed-out browser, with the pre-session cookie set if it had none.
  func page(
    _ name: String,
    titleKey: String,
    _ request: Request,
    own: [String: Any] = [:]
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
    let html = self.pages.render(name, values) ?? ""
    var response = Response(
      status: .ok,
      headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
      body: .init(byteBuffer: ByteBuffer(string: html))
    )
    if binding != preSession {
      response.setCookie(self.cookie(Self.preSessionCookie, preSession))
    }
    return response
  }

  /// `POST /language`: keeps the chosen language in a cookie and goes back to the page.
  func changeLanguage(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
    let form = try await self.form(LanguageForm.self, request, context)
    guard let language = Language(rawValue: form.lang) else {
      throw HTTPError(.badRequest, message: "lang: must be ar or en")
    }
    var response = Response.redirect(to: Self.sameOriginPath(form.back), type: .normal)
    response.setCookie(self.cookie(Self.languageCookie, language.rawValue, httpOnly: false))
    return response
  }

  /// The form a post carries, after its CSRF token is checked against the browser's cookie:
  /// a post without a valid token is 403 and does nothing.
  func form<Form: Decodable & CSRFProtected>(
    _ type: Form.Type,
    _ request: Request,
    _ context: BasicRequestContext
  ) async throws -> Form {
    let body = try await request.body.collect(upTo: Self.formLimit)
    let form: Form
    do {
      form = try URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
    } catch {
      throw HTTPError(.badRequest, message: "the form is malformed or misses a field")
    }
    let binding = request.cookies[Self.preSessionCookie]?.value
    guard self.csrf.isValid(form.csrf, for: binding) else {
      throw HTTPError(
        .forbidden,
        message: "csrf: the form's token is missing or not this browser's"
      )
    }
    return form
  }

  func cookie(_ name: String, _ value: String, httpOnly: Bool = true) -> Cookie {
    Cookie(
      name: name,
      value: value,
      maxAge: 60 * 60 * 24 * 365,
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
