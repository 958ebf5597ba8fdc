import ERPRuntime
import ERPStore

/// Finance's versioned schema, applied in each tenant's schema in order. Never edit a released
/// migration: add the next one.
public enum FinanceMigrations {
  public static let all: [Migration] =
    [
      chartOfAccounts, ledger, billing, lineDateIndex, requestLog, menaBooks, banking,
      foreignCurrency, partyTerms,
    ] + Outbox.migrations(version: 10)

  /// The chart of accounts, with the default chart every tenant starts from. `role` marks the
  /// accounts other services post to by meaning (receivables, VAT payable…), so a tenant may
  /// renumber or rename them without breaking postings.
  static let chartOfAccounts = Migration(
    version: 1,
    name: "chart of accounts",
    sql: """
      CREATE TABLE account (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z.-]{1,20}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        type text NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'revenue', 'expense')),
        parent_id bigint REFERENCES account (id),
        role text UNIQUE,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO account (code, name, type, role) VALUES
        ('1000', 'Assets', 'asset', NULL),
        ('2000', 'Liabilities', 'liability', NULL),
        ('3000', 'Equity', 'equity', NULL),
        ('4000', 'Revenue', 'revenue', NULL),
        ('5000', 'Expenses', 'expense', NULL);
      INSERT INTO account (code, name, type, role, parent_id)
      SELECT v.code, v.name, v.type, v.role, p.id
      FROM (VALUES
        ('1100', 'Cash and bank', 'asset', 'cash', '1000'),
        ('1200', 'Accounts receivable', 'asset', 'accounts_receivable', '1000'),
        ('1300', 'Inventory', 'asset', 'inventory', '1000'),
        ('1400', 'VAT receivable', 'asset', 'vat_receivable', '1000'),
        ('2100', 'Accounts payable', 'liability', 'accounts_payable', '2000'),
        ('2200', 'VAT payable', 'liability', 'vat_payable', '2000'),
        ('2300', 'Payroll payable', 'liability', 'payroll_payable', '2000'),
        ('2400', 'Goods received not invoiced', 'liability', 'goods_received_not_invoiced', '2000'),
        ('3100', 'Share capital', 'equity', 'share_capital', '3000'),
        ('3200', 'Retained earnings', 'equity', 'retained_earnings', '3000'),
        ('4100', 'Sales revenue', 'revenue', 'sales_revenue', '4000'),
        ('4900', 'FX gain', 'revenue', 'fx_gain', '4000'),
        ('5100', 'Cost of goods sold', 'expense', 'cost_of_goods_sold', '5000'),
        ('5200', 'Salaries', 'expense', 'salaries', '5000'),
        ('5300', 'Inventory adjustments', 'expense', 'inventory_adjustments', '5000'),
        ('5800', 'Rounding', 'expense', 'rounding', '5000'),
        ('5900', 'FX loss', 'expense', 'fx_loss', '5000')
      ) AS v (code, name, type, role, parent_code)
      JOIN account p ON p.code = v.parent_code;
      """
  )

