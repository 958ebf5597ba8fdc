import ERPRuntime
import ERPStore

/// The sales schema, per tenant. Never edit a released migration: add the next one.
public enum SalesMigrations {
  public static let all: [Migration] =
    [orders, requestLog] + Outbox.migrations(version: 3) + [creditControl, owners]
    + [RecordHistory.migration(version: 7)]

  /// Settings, price lists, quotations and orders with their lines, and the cross-service
  /// steps an order takes (shipments and returns requested of the supply chain, invoices and
  /// credit notes queued for finance), each recorded before it is attempted so that a restart
  /// can finish it. (Its outbox table, created here until the outbox became a set of its own,
  /// is `Outbox.migrations`, version 3: a tenant that has it from here finds it there.)
  static let orders = Migration(
    version: 1,
    name: "price lists, orders and their cross-service steps",
    sql: """
      CREATE TABLE sales_settings (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        invoice_on text NOT NULL DEFAULT 'shipment' CHECK (invoice_on IN ('shipment', 'confirmation')),
        payment_terms_days integer NOT NULL DEFAULT 30 CHECK (payment_terms_days BETWEEN 0 AND 365)
      );
      INSERT INTO sales_settings DEFAULT VALUES;

      CREATE TABLE price_list (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code text NOT NULL CHECK (code ~ '^[A-Z0-9-]{1,20}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        currency_code text NOT NULL CHECK (currency_code ~ '^[A-Z]{3}$'),
        valid_from date NOT NULL,
        valid_to date CHECK (valid_to >= valid_from),
        CONSTRAINT price_list_code_key UNIQUE (code)
      );
      CREATE TABLE price_list_entry (
        price_list_id bigint NOT NULL REFERENCES price_list (id),
        sku text NOT NULL,
        unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
        PRIMARY KEY (price_list_id, sku)
      );

      CREATE SEQUENCE quotation_number;
      CREATE SEQUENCE order_number;
      CREATE TABLE sales_order (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        customer_id text NOT NULL,
        customer_name text NOT NULL,
        owner_id text NOT NULL DEFAULT '',
        currency_code text NOT NULL,
        order_date date NOT NULL,
        warehouse_code text NOT NULL,
        price_list_code text NOT NULL DEFAULT '',
        order_discount_bp integer NOT NULL CHECK (order_discount_bp BETWEEN 0 AND 10000),
        status text NOT NULL CHECK (status IN ('quotation', 'converted', 'draft', 'confirmed',
          'partly_shipped', 'shipped', 'invoiced', 'paid', 'cancelled')),
        progress text NOT NULL DEFAULT 'idle' CHECK (progress IN ('idle', 'confirming', 'cancelling')),
        reservation_attempt integer NOT NULL DEFAULT 0,
        related_number text NOT NULL DEFAULT '',
        last_error text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sales_order_request_id_key UNIQUE (request_id)
      );
      CREATE INDEX sales_order_in_progress ON sales_order (id) WHERE progress <> 'idle';
      CREATE TABLE sales_order_line (
        order_id bigint NOT NULL REFERENCES sales_order (id),
        line_number integer NOT NULL,
        sku text NOT NULL,
        description text NOT NULL,
        quantity_milli bigint NOT NULL CHECK (quantity_milli > 0),
        unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
        discount_bp integer NOT NULL CHECK (discount_bp BETWEEN 0 AND 10000),
        tax_code text NOT NULL,
        tax_rate_bp integer NOT NULL,
        net_minor bigint NOT NULL,
        tax_minor bigint NOT NULL,
        shipped_milli bigint NOT NULL DEFAULT 0,
        invoiced_milli bigint NOT NULL DEFAULT 0,
        invoiced_net_minor bigint NOT NULL DEFAULT 0,
        returned_milli bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (order_id, line_number),
        CHECK (shipped_milli BETWEEN 0 AND quantity_milli),
        CHECK (invoiced_milli BETWEEN 0 AND quantity_milli),
        CHECK (returned_milli BETWEEN 0 AND shipped_milli)
      );

      -- A shipment or return asked of the supply chain: 'requested' until it answered.
      CREATE TABLE sales_fulfilment (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        order_id bigint NOT NULL REFERENCES sales_order (id),
        kind text NOT NULL CHECK (kind IN ('shipment', 'return')),
        request_id text NOT NULL,
        state text NOT NULL CHECK (state IN ('requested', 'done')),
        lines jsonb NOT NULL,
        carrier text NOT NULL DEFAULT '',
        tracking_number text NOT NULL DEFAULT '',
        reason text NOT NULL DEFAULT '',
        document_number text NOT NULL DEFAULT '',
        CONSTRAINT sales_fulfilment_request_id_key UNIQUE (kind, request_id)
      );
      CREATE INDEX sales_fulfilment_requested ON sales_fulfilment (id) WHERE state = 'requested';

      -- Invoices and credit notes queued for finance (their numbers are the outbox's results),
      -- with the net per order line, for revenue reports.
      CREATE TABLE sales_document (
        key text PRIMARY KEY,
        order_id bigint NOT NULL REFERENCES sales_order (id),
        kind text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
        issued_on date NOT NULL
      );
      CREATE INDEX sales_document_order ON sales_document (order_id);
      CREATE TABLE sales_document_line (
        key text NOT NULL REFERENCES sales_document (key),
        line_number integer NOT NULL,
        quantity_milli bigint NOT NULL,
        net_minor bigint NOT NULL,
        PRIMARY KEY (key, line_number)
      );
      """
  )

  /// The request log: every create request by scope and request id, with its fingerprint
  /// (`RequestLog`, ERPRuntime), the one place a reused request id is checked.
  static let requestLog = Migration(version: 2, name: "request log", sql: RequestLog.migrationSQL)

  /// Credit control (``CreditCheck``): a row per customer that confirmations lock while they
  /// weigh its exposure, so two of them are decided one after the other, and the override an
  /// order was confirmed under (who, when, the figures, why). (The outbox set takes 3 and 4.)
  static let creditControl = Migration(
    version: 5,
    name: "credit control",
    sql: """
      CREATE TABLE sales_credit_lock (
        customer_id text PRIMARY KEY
      );
      CREATE TABLE sales_credit_override (
        order_id bigint PRIMARY KEY REFERENCES sales_order (id),
        approved_by text NOT NULL CHECK (length(approved_by) BETWEEN 1 AND 100),
        approved_at timestamptz NOT NULL DEFAULT now(),
        currency_code text NOT NULL CHECK (currency_code ~ '^[A-Z]{3}$'),
        limit_minor bigint NOT NULL,
        exposure_minor bigint NOT NULL,
        reason text NOT NULL CHECK (octet_length(reason) BETWEEN 1 AND 500)
      );
      """
  )

  /// Record rules (`RecordRules`): orders and quotations are read by their owner (a user's
  /// caller id, `user:<uuid>`, or empty for none); the column exists since version 1.
  static let owners = Migration(
    version: 6,
    name: "owner index",
    sql: "CREATE INDEX sales_order_owner ON sales_order (owner_id)"
  )
}
