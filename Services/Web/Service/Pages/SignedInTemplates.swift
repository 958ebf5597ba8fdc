/// The signed-in pages' templates: the layout (navigation of the areas the user's scopes reach,
/// the user, language and sign-out, both forms posting with the session's CSRF token), one table
/// partial every list and section uses, and the pages. Escaped `{{x}}` only, like ``Templates``.
enum SignedInTemplates {
  static let all: [String: String] = [
    "app_header": appHeader,
    "table": table,
    "home": home,
    "customers": customers,
    "customer": customer,
  ]

  static let appHeader = """
    {{> head}}
    <header class="bar">
    <a class="brand" href="/">{{t.product}}</a>
    <nav class="areas" aria-label="{{t.areas}}"><ul>
    {{#nav}}<li>{{#linked}}<a href="{{path}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/linked}}{{^linked}}<span class="soon">{{label}}</span>{{/linked}}</li>
    {{/nav}}</ul></nav>
    <span class="who"><bdi>{{user}}</bdi></span>
    {{> language}}
    <form method="post" action="/signout" class="signout">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <button type="submit">{{t.sign_out}}</button>
    </form>
    </header>
    <main>

    """

  /// A ``TableSection``: heading, then "unavailable", "none", or the table and its next-page link.
  static let table = """
    <section class="panel" aria-labelledby="{{sectionId}}-heading">
    <h2 id="{{sectionId}}-heading">{{heading}}</h2>
    {{#unavailable}}<p class="notice">{{t.section_unavailable}}</p>{{/unavailable}}
    {{^unavailable}}{{#empty}}<p class="muted">{{t.none}}</p>{{/empty}}{{^empty}}
    <div class="table-scroll"><table>
    <thead><tr>{{#columns}}<th scope="col"{{#amount}} class="amount"{{/amount}}>{{label}}</th>{{/columns}}</tr></thead>
    <tbody>
    {{#rows}}<tr>{{#cells}}<td{{#amount}} class="amount"{{/amount}}>{{#href}}<a href="{{href}}">{{/href}}<bdi{{#latin}} dir="ltr"{{/latin}}>{{text}}</bdi>{{#href}}</a>{{/href}}</td>{{/cells}}</tr>
    {{/rows}}</tbody>
    </table></div>
    {{#more}}<p class="pager"><a href="{{more}}" rel="next">{{t.next_page}}</a></p>{{/more}}
    {{/empty}}{{/unavailable}}
    </section>

    """

  static let home = """
    {{> app_header}}
    <h1>{{t.dashboard}}</h1>
    <ul class="figures">
    {{#figures}}<li class="figure{{#unavailable}} unavailable{{/unavailable}}"><span class="figure-label">{{label}}</span> <bdi class="figure-value">{{value}}</bdi></li>
    {{/figures}}</ul>
    {{> footer}}
    """

  static let customers = """
    {{> app_header}}
    <h1>{{t.customers}}</h1>
    <form method="post" action="/customers/search" class="search" role="search">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label for="q">{{t.search_customers}}</label>
    <input id="q" name="q" type="search" maxlength="200" dir="auto" value="{{query}}">
    <button type="submit">{{t.search}}</button>
    </form>
    {{#list}}{{> table}}{{/list}}
    {{#first}}<p class="pager"><a href="{{first}}">{{t.first_page}}</a></p>{{/first}}
    {{> footer}}
    """

  static let customer = """
    {{> app_header}}
    <p class="crumbs"><a href="/customers">{{t.customers}}</a></p>
    <h1><bdi>{{name}}</bdi></h1>
    <dl class="facts">
    {{#facts}}<div><dt>{{label}}</dt><dd><bdi{{#latin}} dir="ltr"{{/latin}}>{{value}}</bdi></dd></div>
    {{/facts}}</dl>
    {{#sections}}{{> table}}{{/sections}}
    {{#timeline}}{{> table}}{{/timeline}}
    {{> footer}}
    """
}
