import ERPProtos
import GRPCCore
import HTTPTypes
import Hummingbird

/// What every signed-in page does: no session cookie → /signin; the user (Identity.Me, for the
/// layout) and the page's own sections asked of the gateway at once; the gateway's refusal of
/// the session (UNAUTHENTICATED) → /signin with the cookie cleared, of the record (NOT_FOUND,
/// PERMISSION_DENIED) → that page, any other failure → "unavailable". Each page's `load` makes
/// at most one gateway call per section, concurrently.
extension WebConsole {
  func signedInPage<Loaded: Sendable>(
    _ request: Request,
    name: String,
    titleKey: String,
    area: ConsoleArea.Key?,
    load: @escaping @Sendable (String) async throws -> Loaded,
    render: (Loaded, PageFormats) -> [String: Any]
  ) async -> Response {
    guard let token = Self.sessionToken(request) else { return self.toSignIn(clearing: false) }
    async let asked = self.gateway.me(token)
    async let loading = load(token)
    let me: Erp_Gateway_V1_MeResponse
    let loaded: Loaded
    do {
      me = try await asked
      loaded = try await loading
    } catch {
      return self.failure(error, request)
    }
    let formats = PageFormats(request, me: me)
    var values = PageValues(
      language: formats.language,
      csrf: self.csrf.token(for: Self.sessionBinding(token)),
      titleKey: titleKey
    )
    values.own = render(loaded, formats)
    values.own["nav"] = ConsoleArea.navigation(scopes: me.scopes, current: area, formats.words)
    values.own["user"] = me.user.displayName.isEmpty ? me.user.email : me.user.displayName
    values.own["back"] = Self.sameOriginPath(request.uri.path)
    return self.html(name, values, status: .ok)
  }

  func toSignIn(clearing: Bool) -> Response {
    var response = Response.redirect(to: "/signin", type: .found)
    if clearing { response.setCookie(self.cookie(Self.sessionCookie, "", maxAge: 0)) }
    return response
  }

  /// A failed page: the gateway's code decides which; its message is not shown (it may name
  /// what the user is not allowed to see).
  func failure(_ error: any Error, _ request: Request) -> Response {
    let code = (error as? RPCError)?.code
    switch code {
    case .unauthenticated: return self.toSignIn(clearing: true)
    case .notFound: return self.page("problem", titleKey: "not_found", request, status: .notFound)
    case .permissionDenied:
      return self.page("problem", titleKey: "forbidden", request, status: .forbidden)
    case .invalidArgument:
      return self.page("problem", titleKey: "bad_request", request, status: .badRequest)
    default:
      return self.page(
        "problem",
        titleKey: "gateway_unavailable",
        request,
        status: .serviceUnavailable
      )
    }
  }
}

/// A call whose failure leaves its section empty (marked unavailable) rather than failing the page.
func attempt<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
  do { return .success(try await body()) } catch { return .failure(error) }
}

/// The console's areas, for the navigation: each shown only when one of the user's scopes
/// reaches its domain (the gateway refuses the rest anyway). Only the areas with pages link.
struct ConsoleArea {
  enum Key: String {
    case home, crm, sales, finance, supplychain, hr, admin
  }

  var key: Key
  /// The scope prefix (`customers` reaches `customers:read` and `customers:write`); nil for
  /// home, which everyone has.
  var scope: String?
  /// Nil until the area's pages are built.
  var path: String?

  static let all = [
    ConsoleArea(key: .home, scope: nil, path: "/"),
    ConsoleArea(key: .crm, scope: "customers", path: "/customers"),
    ConsoleArea(key: .sales, scope: "sales", path: nil),
    ConsoleArea(key: .finance, scope: "finance", path: nil),
    ConsoleArea(key: .supplychain, scope: "supplychain", path: nil),
    ConsoleArea(key: .hr, scope: "hr", path: nil),
    ConsoleArea(key: .admin, scope: "admin", path: nil),
  ]

  func isReached(by scopes: [String]) -> Bool {
    guard let scope else { return true }
    return scopes.contains { $0 == scope || $0.hasPrefix(scope + ":") }
  }

  static func navigation(
    scopes: [String],
    current: Key?,
    _ words: [String: String]
  ) -> [[String: Any]] {
    Self.all.filter { $0.isReached(by: scopes) }.map { area in
      var item: [String: Any] = [
        "label": words["area_\(area.key.rawValue)"] ?? area.key.rawValue,
        "current": area.key == current,
        "linked": area.path != nil,
      ]
      if let path = area.path { item["path"] = path }
      return item
    }
  }
}
