import ArgumentParser
import ERPClient
import ERPProtos
import Foundation
import GRPCCore

/// `erpctl webhooks …`: a partner's webhook subscriptions (API key with `webhooks:write`, or
/// `webhooks:read` for list and deliveries).
struct WebhooksCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "webhooks",
    abstract: "Subscribe an HTTP endpoint to the tenant's events; inspect and redeliver.",
    subcommands: [
      Create.self, List.self, Delete.self, Test.self, Deliveries.self, Redeliver.self,
    ]
  )

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create a subscription; prints its signing secret, shown only now."
    )
    @OptionGroup var connection: Connection
    @Argument(help: "The endpoint, http:// or https://.") var url: String
    @Option(
      name: .customLong("event"),
      help: "An event type (repeat for several), e.g. customer.created, order.shipped."
    )
    var events: [String] = []
    @Option(help: "What the subscription is for.") var description = ""
    @Option(help: "Idempotency key (default: a new one).") var requestID = UUID().uuidString

    func run() async throws {
      var request = Erp_Gateway_V1_CreateSubscriptionRequest()
      request.requestID = self.requestID
      request.url = self.url
      request.eventTypes = self.events
      request.description_p = self.description
      let created = try await self.connection.run { [request] in
        try await $0.webhooks.createSubscription(request)
      }
      if self.connection.json { return try Output.json(created) }
      WebhooksCommand.subscriptions([created.subscription])
      if !created.secret.isEmpty { print("\nsigning secret (shown once): \(created.secret)") }
    }
  }

  struct List: AsyncParsableCommand {
    @OptionGroup var connection: Connection

    func run() async throws {
      let listed = try await self.connection.run {
        try await $0.webhooks.listSubscriptions(.init())
      }
      if self.connection.json { return try Output.json(listed) }
      WebhooksCommand.subscriptions(listed.subscriptions)
    }
  }

  struct Delete: AsyncParsableCommand {
    @OptionGroup var connection: Connection
    @Argument(help: "The subscription's id (whsub_…).") var id: String

    func run() async throws {
      var request = Erp_Gateway_V1_DeleteSubscriptionRequest()
      request.id = self.id
      let deleted = try await self.connection.run { [request] in
        try await $0.webhooks.deleteSubscription(request)
      }
      if self.connection.json { return try Output.json(deleted) }
      print("deleted \(deleted.id)")
    }
  }

  struct Test: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send a webhook.test event.")
    @OptionGroup var connection: Connection
    @Argument(help: "The subscription's id.") var subscription: String

    func run() async throws {
      var request = Erp_Gateway_V1_SendTestEventRequest()
      request.subscriptionID = self.subscription
      let delivery = try await self.connection.run { [request] in
        try await $0.webhooks.sendTestEvent(request)
      }
      if self.connection.json { return try Output.json(delivery) }
      WebhooksCommand.deliveries([delivery])
    }
  }

  struct Deliveries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "A subscription's deliveries, newest first, with each attempt."
    )
    @OptionGroup var connection: Connection
    @Argument(help: "The subscription's id.") var subscription: String
    @Option(help: "At most this many deliveries.") var limit: Int32 = 20

    func run() async throws {
      var request = Erp_Gateway_V1_ListDeliveriesRequest()
      request.subscriptionID = self.subscription
      request.pageSize = self.limit
      let listed = try await self.connection.run { [request] in
        try await $0.webhooks.listDeliveries(request)
      }
      if self.connection.json { return try Output.json(listed) }
      WebhooksCommand.deliveries(listed.deliveries)
    }
  }

  struct Redeliver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Attempt a delivery again now (same id, same body)."
    )
    @OptionGroup var connection: Connection
    @Argument(help: "The delivery's id (whdel_…).") var delivery: String

    func run() async throws {
      var request = Erp_Gateway_V1_RedeliverRequest()
      request.deliveryID = self.delivery
      let delivery = try await self.connection.run { [request] in
        try await $0.webhooks.redeliver(request)
      }
      if self.connection.json { return try Output.json(delivery) }
      WebhooksCommand.deliveries([delivery])
    }
  }

  static func subscriptions(_ subscriptions: [Erp_Gateway_V1_Subscription]) {
    Output.table(
      ["ID", "URL", "EVENTS", "STATE"],
      subscriptions.map {
        [
          $0.id, $0.url, $0.eventTypes.joined(separator: ","),
          $0.disabled ? "disabled: \($0.disabledReason)" : "active",
        ]
      }
    )
  }

  static func deliveries(_ deliveries: [Erp_Gateway_V1_Delivery]) {
    Output.table(
      ["DELIVERY", "EVENT", "TYPE", "STATUS", "ATTEMPTS"],
      deliveries.map { delivery in
        [
          delivery.id, delivery.eventID, delivery.eventType,
          "\(delivery.status)".replacingOccurrences(of: "deliveryStatus", with: ""),
          delivery.attempts.map { attempt in
            attempt.httpStatus == 0
              ? "#\(attempt.attempt) \(attempt.error.prefix(30)) \(attempt.latencyMs)ms"
              : "#\(attempt.attempt) \(attempt.httpStatus) \(attempt.latencyMs)ms"
          }.joined(separator: "; "),
        ]
      }
    )
  }
}