  /// The general ledger. Rules the database enforces itself, so no code path can break them:
  /// every entry balances per currency and in base currency (a deferred constraint trigger, run
  /// at commit); posted entries and lines are immutable (corrected by reversal only); nothing is
  /// posted into a closed month. Balances per account, month and currency are maintained as
  /// entries post, spread over 8 slots (by backend) so concurrent postings to one account do not
  /// queue on one row; reports add the slots up.
  static let ledger = Migration(
    version: 2,
    name: "general ledger",
    sql: """
      CREATE TABLE ledger_settings (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        base_currency text NOT NULL DEFAULT 'USD' CHECK (base_currency ~ '^[A-Z]{3}$')
      );
      INSERT INTO ledger_settings DEFAULT VALUES;

      CREATE TABLE exchange_rate (
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        effective date NOT NULL,
        rate numeric(24, 10) NOT NULL CHECK (rate > 0),
        PRIMARY KEY (currency, effective)
      );

      CREATE TABLE closed_period (
        year integer NOT NULL,
        month integer NOT NULL CHECK (month BETWEEN 1 AND 12),
        closed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (year, month)
      );

      CREATE SEQUENCE journal_number;

      CREATE TABLE journal_entry (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 100),
        content_hash text NOT NULL,
        entry_date date NOT NULL,
        memo text NOT NULL DEFAULT '',
        source_type text NOT NULL DEFAULT '',
        source_id text NOT NULL DEFAULT '',
        reverses_id bigint REFERENCES journal_entry (id),
        posted_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT journal_entry_request_id_key UNIQUE (request_id),
        CONSTRAINT journal_entry_reversed_once UNIQUE (reverses_id)
      );
      CREATE INDEX journal_entry_date ON journal_entry (entry_date);

      CREATE TABLE journal_line (
        entry_id bigint NOT NULL REFERENCES journal_entry (id),
        line_no integer NOT NULL,
        account_id bigint NOT NULL REFERENCES account (id),
        entry_date date NOT NULL,
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        -- Signed: debits positive, credits negative. Zero only on a rounding line, which carries
        -- a base-currency difference alone.
        amount_minor bigint NOT NULL,
        base_amount_minor bigint NOT NULL,
        rate numeric(24, 10) NOT NULL CHECK (rate > 0),
        is_rounding boolean NOT NULL DEFAULT false,
        memo text NOT NULL DEFAULT '',
        PRIMARY KEY (entry_id, line_no),
        CHECK (amount_minor <> 0 OR (is_rounding AND base_amount_minor <> 0))
      );
      CREATE INDEX journal_line_account_date ON journal_line (account_id, entry_date);

      CREATE TABLE account_balance (
        account_id bigint NOT NULL REFERENCES account (id),
        year integer NOT NULL,
        month integer NOT NULL,
        currency text NOT NULL,
        slot smallint NOT NULL,
        -- Net (debits positive), in the line currency and in base currency.
        amount_minor bigint NOT NULL DEFAULT 0,
        base_amount_minor bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (account_id, year, month, currency, slot)
      );

      -- Balanced per currency and in base currency, checked once per entry at commit.
      CREATE FUNCTION journal_entry_balances() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        unbalanced text;
      BEGIN
        SELECT currency INTO unbalanced FROM journal_line WHERE entry_id = NEW.id
          GROUP BY currency HAVING sum(amount_minor) <> 0 LIMIT 1;
        IF unbalanced IS NOT NULL THEN
          RAISE EXCEPTION 'journal entry % does not balance in %', NEW.number, unbalanced
            USING ERRCODE = '23514', CONSTRAINT = 'journal_entry_balanced';
        END IF;
        IF (SELECT coalesce(sum(base_amount_minor), 0) FROM journal_line WHERE entry_id = NEW.id) <> 0
          OR (SELECT count(*) FROM journal_line WHERE entry_id = NEW.id) < 2 THEN
          RAISE EXCEPTION 'journal entry % does not balance in base currency', NEW.number
            USING ERRCODE = '23514', CONSTRAINT = 'journal_entry_balanced';
        END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER journal_entry_balanced
        AFTER INSERT ON journal_entry DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION journal_entry_balances();

      -- Posted means final.
      CREATE FUNCTION journal_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'posted journal entries cannot be changed; reverse them instead'
          USING ERRCODE = '23514', CONSTRAINT = 'journal_immutable';
      END $$;
      CREATE TRIGGER journal_entry_immutable BEFORE UPDATE OR DELETE ON journal_entry
        FOR EACH ROW EXECUTE FUNCTION journal_is_immutable();
      CREATE TRIGGER journal_line_immutable BEFORE UPDATE OR DELETE ON journal_line
        FOR EACH ROW EXECUTE FUNCTION journal_is_immutable();

      -- No posting dated in a closed month.
      CREATE FUNCTION journal_period_open() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM closed_period
                   WHERE year = extract(year FROM NEW.entry_date)
                     AND month = extract(month FROM NEW.entry_date)) THEN
          RAISE EXCEPTION 'the period of % is closed', NEW.entry_date
            USING ERRCODE = '23514', CONSTRAINT = 'journal_period_open';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER journal_entry_period_open BEFORE INSERT ON journal_entry
        FOR EACH ROW EXECUTE FUNCTION journal_period_open();
      """
  )

