import ERPRuntime
import ERPStore

extension FinanceMigrations {
  /// Bank reconciliation. A statement is stored once per account and identity (the bank's id
  /// or a digest of its lines), a line once per account and identity, so importing twice
  /// changes nothing. A match joins statement lines and journal lines of the bank's ledger
  /// account (its parts); unmatching keeps the match and its parts as history but frees the
  /// lines (`active` false). The database refuses a line in two live matches and a match whose
  /// two sides differ, checked at commit.
  static let banking = Migration(
    version: 7,
    name: "bank reconciliation",
    sql: """
      CREATE TABLE bank_account (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        account_id bigint NOT NULL UNIQUE REFERENCES account (id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        iban text NOT NULL UNIQUE CHECK (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$')
      );

      CREATE TABLE bank_statement (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        bank_account_id bigint NOT NULL REFERENCES bank_account (id),
        statement_key text NOT NULL,
        statement_id text NOT NULL,
        format text NOT NULL CHECK (format IN ('csv', 'camt053')),
        from_date date NOT NULL,
        to_date date NOT NULL,
        opening_minor bigint NOT NULL,
        closing_minor bigint NOT NULL,
        line_count integer NOT NULL,
        lines_added integer NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (bank_account_id, statement_key)
      );

      CREATE TABLE bank_statement_line (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        bank_account_id bigint NOT NULL REFERENCES bank_account (id),
        statement_id bigint NOT NULL REFERENCES bank_statement (id),
        line_key text NOT NULL,
        booking_date date NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor <> 0),
        reference text NOT NULL DEFAULT '',
        description text NOT NULL DEFAULT '',
        UNIQUE (bank_account_id, line_key)
      );
      CREATE INDEX bank_statement_line_date ON bank_statement_line (bank_account_id, booking_date);

      CREATE TABLE bank_match (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        bank_account_id bigint NOT NULL REFERENCES bank_account (id),
        kind text NOT NULL CHECK (kind IN ('auto', 'manual', 'posted')),
        confidence integer NOT NULL CHECK (confidence BETWEEN 0 AND 100),
        reason text NOT NULL DEFAULT '',
        entry_id bigint REFERENCES journal_entry (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        unmatched_at timestamptz
      );

      CREATE TABLE bank_match_part (
        match_id bigint NOT NULL REFERENCES bank_match (id),
        statement_line_id bigint REFERENCES bank_statement_line (id),
        entry_id bigint,
        line_no integer,
        amount_minor bigint NOT NULL,
        active boolean NOT NULL DEFAULT true,
        CHECK ((statement_line_id IS NULL) <> (entry_id IS NULL)),
        CHECK ((entry_id IS NULL) = (line_no IS NULL)),
        FOREIGN KEY (entry_id, line_no) REFERENCES journal_line (entry_id, line_no)
      );
      CREATE INDEX bank_match_part_match ON bank_match_part (match_id);
      CREATE UNIQUE INDEX bank_match_statement_line_once ON bank_match_part (statement_line_id)
        WHERE active AND statement_line_id IS NOT NULL;
      CREATE UNIQUE INDEX bank_match_book_line_once ON bank_match_part (entry_id, line_no)
        WHERE active AND entry_id IS NOT NULL;

      -- Both sides of a match add up to the same amount, checked once per match at commit.
      CREATE FUNCTION bank_match_balances() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT coalesce(sum(CASE WHEN statement_line_id IS NULL THEN -amount_minor
                                     ELSE amount_minor END), 0)
            FROM bank_match_part WHERE match_id = NEW.id) <> 0 THEN
          RAISE EXCEPTION 'bank match % does not balance', NEW.id
            USING ERRCODE = '23514', CONSTRAINT = 'bank_match_balanced';
        END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER bank_match_balanced
        AFTER INSERT ON bank_match DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION bank_match_balances();
      """
  )
}
