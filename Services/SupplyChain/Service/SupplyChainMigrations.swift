import ERPRuntime
import ERPStore

/// The supply chain schema, per tenant. Never edit a released migration: add the next one.
public enum SupplyChainMigrations {
  public static let all: [Migration] =
    [catalog, stockLedger, purchasing, shipping, returns, requestLog]
    + Outbox.migrations(version: 7) + [foreignCurrencyReceipts]

  /// Items, suppliers, warehouses, reorder rules; `setting` caches the books' base currency
  /// (read once from finance: stock is valued in it).
  static let catalog = Migration(
    version: 1,
    name: "items, suppliers and warehouses",
    sql: """
      CREATE TABLE setting (key text PRIMARY KEY, value text NOT NULL);

      CREATE SEQUENCE supplier_number;
      CREATE TABLE supplier (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code text NOT NULL UNIQUE,
        request_id text NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        email text NOT NULL DEFAULT '',
        phone text NOT NULL DEFAULT '',
        currency_code text NOT NULL CHECK (currency_code ~ '^[A-Z]{3}$'),
        lead_time_days integer NOT NULL CHECK (lead_time_days BETWEEN 0 AND 365),
        CONSTRAINT supplier_request_id_key UNIQUE (request_id)
      );

      CREATE TABLE item (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sku text NOT NULL CHECK (sku ~ '^[A-Za-z0-9._-]{1,64}$'),
        request_id text,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        unit_of_measure text NOT NULL CHECK (length(unit_of_measure) BETWEEN 1 AND 20),
        barcode text NOT NULL DEFAULT '',
        cost_currency text NOT NULL DEFAULT '',
        standard_cost_minor bigint NOT NULL DEFAULT 0 CHECK (standard_cost_minor >= 0),
        price_currency text NOT NULL DEFAULT '',
        list_price_minor bigint NOT NULL DEFAULT 0 CHECK (list_price_minor >= 0),
        active boolean NOT NULL DEFAULT true,
        preferred_supplier_id bigint REFERENCES supplier (id),
        CONSTRAINT item_sku_key UNIQUE (sku),
        CONSTRAINT item_request_id_key UNIQUE (request_id)
      );
      CREATE UNIQUE INDEX item_barcode_key ON item (barcode) WHERE barcode <> '';

      CREATE TABLE warehouse (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code text NOT NULL CHECK (code ~ '^[A-Z0-9-]{1,20}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        CONSTRAINT warehouse_code_key UNIQUE (code)
      );
      CREATE TABLE location (
        warehouse_id bigint NOT NULL REFERENCES warehouse (id),
        code text NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
        PRIMARY KEY (warehouse_id, code)
      );

      CREATE TABLE reorder_rule (
        item_id bigint NOT NULL REFERENCES item (id),
        warehouse_id bigint NOT NULL REFERENCES warehouse (id),
        reorder_point_milli bigint NOT NULL CHECK (reorder_point_milli >= 0),
        reorder_quantity_milli bigint NOT NULL CHECK (reorder_quantity_milli > 0),
        PRIMARY KEY (item_id, warehouse_id)
      );
      """
  )

