import ERPProtos

/// The customer page's values from Customer360 (and the timeline): the profile's facts, then
/// one table per section of the view, each marked unavailable when the gateway marked it so.
enum CustomerView {
  static func values(
    _ view: Erp_Gateway_V1_Customer360View,
    _ formats: PageFormats
  ) -> [String: Any] {
    let down = Set(view.sections.filter { !$0.available }.map(\.section))
    let profile = view.profile
    var facts: [[String: Any]] = [
      ["label": formats.word("customer_id"), "value": profile.id, "latin": true],
      ["label": formats.word("stage"), "value": formats.word(WebConsole.stageKey(profile.stage))],
    ]
    for (key, value) in [("email", profile.emails), ("phone", profile.phones)] where !value.isEmpty
    {
      facts.append([
        "label": formats.word(key), "value": value.joined(separator: ", "), "latin": true,
      ])
    }
    if !profile.taxNumber.isEmpty {
      facts.append(["label": formats.word("tax_number"), "value": profile.taxNumber, "latin": true])
    }
    if !down.contains("open_invoices") {
      facts.append(["label": formats.word("balance"), "value": formats.money(view.balance)])
    }

    var contacts = Self.section("contacts", ["name", "job_title", "email"], down, formats)
    contacts.rows = view.contacts.map { contact in
      [
        .init(text: contact.name), .init(text: contact.title),
        .init(text: contact.emails.first ?? contact.phones.first ?? "", latin: true),
      ]
    }
    var opportunities = Self.section(
      "open_opportunities",
      ["name", "pipeline_stage", "amount"],
      down,
      formats
    )
    opportunities.columns[2].amount = true
    opportunities.rows = view.openOpportunities.map { deal in
      [
        .init(text: deal.name), .init(text: deal.stage),
        .init(text: formats.money(deal.amount), amount: true),
      ]
    }
    var orders = Self.section("recent_orders", ["number", "date", "total"], down, formats)
    orders.columns[2].amount = true
    orders.rows = view.recentOrders.map { order in
      [
        .init(text: order.number, latin: true), .init(text: formats.date(order.orderDate)),
        .init(text: formats.money(order.total), amount: true),
      ]
    }
    var invoices = Self.section(
      "open_invoices",
      ["number", "due_date", "outstanding"],
      down,
      formats
    )
    invoices.columns[2].amount = true
    invoices.rows = view.openInvoices.map { invoice in
      [
        .init(text: invoice.number, latin: true), .init(text: formats.date(invoice.dueDate)),
        .init(text: formats.money(invoice.outstanding), amount: true),
      ]
    }
    var shipments = Self.section("recent_shipments", ["number", "date", "carrier"], down, formats)
    shipments.rows = view.recentShipments.map { shipment in
      [
        .init(text: shipment.number, latin: true), .init(text: formats.date(shipment.shipDate)),
        .init(text: shipment.carrier),
      ]
    }
    return [
      "name": profile.name,
      "facts": facts,
      "sections": [contacts, opportunities, orders, invoices, shipments].map(\.values),
    ]
  }

  static func section(
    _ id: String,
    _ columns: [String],
    _ down: Set<String>,
    _ formats: PageFormats
  ) -> TableSection {
    TableSection(
      id: id,
      heading: formats.word("section_\(id)"),
      columns: columns.map { .init(label: formats.word($0)) },
      unavailable: down.contains(id)
    )
  }

  /// The merged timeline: interactions (call, meeting, note, …) and business events, newest first.
  static func timeline(
    _ answer: Result<Erp_Customers_V1_TimelineResponse, any Error>,
    _ formats: PageFormats
  ) -> TableSection {
    var section = Self.section("timeline", ["date", "kind", "summary", "amount"], [], formats)
    section.columns[3].amount = true
    guard case .success(let timeline) = answer else {
      section.unavailable = true
      return section
    }
    section.rows = timeline.items.map { item in
      let date = TableSection.Cell(text: formats.day(item.occurredAt))
      switch item.item {
      case .interaction(let interaction):
        let summary = [interaction.subject, interaction.outcome].filter { !$0.isEmpty }
        return [
          date, .init(text: formats.word(Self.kindKey(interaction.kind))),
          .init(text: summary.joined(separator: " — ")), .init(text: ""),
        ]
      case .event(let event):
        let amount = event.hasAmount ? formats.money(event.amount) : ""
        return [
          date,
          .init(text: event.reference.isEmpty ? event.eventType : event.reference, latin: true),
          .init(text: event.summary), .init(text: amount, amount: true),
        ]
      case nil:
        return [date, .init(text: ""), .init(text: ""), .init(text: "")]
      }
    }
    return section
  }

  static func kindKey(_ kind: Erp_Customers_V1_InteractionKind) -> String {
    switch kind {
    case .call: return "kind_call"
    case .email: return "kind_email"
    case .meeting: return "kind_meeting"
    case .note: return "kind_note"
    case .task: return "kind_task"
    case .ticket: return "kind_ticket"
    default: return "kind_other"
    }
  }
}
