import HTTPTypes
import Hummingbird

/// Headers on every answer of the console: a Content-Security-Policy that allows only our own
/// origin (no inline script, no third-party anything), no framing, no MIME sniffing, and no
/// referrer leaving the origin. The policy forbids inline script and style, so the console's
/// few scripts and its style sheet are files it serves itself.
public struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
  public init() {}

  static var policy: String {
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
  }

  public func handle(
    _ request: Request,
    context: Context,
    next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    var response = try await next(request, context)
    response.headers[.contentSecurityPolicy] = Self.policy
    response.headers[.xContentTypeOptions] = "nosniff"
    response.headers[securityFrameOptions] = "DENY"
    response.headers[securityReferrerPolicy] = "same-origin"
    return response
  }
}

// Header names HTTPTypes does not name (stored outside the generic middleware, which cannot
// hold static stored properties).
let securityFrameOptions = HTTPField.Name("X-Frame-Options")!
let securityReferrerPolicy = HTTPField.Name("Referrer-Policy")!
