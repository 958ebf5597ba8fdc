import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Interactions` API, in the calling tenant.
struct InteractionsAPI: Erp_Customers_V1_Interactions.SimpleServiceProtocol {
  let pool: ConnectionPool

  func addContact(
    request: Erp_Customers_V1_AddContactRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_Contact
  {
    return try await inCallingTenant { tenant in try await Contacts.add(self.pool, tenant, request)
    }
  }

  func listContacts(
    request: Erp_Customers_V1_ListContactsRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_ListContactsResponse
  {
    var response = Erp_Customers_V1_ListContactsResponse()
    response.contacts = try await inCallingTenant { tenant in
      try await Contacts.list(self.pool, tenant, customer: request.customerID)
    }
    return response
  }

  func logInteraction(
    request: Erp_Customers_V1_LogInteractionRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_Interaction
  {
    return try await inCallingTenant { tenant in
      try await InteractionLog.log(self.pool, tenant, request)
    }
  }

  func completeInteraction(
    request: Erp_Customers_V1_CompleteInteractionRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_Interaction
  {
    return try await inCallingTenant { tenant in
      try await InteractionLog.complete(self.pool, tenant, request)
    }
  }

  func appendEvent(
    request: Erp_Customers_V1_AppendEventRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_TimelineItem
  {
    return try await inCallingTenant { tenant in
      try await InteractionLog.append(self.pool, tenant, request)
    }
  }

  func timeline(
    request: Erp_Customers_V1_TimelineRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_TimelineResponse
  {
    return try await inCallingTenant { tenant in try await Timeline.read(self.pool, tenant, request)
    }
  }
}