  /// The stock ledger. `stock_move` is append-only; `stock_level` is what the moves add up to,
  /// kept by a trigger in the same statement that appends a move, under the level's row lock,
  /// so the two cannot drift apart. The level's CHECK constraints are what make overselling and
  /// negative stock impossible: a move that would break them fails, whoever else is moving the
  /// same item at the same moment. An outgoing move without a value is valued at the level's
  /// moving-average cost (value × quantity ÷ on hand, rounded half away from zero; the last unit
  /// out takes all that is left, so no residue stays behind). (Its outbox table, created here
  /// until the outbox became a set of its own, is `Outbox.migrations`, version 7.)
  static let stockLedger = Migration(
    version: 2,
    name: "stock ledger",
    sql: """
      CREATE TABLE stock_level (
        item_id bigint NOT NULL REFERENCES item (id),
        warehouse_id bigint NOT NULL REFERENCES warehouse (id),
        on_hand_milli bigint NOT NULL DEFAULT 0,
        reserved_milli bigint NOT NULL DEFAULT 0,
        value_minor bigint NOT NULL DEFAULT 0,
        last_issued_at timestamptz,
        PRIMARY KEY (item_id, warehouse_id),
        CONSTRAINT stock_level_on_hand CHECK (on_hand_milli >= 0),
        CONSTRAINT stock_level_reserved CHECK (reserved_milli >= 0),
        CONSTRAINT stock_level_available CHECK (reserved_milli <= on_hand_milli),
        CONSTRAINT stock_level_value CHECK (value_minor >= 0 AND (on_hand_milli > 0 OR value_minor = 0))
      );

      CREATE TABLE stock_move (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('receipt', 'issue', 'transfer_out', 'transfer_in',
          'adjustment', 'reservation', 'release')),
        item_id bigint NOT NULL REFERENCES item (id),
        warehouse_id bigint NOT NULL REFERENCES warehouse (id),
        location text NOT NULL DEFAULT '',
        on_hand_delta bigint NOT NULL DEFAULT 0,
        reserved_delta bigint NOT NULL DEFAULT 0,
        value_delta bigint,
        request_id text,
        reference_type text NOT NULL DEFAULT '',
        reference_id text NOT NULL DEFAULT '',
        note text NOT NULL DEFAULT '',
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CHECK (on_hand_delta <> 0 OR reserved_delta <> 0),
        CONSTRAINT stock_move_request_key UNIQUE (request_id, kind)
      );
      CREATE INDEX stock_move_item ON stock_move (item_id, id DESC);

      CREATE FUNCTION apply_stock_move() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        level stock_level%ROWTYPE;
      BEGIN
        SELECT * INTO level FROM stock_level
          WHERE item_id = NEW.item_id AND warehouse_id = NEW.warehouse_id FOR UPDATE;
        IF NOT FOUND THEN
          INSERT INTO stock_level (item_id, warehouse_id) VALUES (NEW.item_id, NEW.warehouse_id)
            ON CONFLICT DO NOTHING;
          SELECT * INTO level FROM stock_level
            WHERE item_id = NEW.item_id AND warehouse_id = NEW.warehouse_id FOR UPDATE;
        END IF;
        IF NEW.value_delta IS NULL THEN
          IF NEW.on_hand_delta < 0 AND level.on_hand_milli + NEW.on_hand_delta >= 0 THEN
            NEW.value_delta := CASE
              WHEN level.on_hand_milli + NEW.on_hand_delta = 0 THEN -level.value_minor
              ELSE -round(level.value_minor::numeric * (-NEW.on_hand_delta) / level.on_hand_milli)::bigint
            END;
          ELSE
            NEW.value_delta := 0;
          END IF;
        END IF;
        UPDATE stock_level SET
          on_hand_milli = on_hand_milli + NEW.on_hand_delta,
          reserved_milli = reserved_milli + NEW.reserved_delta,
          value_minor = value_minor + NEW.value_delta,
          last_issued_at = CASE WHEN NEW.kind = 'issue' THEN NEW.recorded_at ELSE last_issued_at END
        WHERE item_id = NEW.item_id AND warehouse_id = NEW.warehouse_id;
        RETURN NEW;
      END $$;
      CREATE TRIGGER stock_move_applies BEFORE INSERT ON stock_move
        FOR EACH ROW EXECUTE FUNCTION apply_stock_move();

      CREATE FUNCTION refuse_stock_move_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'stock moves are append-only' USING ERRCODE = '55000';
      END $$;
      CREATE TRIGGER stock_move_append_only BEFORE UPDATE OR DELETE ON stock_move
        FOR EACH ROW EXECUTE FUNCTION refuse_stock_move_change();

      CREATE TABLE reservation (
        order_line_id text PRIMARY KEY CHECK (length(order_line_id) BETWEEN 1 AND 100),
        order_id text NOT NULL DEFAULT '',
        item_id bigint NOT NULL REFERENCES item (id),
        warehouse_id bigint NOT NULL REFERENCES warehouse (id),
        quantity_milli bigint NOT NULL CHECK (quantity_milli > 0),
        shipped_milli bigint NOT NULL DEFAULT 0 CHECK (shipped_milli >= 0),
        released boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT reservation_shipped CHECK (shipped_milli <= quantity_milli)
      );
      CREATE INDEX reservation_order ON reservation (order_id);
      """
  )

