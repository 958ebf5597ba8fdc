/// The console's page templates (Mustache; `{{x}}` escapes HTML, and no template uses the
/// unescaped `{{{x}}}` or `{{&x}}` forms — a test checks it). They live in the source rather than
/// in a resource folder so that the executable is the whole console: one file to ship, a
/// read-only root filesystem, no bundle to find at run time.
enum Templates {
  static let all: [String: String] = [
    "header": header,
    "footer": footer,
    "signin": signIn,
    "notfound": notFound,
  ]

  static let header = """
    <!doctype html>
    <html lang="{{lang}}" dir="{{dir}}">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} · {{t.product}}</title>
    <link rel="stylesheet" href="/static/console.css">
    </head>
    <body>
    <header class="bar">
    <span class="brand">{{t.product}}</span>
    <form method="post" action="/language" class="language">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="lang" value="{{otherLanguage}}">
    <button type="submit" lang="{{otherLanguage}}">{{t.other_language}}</button>
    </form>
    </header>
    <main>

    """

  static let footer = """
    </main>
    </body>
    </html>

    """

  static let signIn = """
    {{> header}}
    <section class="card">
    <h1>{{t.sign_in}}</h1>
    {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
    <form method="post" action="/signin">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label for="tenant">{{t.tenant}}</label>
    <input id="tenant" name="tenant" required maxlength="63" dir="ltr" autocomplete="organization" value="{{tenant}}">
    <label for="email">{{t.email}}</label>
    <input id="email" name="email" type="email" required maxlength="254" dir="ltr" autocomplete="username" value="{{email}}">
    <label for="password">{{t.password}}</label>
    <input id="password" name="password" type="password" required maxlength="200" autocomplete="current-password">
    <label for="totp">{{t.totp}}</label>
    <input id="totp" name="totp" inputmode="numeric" maxlength="10" dir="ltr" autocomplete="one-time-code">
    <button type="submit">{{t.sign_in}}</button>
    </form>
    </section>
    {{> footer}}
    """

  static let notFound = """
    {{> header}}
    <section class="card"><h1>{{t.not_found}}</h1></section>
    {{> footer}}
    """
}
