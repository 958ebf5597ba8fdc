/// The console's page templates (Mustache; `{{x}}` escapes HTML, and no template uses the
/// unescaped `{{{x}}}` or `{{&x}}` forms — a test checks it). They live in the source rather than
/// in a resource folder so that the executable is the whole console: one file to ship, a
/// read-only root filesystem, no bundle to find at run time.
enum Templates {
  static let all: [String: String] = [
    "head": head,
    "language": languageForm,
    "header": header,
    "footer": footer,
    "signin": signIn,
    "notfound": notFound,
    "problem": problem,
  ].merging(SignedInTemplates.all) { own, _ in own }

  /// The document's start, every page's: `lang`/`dir`, the one style sheet, no favicon fetch.
  static let head = """
    <!doctype html>
    <html lang="{{lang}}" dir="{{dir}}">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} · {{t.product}}</title>
    <link rel="stylesheet" href="/static/console.css">
    <link rel="icon" href="data:,">
    </head>
    <body>

    """

  /// The language switch, on every page (its token is the session's once signed in).
  static let languageForm = """
    <form method="post" action="/language" class="language">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="lang" value="{{otherLanguage}}">
    <input type="hidden" name="back" value="{{back}}">
    <button type="submit" lang="{{otherLanguage}}">{{t.other_language}}</button>
    </form>

    """

  static let header = """
    {{> head}}
    <header class="bar">
    <span class="brand">{{t.product}}</span>
    {{> language}}
    </header>
    <main>

    """

  static let footer = """
    </main>
    </body>
    </html>

    """

  /// Each field's error sits under it, tied to it by `aria-describedby` and `aria-invalid`.
  static let signIn = """
    {{> header}}
    <section class="card">
    <h1>{{t.sign_in}}</h1>
    {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
    <form method="post" action="/signin">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label for="tenant">{{t.tenant}}</label>
    <input id="tenant" name="tenant" required maxlength="63" dir="ltr" autocomplete="organization" value="{{tenant}}"{{#invalid.tenant}} aria-invalid="true" aria-describedby="tenant-error"{{/invalid.tenant}}>
    {{#errors.tenant}}<p class="error" id="tenant-error" role="alert">{{errors.tenant}}</p>{{/errors.tenant}}
    <label for="email">{{t.email}}</label>
    <input id="email" name="email" type="email" required maxlength="254" dir="ltr" autocomplete="username" value="{{email}}"{{#invalid.email}} aria-invalid="true" aria-describedby="email-error"{{/invalid.email}}>
    {{#errors.email}}<p class="error" id="email-error" role="alert">{{errors.email}}</p>{{/errors.email}}
    <label for="password">{{t.password}}</label>
    <input id="password" name="password" type="password" required maxlength="200" autocomplete="current-password"{{#invalid.password}} aria-invalid="true" aria-describedby="password-error"{{/invalid.password}}>
    {{#errors.password}}<p class="error" id="password-error" role="alert">{{errors.password}}</p>{{/errors.password}}
    <label for="totp">{{t.totp}}</label>
    <input id="totp" name="totp" inputmode="numeric" maxlength="16" dir="ltr" autocomplete="one-time-code"{{#invalid.totp}} aria-invalid="true" aria-describedby="totp-error"{{/invalid.totp}}>
    {{#errors.totp}}<p class="error" id="totp-error" role="alert">{{errors.totp}}</p>{{/errors.totp}}
    <button type="submit">{{t.sign_in}}</button>
    </form>
    </section>
    {{> footer}}
    """

  /// A page the console could not show: its title says why (not found, not allowed, the
  /// gateway unavailable); nothing of the gateway's message.
  static let problem = """
    {{> header}}
    <section class="card"><h1>{{title}}</h1><p><a href="/">{{t.area_home}}</a></p></section>
    {{> footer}}
    """

  static let notFound = """
    {{> header}}
    <section class="card"><h1>{{t.not_found}}</h1></section>
    {{> footer}}
    """
}
