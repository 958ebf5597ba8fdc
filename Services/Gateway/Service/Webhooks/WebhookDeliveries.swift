import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore
import SwiftProtobuf

/// Events and their deliveries: recording a published event once per id with one delivery per
/// matching subscription of its tenant, test events, the delivery log, and redelivery.
enum WebhookDeliveries {
  /// The body every attempt of the event sends, Standard Webhooks' JSON:
  /// `{"type","id","tenant","occurred_at","data"}`, `data` as the service wrote it.
  static func body(
    type: String,
    id: String,
    tenant: String,
    occurredAt: Google_Protobuf_Timestamp,
    data: String
  ) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    func string(_ text: String) throws -> String {
      String(decoding: try encoder.encode(text), as: UTF8.self)
    }
    return "{\"type\":\(try string(type)),\"id\":\(try string(id)),"
      + "\"tenant\":\(try string(tenant)),\"occurred_at\":\(try occurredAt.jsonString()),"
      + "\"data\":\(data)}"
  }

  static let maxDataBytes = 64 * 1024

  /// Checks a published event: an id of letters, digits, `_` and `-` (at most 64), a known
  /// type, a time, and data that is a JSON object of at most 64 KiB.
  static func checked(_ event: Erp_Gateway_V1_PublishEventRequest) throws {
    func invalid(_ field: String, _ why: String) -> RPCError {
      RPCError(code: .invalidArgument, message: "\(field): \(why)")
    }
    let idCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-"))
    guard (1...64).contains(event.eventID.count), event.eventID.allSatisfy(\.isASCII),
      event.eventID.unicodeScalars.allSatisfy(idCharacters.contains)
    else { throw invalid("event_id", "1 to 64 letters, digits, _ or -") }
    guard PartnerEvents.Kind(rawValue: event.type) != nil else {
      throw invalid("type", "\(quoted(event.type)) is not an event type")
    }
    guard event.hasOccurredAt else { throw invalid("occurred_at", "required") }
    guard event.dataJson.utf8.count <= Self.maxDataBytes else {
      throw invalid("data_json", "at most \(Self.maxDataBytes) bytes")
    }
    guard
      (try? JSONSerialization.jsonObject(with: Data(event.dataJson.utf8))) is [String: Any]
    else { throw invalid("data_json", "must be a JSON object") }
  }

  /// Records the event and queues it for each active subscription of the tenant that names its
  /// type; the number queued. A repeat (the same tenant and id) queues nothing; so does an
  /// event of a tenant the gateway does not know (nobody can have subscribed).
  static func publish(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ event: Erp_Gateway_V1_PublishEventRequest
  ) async throws -> Int {
    try Self.checked(event)
    let body = try Self.body(
      type: event.type,
      id: event.eventID,
      tenant: tenant.slug,
      occurredAt: event.occurredAt,
      data: event.dataJson
    )
    return try await pool.withTransaction { session in
      let recorded = try await session.query(
        """
        INSERT INTO gateway.webhook_event (tenant_id, id, type, body)
        SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM gateway.tenant WHERE id = $1)
        ON CONFLICT (tenant_id, id) DO NOTHING RETURNING id
        """,
        [tenant.slug, event.eventID, event.type, body]
      )
      guard !recorded.isEmpty else { return 0 }
      return try await session.query(
        """
        INSERT INTO gateway.webhook_delivery (id, tenant_id, subscription_id, event_id, status)
        SELECT 'whdel_' || replace(gen_random_uuid()::text, '-', ''), $1, s.id, $2, 'pending'
        FROM gateway.webhook_subscription s
        WHERE s.tenant_id = $1 AND s.disabled_reason = '' AND $3 = ANY (s.event_types)
        RETURNING id
        """,
        [tenant.slug, event.eventID, event.type]
      ).count
    }
  }

  /// Queues a `webhook.test` event for the subscription alone.
  static func test(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    subscription: String
  ) async throws -> Erp_Gateway_V1_Delivery {
    let eventID =
      "evt_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    let body = try Self.body(
      type: "webhook.test",
      id: eventID,
      tenant: tenant.slug,
      occurredAt: Google_Protobuf_Timestamp(date: Date()),
      data:
        "{\"subscription_id\":\(String(decoding: try JSONEncoder().encode(subscription), as: UTF8.self))}"
    )
    return try await pool.withTransaction { session in
      _ = try await WebhookStore.subscription(session, tenant, id: subscription)
      try await session.query(
        "INSERT INTO gateway.webhook_event (tenant_id, id, type, body) VALUES ($1, $2, $3, $4)",
        [tenant.slug, eventID, "webhook.test", body]
      )
      let id = try await session.query(
        """
        INSERT INTO gateway.webhook_delivery (id, tenant_id, subscription_id, event_id, status)
        VALUES ('whdel_' || replace(gen_random_uuid()::text, '-', ''), $1, $2, $3, 'pending')
        RETURNING id
        """,
        [tenant.slug, subscription, eventID]
      )[0].decode("id", as: String.self)
      return try await Self.deliveries(session, tenant, "d.id = $2", [id], limit: 1)[0]
    }
  }

  /// Makes the delivery due now again (same id, same body), whatever its status.
  static func redeliver(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    delivery: String
  ) async throws -> Erp_Gateway_V1_Delivery {
    try await pool.withTransaction { session in
      let updated = try await session.query(
        """
        UPDATE gateway.webhook_delivery SET status = 'pending', next_attempt_at = now()
        WHERE tenant_id = $1 AND id = $2 RETURNING id
        """,
        [tenant.slug, delivery]
      )
      guard !updated.isEmpty else {
        throw RPCError(code: .notFound, message: "delivery_id: no delivery \(quoted(delivery))")
      }
      return try await Self.deliveries(session, tenant, "d.id = $2", [delivery], limit: 1)[0]
    }
  }

  /// A subscription's deliveries, newest first; the page token is the last one's id.
  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Gateway_V1_ListDeliveriesRequest
  ) async throws -> Erp_Gateway_V1_ListDeliveriesResponse {
    let size = try WebhookStore.pageSize(request.pageSize)
    return try await pool.withTransaction { session in
      _ = try await WebhookStore.subscription(session, tenant, id: request.subscriptionID)
      var condition = "d.subscription_id = $2"
      var parameters: [(any PostgresEncodable)?] = [request.subscriptionID]
      if !request.pageToken.isEmpty {
        condition += """
           AND (d.created_at, d.id) < (SELECT created_at, id FROM gateway.webhook_delivery
             WHERE tenant_id = $1 AND id = $3)
          """
        parameters.append(request.pageToken)
      }
      let found = try await Self.deliveries(
        session,
        tenant,
        condition,
        parameters,
        limit: size + 1
      )
      var response = Erp_Gateway_V1_ListDeliveriesResponse()
      response.deliveries = Array(found.prefix(size))
      if found.count > size { response.nextPageToken = response.deliveries.last?.id ?? "" }
      return response
    }
  }

  /// Deliveries of the tenant matching `condition` ($1 is the tenant), with their attempts.
  private static func deliveries(
    _ session: PostgresSession,
    _ tenant: TenantID,
    _ condition: String,
    _ parameters: [(any PostgresEncodable)?],
    limit: Int
  ) async throws -> [Erp_Gateway_V1_Delivery] {
    let rows = try await session.query(
      """
      SELECT d.id, d.subscription_id, d.event_id, e.type, d.status,
        (extract(epoch FROM d.next_attempt_at) * 1000)::bigint AS next_ms
      FROM gateway.webhook_delivery d
      JOIN gateway.webhook_event e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
      WHERE d.tenant_id = $1 AND \(condition)
      ORDER BY d.created_at DESC, d.id DESC LIMIT \(limit)
      """,
      [tenant.slug as (any PostgresEncodable)?] + parameters
    )
    var deliveries: [Erp_Gateway_V1_Delivery] = []
    for row in rows {
      var delivery = Erp_Gateway_V1_Delivery()
      delivery.id = try row.decode("id")
      delivery.subscriptionID = try row.decode("subscription_id")
      delivery.eventID = try row.decode("event_id")
      delivery.eventType = try row.decode("type")
      switch try row.decode("status", as: String.self) {
      case "pending":
        delivery.status = .pending
        delivery.nextAttemptAt = Self.timestamp(milliseconds: try row.decode("next_ms"))
      case "delivered": delivery.status = .delivered
      default: delivery.status = .failed
      }
      deliveries.append(delivery)
    }
    guard !deliveries.isEmpty else { return [] }
    let attempts = try await session.query(
      """
      SELECT delivery_id, attempt, (extract(epoch FROM attempted_at) * 1000)::bigint AS at_ms,
        http_status, latency_ms, response_excerpt, error
      FROM gateway.webhook_attempt WHERE delivery_id = ANY ($1::text[])
      ORDER BY delivery_id, attempt
      """,
      [deliveries.map(\.id)]
    )
    let index = Dictionary(uniqueKeysWithValues: deliveries.enumerated().map { ($1.id, $0) })
    for row in attempts {
      guard let position = index[try row.decode("delivery_id", as: String.self)] else { continue }
      var attempt = Erp_Gateway_V1_DeliveryAttempt()
      attempt.attempt = try row.decode("attempt")
      attempt.attemptedAt = Self.timestamp(milliseconds: try row.decode("at_ms"))
      attempt.httpStatus = try row.decode("http_status")
      attempt.latencyMs = try row.decode("latency_ms")
      attempt.responseExcerpt = try row.decode("response_excerpt")
      attempt.error = try row.decode("error")
      deliveries[position].attempts.append(attempt)
    }
    return deliveries
  }

  static func timestamp(milliseconds: Int64) -> Google_Protobuf_Timestamp {
    Google_Protobuf_Timestamp(
      seconds: milliseconds / 1000,
      nanos: Int32(milliseconds % 1000) * 1_000_000
    )
  }
}
