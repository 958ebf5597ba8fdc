import GRPCCore
import Hummingbird

/// Signing in and out. Sign-in asks the gateway (Identity.SignIn, the tenant in `x-erp-tenant`)
/// and keeps only the session token it answers, in an `HttpOnly` cookie; a refusal shows the
/// form again (status 200: a browser shows it like any page, and logs no failed load) with the
/// message next to the field it names. The password is never sent back in the page.
extension WebConsole {
  func signIn(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
    let form = try await self.form(SignInForm.self, request, context, binding: .preSession)
    let language = Self.language(request)
    let words = Translations.table(language)
    var problem = SignInForm.check(form, words)
    if problem == nil {
      do {
        let signed = try await self.gateway.signIn(
          tenant: form.tenant,
          email: form.email,
          password: form.password,
          code: form.totp ?? ""
        )
        var response = Response.redirect(to: "/", type: .normal)
        response.setCookie(self.cookie(Self.sessionCookie, signed.sessionToken, maxAge: nil))
        if request.cookies[Self.languageCookie] == nil,
          let chosen = Language(rawValue: signed.user.language)
        {
          response.setCookie(self.cookie(Self.languageCookie, chosen.rawValue, httpOnly: false))
        }
        return response
      } catch let error as RPCError {
        problem = SignInForm.problem(error, words)
      }
    }
    var own: [String: Any] = [:]
    // What the user typed comes back only when within the form's limits (never the password).
    if form.tenant.utf8.count <= SignInForm.tenantLimit { own["tenant"] = form.tenant }
    if form.email.utf8.count <= SignInForm.emailLimit { own["email"] = form.email }
    if let problem {
      if let field = problem.field {
        own["errors"] = [field: problem.message]
        own["invalid"] = [field: true]
      } else {
        own["error"] = problem.message
      }
    }
    return self.page("signin", titleKey: "sign_in", request, own: own)
  }

  /// `POST /signout`: ends the session at the gateway (an ended one is fine) and forgets it.
  func signOut(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
    _ = try await self.form(SignOutForm.self, request, context, binding: .session)
    if let token = Self.sessionToken(request) {
      try? await self.gateway.signOut(token)
    }
    var response = Response.redirect(to: "/signin", type: .normal)
    response.setCookie(self.cookie(Self.sessionCookie, "", maxAge: 0))
    return response
  }
}

struct SignOutForm: Decodable, CSRFProtected {
  var csrf: String?
}

struct SignInForm: Decodable, CSRFProtected {
  var csrf: String?
  var tenant: String
  var email: String
  var password: String
  var totp: String?

  static let tenantLimit = 63
  static let emailLimit = 254
  static let passwordLimit = 200
  static let codeLimit = 16

  /// A message for the form, on the field it is about (nil: the whole form).
  struct Problem {
    var field: String?
    var message: String
  }

  /// What the console refuses before asking: empty or overlong fields.
  static func check(_ form: SignInForm, _ words: [String: String]) -> Problem? {
    let limits = [
      ("tenant", form.tenant, Self.tenantLimit), ("email", form.email, Self.emailLimit),
      ("password", form.password, Self.passwordLimit), ("totp", form.totp ?? "", Self.codeLimit),
    ]
    for (field, value, limit) in limits {
      // The code is asked only of accounts with TOTP, and the gateway says when it is missing.
      if value.isEmpty, field != "totp" {
        return Problem(field: field, message: words["required"] ?? "")
      }
      if value.utf8.count > limit { return Problem(field: field, message: words["too_long"] ?? "") }
    }
    return nil
  }

  /// The gateway's refusal as the form shows it: the field its message names (`totp_code: …`,
  /// `email: …`), a wrong email or password on the password, a lockout on the whole form. The
  /// gateway's own words are shown only for refusals the console has no words of its own for.
  static func problem(_ error: RPCError, _ words: [String: String]) -> Problem {
    let named = error.message.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
    switch (error.code, named) {
    case (.unauthenticated, "totp_code"):
      let key = error.message.contains("required") ? "totp_required" : "totp_wrong"
      return Problem(field: "totp", message: words[key] ?? "")
    case (.unauthenticated, _):
      return Problem(field: "password", message: words["signin_wrong"] ?? "")
    case (.resourceExhausted, _):
      return Problem(field: nil, message: words["signin_locked"] ?? "")
    case (.unavailable, _), (.deadlineExceeded, _):
      return Problem(field: nil, message: words["gateway_unavailable"] ?? "")
    default:
      let fields = ["x-erp-tenant": "tenant", "tenant": "tenant", "email": "email"]
      return Problem(field: fields[named], message: String(error.message.prefix(200)))
    }
  }
}
