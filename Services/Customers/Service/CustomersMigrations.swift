import ERPRuntime
import ERPStore

/// The customers schema, per tenant. Never edit a released migration: add the next one.
public enum CustomersMigrations {
  /// pg_trgm lives in its own schema, `extensions`, that every tenant role may use: tenant
  /// transactions see only their own schema, so its functions and operator class are always
  /// named with the schema (`extensions.similarity`, `extensions.gin_trgm_ops`).
  public static let databaseSetup = [
    "CREATE SCHEMA IF NOT EXISTS extensions",
    "GRANT USAGE ON SCHEMA extensions TO PUBLIC",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA extensions",
  ]

  public static let all: [Migration] =
    [
      directory, relationship, pipeline, importing, phoneSearch, merging, requestLog,
    ] + Outbox.migrations(version: 8) + [owners, RecordHistory.migration(version: 11)]

  /// Customers and how to reach them. `search_name` holds the name as search compares it (see
  /// `SearchKey`): trigram-indexed for fuzzy and infix matches, and the order of lists.
  static let directory = Migration(
    version: 1,
    name: "customer directory",
    sql: """
      CREATE SEQUENCE customer_number;
      CREATE TABLE customer (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text,
        kind text NOT NULL CHECK (kind IN ('organisation', 'individual')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        search_name text NOT NULL,
        tax_number text NOT NULL DEFAULT '',
        tags text[] NOT NULL DEFAULT '{}',
        owner_id text NOT NULL DEFAULT '',
        stage text NOT NULL CHECK (stage IN ('lead', 'prospect', 'customer', 'inactive')),
        address jsonb NOT NULL DEFAULT '{}',
        archived boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT customer_request_id_key UNIQUE (request_id)
      );
      CREATE INDEX customer_search_trgm ON customer USING gin (search_name extensions.gin_trgm_ops);
      CREATE INDEX customer_order ON customer (search_name, id);
      CREATE INDEX customer_tags ON customer USING gin (tags);

      CREATE TABLE customer_email (
        customer_id bigint NOT NULL REFERENCES customer (id),
        email text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
        CONSTRAINT customer_email_unique UNIQUE (email),
        PRIMARY KEY (customer_id, email)
      );
      CREATE TABLE customer_phone (
        customer_id bigint NOT NULL REFERENCES customer (id),
        phone text NOT NULL CHECK (phone ~ '^[+][1-9][0-9]{6,14}$'),
        PRIMARY KEY (customer_id, phone)
      );
      CREATE INDEX customer_phone_number ON customer_phone (phone);
      """
  )

  /// Contacts at customers, interactions logged by staff, and business events from the other
  /// services; the timeline reads the last two newest first by (customer, time).
  static let relationship = Migration(
    version: 2,
    name: "contacts, interactions and business events",
    sql: """
      CREATE SEQUENCE contact_number;
      CREATE TABLE contact (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        customer_id bigint NOT NULL REFERENCES customer (id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        search_name text NOT NULL,
        title text NOT NULL DEFAULT '',
        emails text[] NOT NULL DEFAULT '{}',
        phones text[] NOT NULL DEFAULT '{}',
        CONSTRAINT contact_request_id_key UNIQUE (request_id)
      );
      CREATE INDEX contact_customer ON contact (customer_id);

      CREATE SEQUENCE interaction_number;
      CREATE TABLE interaction (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        customer_id bigint NOT NULL REFERENCES customer (id),
        kind text NOT NULL
          CHECK (kind IN ('call', 'email', 'meeting', 'note', 'task', 'ticket')),
        occurred_at timestamptz NOT NULL,
        subject text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        participants text[] NOT NULL DEFAULT '{}',
        outcome text NOT NULL DEFAULT '',
        due_date date,
        done boolean NOT NULL DEFAULT false,
        owner_id text NOT NULL DEFAULT '',
        CONSTRAINT interaction_request_id_key UNIQUE (request_id),
        CHECK (due_date IS NULL OR kind IN ('task', 'ticket'))
      );
      CREATE INDEX interaction_timeline ON interaction (customer_id, occurred_at DESC, id DESC);

      CREATE SEQUENCE business_event_number;
      CREATE TABLE business_event (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        customer_id bigint NOT NULL REFERENCES customer (id),
        source text NOT NULL CHECK (source ~ '^[a-z][a-z0-9_]{0,29}$'),
        event_type text NOT NULL CHECK (event_type ~ '^[a-z][a-z0-9_]{0,49}$'),
        occurred_at timestamptz NOT NULL,
        summary text NOT NULL DEFAULT '',
        currency text CHECK (currency ~ '^[A-Z]{3}$'),
        amount_minor bigint,
        reference text NOT NULL DEFAULT '',
        CONSTRAINT business_event_request_id_key UNIQUE (request_id),
        CHECK ((currency IS NULL) = (amount_minor IS NULL))
      );
      CREATE INDEX business_event_timeline ON business_event (customer_id, occurred_at DESC, id DESC);
      CREATE INDEX business_event_orders ON business_event (event_type, customer_id, occurred_at);
      """
  )

