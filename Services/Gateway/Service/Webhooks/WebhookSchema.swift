import ERPStore

/// The gateway's webhook tables (version 2 of its own schema): subscriptions, the events the
/// services published (per tenant, once per id, with the body every attempt sends), one
/// delivery per event and subscription, and the log of each delivery's attempts.
enum WebhookSchema {
  static let tables = Migration(
    version: 2,
    name: "webhook subscriptions, events, deliveries and attempts",
    sql: """
      CREATE TABLE gateway.webhook_subscription (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES gateway.tenant (id) ON DELETE CASCADE,
        request_id text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 100),
        url text NOT NULL CHECK (length(url) <= 2048),
        event_types text[] NOT NULL,
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
        -- The signing secret sealed with AES-GCM (``WebhookSecret``), base64.
        sealed_secret text NOT NULL,
        disabled_reason text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, request_id)
      );
      CREATE INDEX webhook_subscription_tenant ON gateway.webhook_subscription (tenant_id, id);

      CREATE TABLE gateway.webhook_event (
        tenant_id text NOT NULL REFERENCES gateway.tenant (id) ON DELETE CASCADE,
        id text NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
        type text NOT NULL,
        body text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );

      CREATE TABLE gateway.webhook_delivery (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        subscription_id text NOT NULL
          REFERENCES gateway.webhook_subscription (id) ON DELETE CASCADE,
        event_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        -- When the current run of failures began (null after a success): 3 days of them
        -- disable the subscription.
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (subscription_id, event_id),
        FOREIGN KEY (tenant_id, event_id) REFERENCES gateway.webhook_event (tenant_id, id)
          ON DELETE CASCADE
      );
      CREATE INDEX webhook_delivery_due ON gateway.webhook_delivery (next_attempt_at)
        WHERE status = 'pending';
      CREATE INDEX webhook_delivery_subscription
        ON gateway.webhook_delivery (subscription_id, created_at DESC, id DESC);

      CREATE TABLE gateway.webhook_attempt (
        delivery_id text NOT NULL REFERENCES gateway.webhook_delivery (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        attempted_at timestamptz NOT NULL DEFAULT now(),
        http_status integer NOT NULL,
        latency_ms integer NOT NULL,
        response_excerpt text NOT NULL CHECK (octet_length(response_excerpt) <= 1024),
        error text NOT NULL CHECK (length(error) <= 200),
        PRIMARY KEY (delivery_id, attempt)
      );
      """
  )
}
