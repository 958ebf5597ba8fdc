import ERPRuntime
import ERPStore

extension FinanceMigrations {
  /// Foreign-currency settlement and revaluation. A journal line may carry a base-currency
  /// difference alone (no amount in its currency) as an exchange difference, as a rounding line
  /// does. Each allocation and refund records the base amount it releases from each document it
  /// settles (earlier ones backfilled at their proportional share), when it counts as realised,
  /// and the difference posted; a month's revaluation is recorded once, with its lines.
  static let foreignCurrency = Migration(
    version: 8,
    name: "realised and unrealised exchange differences",
    sql: """
      ALTER TABLE journal_line ADD COLUMN is_exchange_difference boolean NOT NULL DEFAULT false;
      ALTER TABLE journal_line DROP CONSTRAINT journal_line_check;
      ALTER TABLE journal_line ADD CONSTRAINT journal_line_amount_check CHECK (amount_minor <> 0
        OR ((is_rounding OR is_exchange_difference) AND base_amount_minor <> 0));

      -- A document's base amount: the magnitude of its entry's first line (the control account
      -- line of an invoice; a payment's or refund's two lines have the same magnitude).
      CREATE FUNCTION document_base_minor(entry bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
        SELECT abs(base_amount_minor) FROM journal_line WHERE entry_id = entry AND line_no = 1
      $$;

      ALTER TABLE allocation ADD COLUMN invoice_base_minor bigint;
      ALTER TABLE allocation ADD COLUMN settled_base_minor bigint;
      ALTER TABLE allocation ADD COLUMN realised_on date;
      ALTER TABLE allocation ADD COLUMN exchange_difference_minor bigint NOT NULL DEFAULT 0;
      ALTER TABLE allocation ADD COLUMN exchange_entry_id bigint REFERENCES journal_entry (id);
      UPDATE allocation a SET realised_on = a.allocated_on,
        invoice_base_minor = round(a.amount_minor::numeric * document_base_minor(i.entry_id)
          / i.total_minor)
      FROM invoice i WHERE i.id = a.invoice_id;
      UPDATE allocation a SET settled_base_minor = round(a.amount_minor::numeric
        * document_base_minor(p.entry_id) / p.amount_minor)
      FROM payment p WHERE p.id = a.payment_id;
      UPDATE allocation a SET settled_base_minor = round(a.amount_minor::numeric
        * document_base_minor(c.entry_id) / c.total_minor)
      FROM invoice c WHERE c.id = a.credit_note_id;
      ALTER TABLE allocation ALTER COLUMN invoice_base_minor SET NOT NULL;
      ALTER TABLE allocation ALTER COLUMN settled_base_minor SET NOT NULL;
      ALTER TABLE allocation ALTER COLUMN realised_on SET NOT NULL;
      CREATE INDEX allocation_realised ON allocation (realised_on);

      ALTER TABLE refund ADD COLUMN settled_base_minor bigint;
      ALTER TABLE refund ADD COLUMN exchange_difference_minor bigint NOT NULL DEFAULT 0;
      ALTER TABLE refund ADD COLUMN exchange_entry_id bigint REFERENCES journal_entry (id);
      UPDATE refund r SET settled_base_minor = round(r.amount_minor::numeric
        * document_base_minor(p.entry_id) / p.amount_minor)
      FROM payment p WHERE p.id = r.payment_id;
      ALTER TABLE refund ALTER COLUMN settled_base_minor SET NOT NULL;

      CREATE TABLE fx_revaluation (
        year integer NOT NULL,
        month integer NOT NULL CHECK (month BETWEEN 1 AND 12),
        request_id text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 100),
        content_hash text NOT NULL,
        net_adjustment_minor bigint NOT NULL,
        entry_id bigint REFERENCES journal_entry (id),
        reversal_entry_id bigint REFERENCES journal_entry (id),
        revalued_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (year, month),
        CONSTRAINT fx_revaluation_request_id_key UNIQUE (request_id)
      );
      CREATE TABLE fx_revaluation_line (
        year integer NOT NULL,
        month integer NOT NULL,
        direction text NOT NULL CHECK (direction IN ('receivable', 'payable')),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        rate numeric(24, 10) NOT NULL CHECK (rate > 0),
        open_minor bigint NOT NULL,
        carrying_base_minor bigint NOT NULL,
        revalued_base_minor bigint NOT NULL,
        adjustment_base_minor bigint NOT NULL,
        PRIMARY KEY (year, month, direction, currency),
        FOREIGN KEY (year, month) REFERENCES fx_revaluation (year, month)
      );

      INSERT INTO account (code, name, type, role, parent_id)
      SELECT v.code, v.name, v.type, v.role, p.id
      FROM (VALUES
        ('4900', 'FX gain', 'revenue', 'fx_gain', '4000'),
        ('4910', 'Unrealised FX gain', 'revenue', 'fx_unrealised_gain', '4000'),
        ('5900', 'FX loss', 'expense', 'fx_loss', '5000'),
        ('5910', 'Unrealised FX loss', 'expense', 'fx_unrealised_loss', '5000')
      ) AS v (code, name, type, role, parent_code)
      JOIN account p ON p.code = v.parent_code
      WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.code = v.code OR a.role = v.role);
      """
  )
}
