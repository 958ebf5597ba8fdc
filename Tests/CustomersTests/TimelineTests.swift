import ERPProtos
import GRPCCore
import SwiftProtobuf
import Testing

private func at(_ seconds: Int64) -> Google_Protobuf_Timestamp {
  var timestamp = Google_Protobuf_Timestamp()
  timestamp.seconds = 1_790_000_000 + seconds
  return timestamp
}

@Suite("Customers: contacts, interactions and the timeline")
struct TimelineTests {
  @Test("contacts belong to organisations; individuals have none")
  func contacts() async throws {
    try await CustomersHarness.withInteractions { customers, interactions in
      let company = try await CustomersHarness.create(
        customers,
        "org",
        CustomersHarness.customer("شركة الأفق")
      )
      let person = try await CustomersHarness.create(
        customers,
        "ind",
        CustomersHarness.customer("Layla", kind: .individual)
      )
      var add = Erp_Customers_V1_AddContactRequest()
      add.requestID = "contact-1"
      add.contact.customerID = company.id
      add.contact.name = "سارة القحطاني"
      add.contact.title = "مديرة المشتريات"
      add.contact.phones = ["0555555555"]
      add.defaultCountryCallingCode = "966"
      let contact = try await interactions.addContact(add)
      #expect(contact.id.hasPrefix("P-"))
      #expect(contact.phones == ["+966555555555"])
      #expect(try await interactions.addContact(add).id == contact.id)  // idempotent
      var list = Erp_Customers_V1_ListContactsRequest()
      list.customerID = company.id
      #expect(try await interactions.listContacts(list).contacts.map(\.name) == ["سارة القحطاني"])

      add.requestID = "contact-2"
      add.contact.customerID = person.id
      let refused = await #expect(throws: RPCError.self) { try await interactions.addContact(add) }
      #expect(refused?.code == .failedPrecondition)
    }
  }

  @Test("interactions and business events merge newest first, paged stably, events idempotent")
  func timeline() async throws {
    try await CustomersHarness.withInteractions { customers, interactions in
      let customer = try await CustomersHarness.create(
        customers,
        "c",
        CustomersHarness.customer("Acme")
      )
      for index in 0..<12 {
        var log = Erp_Customers_V1_LogInteractionRequest()
        log.requestID = "i\(index)"
        log.interaction.customerID = customer.id
        log.interaction.kind = index % 2 == 0 ? .call : .note
        log.interaction.occurredAt = at(Int64(index) * 100)
        log.interaction.subject = "interaction \(index)"
        _ = try await interactions.logInteraction(log)

        var event = Erp_Customers_V1_AppendEventRequest()
        event.requestID = "sales:order:\(index)"
        event.customerID = customer.id
        event.source = "sales"
        event.eventType = "order_confirmed"
        event.occurredAt = at(Int64(index) * 100 + 50)
        event.summary = "order \(index)"
        event.amount.currencyCode = "SAR"
        event.amount.unitsMinor = 1_000_00
        event.reference = "SO-\(index)"
        let first = try await interactions.appendEvent(event)
        #expect(try await interactions.appendEvent(event).event.id == first.event.id)
      }

      var request = Erp_Customers_V1_TimelineRequest()
      request.customerID = customer.id
      request.page.pageSize = 5
      var seen: [String] = []
      var round = 0
      repeat {
        let page = try await interactions.timeline(request)
        seen += page.items.map { item in
          if case .event(let event)? = item.item { return event.summary }
          return item.interaction.subject
        }
        // Something newer arrives while paging: it must not shift the pages that follow.
        var newer = Erp_Customers_V1_LogInteractionRequest()
        newer.requestID = "late-\(round)"
        newer.interaction.customerID = customer.id
        newer.interaction.kind = .note
        newer.interaction.occurredAt = at(10_000 + Int64(round))
        newer.interaction.subject = "late \(round)"
        _ = try await interactions.logInteraction(newer)
        round += 1
        request.page.pageToken = page.page.nextPageToken
      } while !request.page.pageToken.isEmpty
      let expected = (0..<12).reversed().flatMap { ["order \($0)", "interaction \($0)"] }
      #expect(seen == expected)
    }
  }

  @Test("tasks have due dates and are completed; bad input names the field")
  func tasks() async throws {
    try await CustomersHarness.withInteractions { customers, interactions in
      let customer = try await CustomersHarness.create(
        customers,
        "c",
        CustomersHarness.customer("Acme")
      )
      var log = Erp_Customers_V1_LogInteractionRequest()
      log.requestID = "task-1"
      log.interaction.customerID = customer.id
      log.interaction.kind = .task
      log.interaction.occurredAt = at(0)
      log.interaction.subject = "اتصل بالعميل"
      log.interaction.dueDate.year = 2026
      log.interaction.dueDate.month = 12
      log.interaction.dueDate.day = 1
      let task = try await interactions.logInteraction(log)
      #expect(task.dueDate.month == 12)
      #expect(task.done == false)
      var complete = Erp_Customers_V1_CompleteInteractionRequest()
      complete.id = task.id
      complete.outcome = "تم"
      let done = try await interactions.completeInteraction(complete)
      #expect(done.done)
      #expect(done.outcome == "تم")

      log.requestID = "note-due"
      log.interaction.kind = .note
      let noteWithDue = await #expect(throws: RPCError.self) {
        try await interactions.logInteraction(log)
      }
      #expect(noteWithDue?.message.hasPrefix("interaction.due_date:") == true)
      log.requestID = "unknown"
      log.interaction.kind = .call
      log.interaction.clearDueDate()
      log.interaction.customerID = "C-999999"
      let unknown = await #expect(throws: RPCError.self) {
        try await interactions.logInteraction(log)
      }
      #expect(unknown?.code == .notFound)
    }
  }
}