  /// Purchase orders, their lines and the goods received against them.
  static let purchasing = Migration(
    version: 3,
    name: "purchasing",
    sql: """
      CREATE SEQUENCE purchase_order_number;
      CREATE TABLE purchase_order (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        supplier_id bigint NOT NULL REFERENCES supplier (id),
        warehouse_id bigint NOT NULL REFERENCES warehouse (id),
        currency_code text NOT NULL,
        expected_date date,
        status text NOT NULL CHECK (status IN ('draft', 'ordered', 'partly_received', 'received',
          'cancelled')),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT purchase_order_request_id_key UNIQUE (request_id)
      );
      CREATE TABLE purchase_order_line (
        purchase_order_id bigint NOT NULL REFERENCES purchase_order (id),
        line_number integer NOT NULL CHECK (line_number > 0),
        item_id bigint NOT NULL REFERENCES item (id),
        quantity_milli bigint NOT NULL CHECK (quantity_milli > 0),
        unit_cost_minor bigint NOT NULL CHECK (unit_cost_minor >= 0),
        tax_code text NOT NULL,
        received_milli bigint NOT NULL DEFAULT 0 CHECK (received_milli >= 0),
        PRIMARY KEY (purchase_order_id, line_number),
        CONSTRAINT purchase_order_line_received CHECK (received_milli <= quantity_milli)
      );

      CREATE SEQUENCE goods_receipt_number;
      CREATE TABLE goods_receipt (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        purchase_order_id bigint NOT NULL REFERENCES purchase_order (id),
        receipt_date date NOT NULL,
        value_minor bigint NOT NULL,
        bill_key text NOT NULL,
        CONSTRAINT goods_receipt_request_id_key UNIQUE (request_id)
      );
      CREATE TABLE goods_receipt_line (
        goods_receipt_id bigint NOT NULL REFERENCES goods_receipt (id),
        line_number integer NOT NULL,
        quantity_milli bigint NOT NULL CHECK (quantity_milli > 0),
        location text NOT NULL DEFAULT '',
        value_minor bigint NOT NULL,
        PRIMARY KEY (goods_receipt_id, line_number)
      );
      """
  )

  /// Shipments of sales orders, each line drawn from a reservation.
  static let shipping = Migration(
    version: 4,
    name: "shipping",
    sql: """
      CREATE SEQUENCE shipment_number;
      CREATE TABLE shipment (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        order_id text NOT NULL,
        ship_date date NOT NULL,
        carrier text NOT NULL DEFAULT '',
        tracking_number text NOT NULL DEFAULT '',
        cost_minor bigint NOT NULL,
        entry_key text NOT NULL,
        CONSTRAINT shipment_request_id_key UNIQUE (request_id)
      );
      CREATE INDEX shipment_order ON shipment (order_id, id);
      CREATE TABLE shipment_line (
        shipment_id bigint NOT NULL REFERENCES shipment (id),
        position integer NOT NULL,
        order_line_id text NOT NULL REFERENCES reservation (order_line_id),
        quantity_milli bigint NOT NULL CHECK (quantity_milli > 0),
        cost_minor bigint NOT NULL,
        PRIMARY KEY (shipment_id, position)
      );
      """
  )

  /// Customer returns: a move kind of their own, back in at the cost they shipped at.
  static let returns = Migration(
    version: 5,
    name: "customer returns",
    sql: """
      ALTER TABLE stock_move DROP CONSTRAINT stock_move_kind_check;
      ALTER TABLE stock_move ADD CONSTRAINT stock_move_kind_check CHECK (kind IN ('receipt',
        'issue', 'transfer_out', 'transfer_in', 'adjustment', 'reservation', 'release', 'return'));
      CREATE INDEX stock_move_reference ON stock_move (reference_type, reference_id);
      """
  )

  /// The request log: every create request by scope and request id, with its fingerprint
  /// (`RequestLog`, ERPRuntime), the one place a reused request id is checked.
  static let requestLog = Migration(version: 6, name: "request log", sql: RequestLog.migrationSQL)

  /// Receipts of orders in any currency: the rate of the receipt date and the stock value in
  /// base currency (what the stock moves carry), per receipt and per line.
  static let foreignCurrencyReceipts = Migration(
    version: 9,
    name: "foreign-currency goods receipts",
    sql: """
      ALTER TABLE goods_receipt ADD COLUMN exchange_rate numeric(24, 10) NOT NULL DEFAULT 1
        CHECK (exchange_rate > 0);
      -- Zero until the receipt's lines are valued, like value_minor.
      ALTER TABLE goods_receipt ADD COLUMN base_value_minor bigint NOT NULL DEFAULT 0;
      UPDATE goods_receipt SET base_value_minor = value_minor;
      ALTER TABLE goods_receipt_line ADD COLUMN base_value_minor bigint;
      UPDATE goods_receipt_line SET base_value_minor = value_minor;
      ALTER TABLE goods_receipt_line ALTER COLUMN base_value_minor SET NOT NULL;
      """
  )
}
