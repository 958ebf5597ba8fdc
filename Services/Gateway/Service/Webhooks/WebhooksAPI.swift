import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Webhooks` API (partners; the access interceptor checked the key and its
/// `webhooks:*` scope and bound the key's tenant).
struct WebhooksAPI: Erp_Gateway_V1_Webhooks.SimpleServiceProtocol {
  let pool: ConnectionPool
  let sealing: WebhookSealing
  let dispatcher: WebhookDispatcher

  func createSubscription(
    request: Erp_Gateway_V1_CreateSubscriptionRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_CreatedSubscription {
    try await inCallingTenant { tenant in
      try await WebhookStore.create(self.pool, tenant, request, sealing: self.sealing)
    }
  }

  func listSubscriptions(
    request: Erp_Gateway_V1_ListSubscriptionsRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_ListSubscriptionsResponse {
    try await inCallingTenant { tenant in try await WebhookStore.list(self.pool, tenant, request) }
  }

  func deleteSubscription(
    request: Erp_Gateway_V1_DeleteSubscriptionRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_DeleteSubscriptionResponse {
    try await inCallingTenant { tenant in
      try await WebhookStore.delete(self.pool, tenant, id: request.id)
      var response = Erp_Gateway_V1_DeleteSubscriptionResponse()
      response.id = request.id
      return response
    }
  }

  func sendTestEvent(
    request: Erp_Gateway_V1_SendTestEventRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_Delivery {
    let delivery = try await inCallingTenant { tenant in
      try await WebhookDeliveries.test(self.pool, tenant, subscription: request.subscriptionID)
    }
    self.dispatcher.poke()
    return delivery
  }

  func listDeliveries(
    request: Erp_Gateway_V1_ListDeliveriesRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_ListDeliveriesResponse {
    try await inCallingTenant { tenant in
      try await WebhookDeliveries.list(self.pool, tenant, request)
    }
  }

  func redeliver(
    request: Erp_Gateway_V1_RedeliverRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_Delivery {
    let delivery = try await inCallingTenant { tenant in
      try await WebhookDeliveries.redeliver(self.pool, tenant, delivery: request.deliveryID)
    }
    self.dispatcher.poke()
    return delivery
  }
}

/// The `Events` API (the platform's services, with the services' secret and the tenant in
/// `x-erp-tenant`): records a domain event once per id and queues its deliveries.
struct EventsAPI: Erp_Gateway_V1_Events.SimpleServiceProtocol {
  let pool: ConnectionPool
  let dispatcher: WebhookDispatcher

  func publishEvent(
    request: Erp_Gateway_V1_PublishEventRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_PublishEventResponse {
    var response = Erp_Gateway_V1_PublishEventResponse()
    response.deliveries = Int32(
      try await inCallingTenant { tenant in
        try await WebhookDeliveries.publish(self.pool, tenant, request)
      }
    )
    if response.deliveries > 0 { self.dispatcher.poke() }
    return response
  }
}
