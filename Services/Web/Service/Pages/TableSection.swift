/// One section of a page shown as a table (the customers list, each part of the customer page):
/// its heading, columns and rows, or "unavailable" when its gateway call (or the view's section)
/// failed. Every cell's text is escaped by the template and isolated in `<bdi>`, so an Arabic
/// name beside Latin digits keeps its own direction.
struct TableSection {
  struct Column {
    var label: String
    var amount = false
  }

  struct Cell {
    var text: String
    var href: String? = nil
    var amount = false
    /// `dir="ltr"` for codes, numbers and addresses that are Latin whatever the page.
    var latin = false
  }

  var id: String
  var heading: String
  var columns: [Column]
  var rows: [[Cell]] = []
  var unavailable = false
  /// The link to the next page of rows, when there is one.
  var more: String? = nil

  var values: [String: Any] {
    var values: [String: Any] = [
      "sectionId": self.id,
      "heading": self.heading,
      "unavailable": self.unavailable,
      "empty": self.rows.isEmpty,
      "columns": self.columns.map { ["label": $0.label, "amount": $0.amount] as [String: Any] },
      "rows": self.rows.map { row in
        ["cells": row.map(Self.cell)] as [String: Any]
      },
    ]
    if let more { values["more"] = more }
    return values
  }

  static func cell(_ cell: Cell) -> [String: Any] {
    var values: [String: Any] = ["text": cell.text, "amount": cell.amount, "latin": cell.latin]
    if let href = cell.href { values["href"] = href }
    return values
  }
}
