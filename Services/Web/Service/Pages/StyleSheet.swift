/// The console's one style sheet. Only logical properties (`margin-inline-start`,
/// `padding-block`, `inset-inline-end`, `text-align: start`): the same rules lay a page out
/// right to left in Arabic and left to right in English, from the `dir` on `<html>`. The fonts
/// are the system's (no font is fetched); Arabic text gets a line height it needs for its marks.
enum StyleSheet {
  static let css = """
    :root {
      --ink: #1d2430; --muted: #5b6473; --line: #d8dde5; --paper: #ffffff; --ground: #f4f6f9;
      --accent: #0b6e4f; --danger: #a4262c;
      font-family: system-ui, "Noto Sans Arabic", "Noto Sans", "DejaVu Sans", sans-serif;
      color: var(--ink); background: var(--ground);
    }
    *, *::before, *::after { box-sizing: border-box; }
    html:lang(ar) { line-height: 1.8; }
    body { margin: 0; min-inline-size: 0; overflow-wrap: anywhere; }
    .bar {
      display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem;
      padding-block: 0.5rem; padding-inline: 1rem;
      background: var(--paper); border-block-end: 1px solid var(--line);
    }
    .brand { font-weight: 600; margin-inline-end: auto; }
    main { padding-block: 1rem; padding-inline: 1rem; max-inline-size: 72rem; margin-inline: auto; }
    .card {
      background: var(--paper); border: 1px solid var(--line); border-radius: 6px;
      padding-block: 1rem; padding-inline: 1.25rem; max-inline-size: 28rem; margin-inline: auto;
    }
    h1 { font-size: 1.35rem; margin-block: 0 1rem; }
    label { display: block; margin-block: 0.75rem 0.25rem; color: var(--muted); }
    input, select, button, textarea { font: inherit; }
    input, select, textarea {
      inline-size: 100%; padding-block: 0.4rem; padding-inline: 0.5rem;
      border: 1px solid var(--line); border-radius: 4px; background: var(--paper);
    }
    button {
      margin-block-start: 1rem; padding-block: 0.45rem; padding-inline: 1rem;
      border: 1px solid var(--accent); border-radius: 4px; background: var(--accent); color: #fff;
      cursor: pointer;
    }
    .language button { margin-block-start: 0; background: transparent; color: var(--accent); }
    .error { color: var(--danger); border-inline-start: 3px solid var(--danger); padding-inline-start: 0.5rem; }
    table { inline-size: 100%; border-collapse: collapse; }
    th, td { text-align: start; padding-block: 0.35rem; padding-inline: 0.5rem; border-block-end: 1px solid var(--line); }
    td.amount, th.amount { text-align: end; font-variant-numeric: tabular-nums; }
    .table-scroll { overflow-x: auto; max-inline-size: 100%; }
    .areas ul { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; list-style: none; margin: 0; padding: 0; }
    .areas a, .brand { color: var(--ink); text-decoration: none; }
    .areas a[aria-current="page"] { color: var(--accent); border-block-end: 2px solid var(--accent); }
    .areas .soon { color: var(--muted); }
    .who { color: var(--muted); }
    .signout button { margin-block-start: 0; background: transparent; color: var(--accent); }
    .panel {
      background: var(--paper); border: 1px solid var(--line); border-radius: 6px;
      padding-block: 0.75rem; padding-inline: 1rem; margin-block-end: 1rem;
    }
    h2 { font-size: 1.1rem; margin-block: 0 0.5rem; }
    .notice, .muted { color: var(--muted); }
    .figures {
      display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 0.75rem;
      list-style: none; margin: 0; padding: 0;
    }
    .figure {
      background: var(--paper); border: 1px solid var(--line); border-radius: 6px;
      padding-block: 0.75rem; padding-inline: 1rem; display: flex; flex-direction: column;
    }
    .figure-label { color: var(--muted); }
    .figure-value { font-size: 1.3rem; font-variant-numeric: tabular-nums; }
    .figure.unavailable .figure-value { color: var(--muted); font-size: 1rem; }
    .search { display: flex; flex-wrap: wrap; align-items: end; gap: 0.5rem; margin-block-end: 1rem; }
    .search label { inline-size: 100%; margin-block: 0; }
    .search input { flex: 1 1 12rem; inline-size: auto; }
    .search button { margin-block-start: 0; }
    .facts { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; margin-block: 0 1rem; }
    .facts dt { color: var(--muted); }
    .facts dd { margin-inline-start: 0; }
    .pager, .crumbs { margin-block: 0.5rem; }

    """
}