  /// Receivables and payables. An invoice's status is never stored: what was paid or credited
  /// is the sum of its allocations, locked and checked when an allocation is made, and checked
  /// again by a trigger so no path over-allocates an invoice or a payment.
  static let billing = Migration(
    version: 3,
    name: "receivables and payables",
    sql: """
      CREATE TABLE tax_code (
        code text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_-]{1,20}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('standard', 'reduced', 'zero_rated', 'exempt')),
        rate_basis_points integer NOT NULL CHECK (rate_basis_points BETWEEN 0 AND 10000),
        CHECK (kind IN ('standard', 'reduced') OR rate_basis_points = 0)
      );
      INSERT INTO tax_code VALUES
        ('STD', 'Standard rate', 'standard', 1500),
        ('RED', 'Reduced rate', 'reduced', 500),
        ('ZERO', 'Zero-rated', 'zero_rated', 0),
        ('EXEMPT', 'Exempt', 'exempt', 0);

      CREATE SEQUENCE document_number;

      CREATE TABLE invoice (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        content_hash text NOT NULL,
        direction text NOT NULL CHECK (direction IN ('receivable', 'payable')),
        is_credit_note boolean NOT NULL DEFAULT false,
        credits_invoice_id bigint REFERENCES invoice (id),
        party_id text NOT NULL CHECK (length(party_id) BETWEEN 1 AND 100),
        party_name text NOT NULL DEFAULT '',
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        issue_date date NOT NULL,
        due_date date NOT NULL,
        subtotal_minor bigint NOT NULL CHECK (subtotal_minor >= 0),
        tax_minor bigint NOT NULL CHECK (tax_minor >= 0),
        total_minor bigint NOT NULL CHECK (total_minor = subtotal_minor + tax_minor),
        entry_id bigint NOT NULL REFERENCES journal_entry (id),
        source_type text NOT NULL DEFAULT '',
        source_id text NOT NULL DEFAULT '',
        reason text NOT NULL DEFAULT '',
        CONSTRAINT invoice_request_id_key UNIQUE (request_id),
        CHECK (due_date >= issue_date),
        CHECK (is_credit_note = (credits_invoice_id IS NOT NULL))
      );
      CREATE INDEX invoice_party ON invoice (direction, party_id, currency, issue_date);
      CREATE INDEX invoice_issue_date ON invoice (issue_date);

      CREATE TABLE invoice_line (
        invoice_id bigint NOT NULL REFERENCES invoice (id),
        line_no integer NOT NULL,
        description text NOT NULL,
        quantity_milli bigint NOT NULL CHECK (quantity_milli > 0),
        unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
        tax_code text NOT NULL REFERENCES tax_code (code),
        account_id bigint NOT NULL REFERENCES account (id),
        net_minor bigint NOT NULL CHECK (net_minor >= 0),
        tax_minor bigint NOT NULL CHECK (tax_minor >= 0),
        net_base_minor bigint NOT NULL,
        tax_base_minor bigint NOT NULL,
        PRIMARY KEY (invoice_id, line_no)
      );

      CREATE TABLE payment (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        content_hash text NOT NULL,
        direction text NOT NULL CHECK (direction IN ('receivable', 'payable')),
        party_id text NOT NULL CHECK (length(party_id) BETWEEN 1 AND 100),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        payment_date date NOT NULL,
        reference text NOT NULL DEFAULT '',
        entry_id bigint NOT NULL REFERENCES journal_entry (id),
        CONSTRAINT payment_request_id_key UNIQUE (request_id)
      );
      CREATE INDEX payment_party ON payment (direction, party_id, currency, payment_date);

      CREATE TABLE refund (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        request_id text NOT NULL,
        content_hash text NOT NULL,
        payment_id bigint NOT NULL REFERENCES payment (id),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        refund_date date NOT NULL,
        entry_id bigint NOT NULL REFERENCES journal_entry (id),
        CONSTRAINT refund_request_id_key UNIQUE (request_id)
      );
      CREATE INDEX refund_payment ON refund (payment_id);

      CREATE TABLE allocation (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        invoice_id bigint NOT NULL REFERENCES invoice (id),
        payment_id bigint REFERENCES payment (id),
        credit_note_id bigint REFERENCES invoice (id),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        allocated_on date NOT NULL,
        CHECK ((payment_id IS NULL) <> (credit_note_id IS NULL))
      );
      CREATE INDEX allocation_invoice ON allocation (invoice_id);
      CREATE INDEX allocation_payment ON allocation (payment_id);
      CREATE INDEX allocation_credit_note ON allocation (credit_note_id);

      -- Neither an invoice nor a payment (with its refunds) is ever allocated beyond its amount.
      CREATE FUNCTION allocation_within_amounts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT sum(amount_minor) FROM allocation WHERE invoice_id = NEW.invoice_id)
           > (SELECT total_minor FROM invoice WHERE id = NEW.invoice_id) THEN
          RAISE EXCEPTION 'invoice over-allocated'
            USING ERRCODE = '23514', CONSTRAINT = 'allocation_within_invoice';
        END IF;
        IF NEW.payment_id IS NOT NULL AND
           (SELECT coalesce(sum(amount_minor), 0) FROM allocation WHERE payment_id = NEW.payment_id)
           + (SELECT coalesce(sum(amount_minor), 0) FROM refund WHERE payment_id = NEW.payment_id)
           > (SELECT amount_minor FROM payment WHERE id = NEW.payment_id) THEN
          RAISE EXCEPTION 'payment over-allocated'
            USING ERRCODE = '23514', CONSTRAINT = 'allocation_within_payment';
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER allocation_within_amounts AFTER INSERT ON allocation
        FOR EACH ROW EXECUTE FUNCTION allocation_within_amounts();
      """
  )