  /// Opportunities and their stages; every stage change is kept.
  static let pipeline = Migration(
    version: 3,
    name: "sales pipeline",
    sql: """
      CREATE TABLE stage (
        code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,29}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        probability_percent integer NOT NULL CHECK (probability_percent BETWEEN 0 AND 100),
        position integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('open', 'won', 'lost')),
        CHECK (outcome <> 'won' OR probability_percent = 100),
        CHECK (outcome <> 'lost' OR probability_percent = 0)
      );
      INSERT INTO stage VALUES
        ('lead', 'Lead', 10, 10, 'open'),
        ('qualified', 'Qualified', 25, 20, 'open'),
        ('proposal', 'Proposal', 50, 30, 'open'),
        ('negotiation', 'Negotiation', 75, 40, 'open'),
        ('won', 'Won', 100, 90, 'won'),
        ('lost', 'Lost', 0, 99, 'lost');

      CREATE SEQUENCE opportunity_number;
      CREATE TABLE opportunity (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        customer_id bigint NOT NULL REFERENCES customer (id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        expected_close date NOT NULL,
        owner_id text NOT NULL DEFAULT '',
        stage text NOT NULL REFERENCES stage (code),
        close_reason text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT opportunity_request_id_key UNIQUE (request_id)
      );
      CREATE INDEX opportunity_close ON opportunity (expected_close);
      CREATE INDEX opportunity_customer ON opportunity (customer_id);

      CREATE TABLE opportunity_stage_change (
        opportunity_id bigint NOT NULL REFERENCES opportunity (id),
        from_stage text REFERENCES stage (code),
        to_stage text NOT NULL REFERENCES stage (code),
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        reason text NOT NULL DEFAULT ''
      );
      CREATE INDEX opportunity_stage_change_opportunity
        ON opportunity_stage_change (opportunity_id, changed_at);
      """
  )

  /// Imported customers keep the id they had in the system they came from.
  static let importing = Migration(
    version: 4,
    name: "external ids for imports",
    sql: """
      ALTER TABLE customer ADD COLUMN external_id text
        CHECK (external_id IS NULL OR length(external_id) BETWEEN 1 AND 100);
      CREATE UNIQUE INDEX customer_external_id ON customer (external_id)
        WHERE external_id IS NOT NULL;
      """
  )

  /// Phone search matches the national part of a number anywhere in it: a trigram index.
  static let phoneSearch = Migration(
    version: 5,
    name: "phone search index",
    sql:
      "CREATE INDEX customer_phone_trgm ON customer_phone USING gin (phone extensions.gin_trgm_ops)"
  )

  /// A merged duplicate remembers its survivor.
  static let merging = Migration(
    version: 6,
    name: "merged customers",
    sql: "ALTER TABLE customer ADD COLUMN merged_into bigint REFERENCES customer (id)"
  )

  /// The request log: every create request by scope and request id, with its fingerprint
  /// (`RequestLog`, ERPRuntime), the one place a reused request id is checked.
  static let requestLog = Migration(version: 7, name: "request log", sql: RequestLog.migrationSQL)

  /// Record rules (`RecordRules`): customers and opportunities are read by their owner (a
  /// user's caller id, `user:<uuid>`, or empty for none), so the owner column, which exists
  /// since version 1, gets an index on each table.
  static let owners = Migration(
    version: 10,
    name: "owner indexes",
    sql: """
      CREATE INDEX customer_owner ON customer (owner_id);
      CREATE INDEX opportunity_owner ON opportunity (owner_id);
      """
  )
}
