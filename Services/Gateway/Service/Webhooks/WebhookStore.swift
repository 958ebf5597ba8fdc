import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore
import SwiftProtobuf

/// The SQL of subscriptions and their delivery log, always within one tenant (the key's):
/// every statement names `tenant_id`, so no call can reach another tenant's rows.
enum WebhookStore {
  static let subscriptionColumns = """
    id, url, event_types, description, disabled_reason,
    (extract(epoch FROM created_at))::bigint AS created_s
    """

  /// Creates a subscription, idempotent by request id: a repeat answers the first one's
  /// subscription, without its secret.
  static func create(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Gateway_V1_CreateSubscriptionRequest,
    sealing: WebhookSealing
  ) async throws -> Erp_Gateway_V1_CreatedSubscription {
    guard !request.requestID.isEmpty, request.requestID.count <= 100 else {
      throw RPCError(code: .invalidArgument, message: "request_id: 1 to 100 characters")
    }
    let url = try WebhookURL.checked(request.url)
    let types = try Self.checkedTypes(request.eventTypes)
    guard request.description_p.count <= 200 else {
      throw RPCError(code: .invalidArgument, message: "description: at most 200 characters")
    }
    let id = "whsub_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    let secret = WebhookSecret.random()
    let sealed = try sealing.seal(secret, subscription: id)
    return try await pool.withTransaction { session in
      let inserted = try await session.query(
        """
        INSERT INTO gateway.webhook_subscription (id, tenant_id, request_id, url, event_types,
          description, sealed_secret)
        VALUES ($1, $2, $3, $4, $5::text[], $6, $7)
        ON CONFLICT (tenant_id, request_id) DO NOTHING RETURNING id
        """,
        [
          id, tenant.slug, request.requestID, url.absoluteString, types, request.description_p,
          sealed,
        ]
      )
      var created = Erp_Gateway_V1_CreatedSubscription()
      if inserted.isEmpty {
        created.subscription = try Self.subscription(
          try await session.query(
            "SELECT \(Self.subscriptionColumns) FROM gateway.webhook_subscription "
              + "WHERE tenant_id = $1 AND request_id = $2",
            [tenant.slug, request.requestID]
          )[0]
        )
      } else {
        created.subscription = try await Self.subscription(session, tenant, id: id)
        created.secret = secret.text
      }
      return created
    }
  }

  /// The event types, each from ``PartnerEvents/Kind``, at least one, without repeats.
  static func checkedTypes(_ types: [String]) throws -> [String] {
    guard !types.isEmpty, types.count <= PartnerEvents.Kind.allCases.count else {
      throw RPCError(
        code: .invalidArgument,
        message: "event_types: at least one, at most \(PartnerEvents.Kind.allCases.count)"
      )
    }
    for (index, type) in types.enumerated() where PartnerEvents.Kind(rawValue: type) == nil {
      throw RPCError(
        code: .invalidArgument,
        message: "event_types[\(index)]: \(quoted(type)) is not an event type"
          + "; one of " + PartnerEvents.Kind.allCases.map(\.rawValue).joined(separator: ", ")
      )
    }
    return Array(Set(types)).sorted()
  }

  static func subscription(
    _ session: PostgresSession,
    _ tenant: TenantID,
    id: String
  ) async throws -> Erp_Gateway_V1_Subscription {
    let rows = try await session.query(
      "SELECT \(Self.subscriptionColumns) FROM gateway.webhook_subscription "
        + "WHERE tenant_id = $1 AND id = $2",
      [tenant.slug, id]
    )
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "subscription_id: no subscription \(quoted(id))")
    }
    return try Self.subscription(row)
  }

  static func subscription(_ row: PostgresRow) throws -> Erp_Gateway_V1_Subscription {
    var subscription = Erp_Gateway_V1_Subscription()
    subscription.id = try row.decode("id")
    subscription.url = try row.decode("url")
    subscription.eventTypes = try row.decode("event_types")
    subscription.description_p = try row.decode("description")
    subscription.disabledReason = try row.decode("disabled_reason")
    subscription.disabled = !subscription.disabledReason.isEmpty
    subscription.createdAt = Google_Protobuf_Timestamp(
      seconds: try row.decode("created_s", as: Int64.self),
      nanos: 0
    )
    return subscription
  }

  static func pageSize(_ requested: Int32) throws -> Int {
    guard requested >= 0 else {
      throw RPCError(code: .invalidArgument, message: "page_size: must not be negative")
    }
    return requested == 0 ? 50 : min(Int(requested), 200)
  }

  /// The tenant's subscriptions by id; the page token is the last id of the previous page.
  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Gateway_V1_ListSubscriptionsRequest
  ) async throws -> Erp_Gateway_V1_ListSubscriptionsResponse {
    let size = try Self.pageSize(request.pageSize)
    let rows = try await pool.withSession { session in
      try await session.query(
        "SELECT \(Self.subscriptionColumns) FROM gateway.webhook_subscription "
          + "WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        [tenant.slug, request.pageToken, size + 1]
      )
    }
    var response = Erp_Gateway_V1_ListSubscriptionsResponse()
    response.subscriptions = try rows.prefix(size).map(Self.subscription)
    if rows.count > size { response.nextPageToken = response.subscriptions.last?.id ?? "" }
    return response
  }

  static func delete(_ pool: ConnectionPool, _ tenant: TenantID, id: String) async throws {
    let deleted = try await pool.withSession { session in
      try await session.query(
        "DELETE FROM gateway.webhook_subscription WHERE tenant_id = $1 AND id = $2 RETURNING id",
        [tenant.slug, id]
      )
    }
    guard !deleted.isEmpty else {
      throw RPCError(code: .notFound, message: "id: no subscription \(quoted(id))")
    }
  }
}