  /// Reports read the lines of the months a date range cuts through by date.
  static let lineDateIndex = Migration(
    version: 4,
    name: "journal lines by date",
    sql: "CREATE INDEX journal_line_entry_date ON journal_line (entry_date)"
  )

  /// The request log: every create request by scope and request id, with its fingerprint
  /// (`RequestLog`, ERPRuntime), the one place a reused request id is checked.
  static let requestLog = Migration(version: 5, name: "request log", sql: RequestLog.migrationSQL)

  /// The seller a tax invoice names (ZATCA QR code), each invoice's issue time and QR code as
  /// issued, and the accounts payroll posts GOSI to (employer expense, payable to GOSI).
  static let menaBooks = Migration(
    version: 6,
    name: "ZATCA seller, invoice QR codes, GOSI accounts",
    sql: """
      CREATE TABLE billing_settings (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        seller_name text NOT NULL DEFAULT '' CHECK (octet_length(seller_name) <= 255),
        vat_number text NOT NULL DEFAULT '' CHECK (vat_number = '' OR vat_number ~ '^3[0-9]{13}3$')
      );
      INSERT INTO billing_settings DEFAULT VALUES;
      ALTER TABLE invoice ADD COLUMN issued_at timestamptz NOT NULL DEFAULT now();
      ALTER TABLE invoice ADD COLUMN zatca_qr text NOT NULL DEFAULT '';
      INSERT INTO account (code, name, type, role, parent_id)
      SELECT v.code, v.name, v.type, v.role, p.id
      FROM (VALUES
        ('2500', 'GOSI payable', 'liability', 'gosi_payable', '2000'),
        ('5210', 'GOSI employer contributions', 'expense', 'gosi_expense', '5000')
      ) AS v (code, name, type, role, parent_code)
      JOIN account p ON p.code = v.parent_code
      WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.code = v.code OR a.role = v.role);
      """
  )

  /// Payment terms per customer and supplier with each direction's tenant default (the row with
  /// an empty party id, NET30 to start), customers' credit limits in base currency, and the
  /// terms each invoice was issued under (`PaymentTerms`; empty: the due date was given).
  static let partyTerms = Migration(
    version: 9,
    name: "payment terms and credit limits",
    sql: """
      CREATE TABLE party_terms (
        direction text NOT NULL CHECK (direction IN ('receivable', 'payable')),
        party_id text NOT NULL CHECK (length(party_id) <= 100),
        terms_code text NOT NULL CHECK (length(terms_code) BETWEEN 1 AND 20),
        credit_limit_minor bigint CHECK (credit_limit_minor >= 0),
        PRIMARY KEY (direction, party_id),
        CHECK (credit_limit_minor IS NULL OR (direction = 'receivable' AND party_id <> ''))
      );
      INSERT INTO party_terms (direction, party_id, terms_code)
      VALUES ('receivable', '', 'NET30'), ('payable', '', 'NET30');
      ALTER TABLE invoice ADD COLUMN payment_terms text NOT NULL DEFAULT '';
      """
  )
}
