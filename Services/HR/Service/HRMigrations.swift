import ERPRuntime
import ERPStore

/// The HR schema, per tenant. Never edit a released migration: add the next one.
public enum HRMigrations {
  /// btree_gist lets one exclusion constraint say "no two shifts of one employee overlap"
  /// (equality on the employee, overlap on the time range); it lives in `extensions`, which
  /// every tenant role may use.
  public static let databaseSetup = [
    "CREATE SCHEMA IF NOT EXISTS extensions",
    "GRANT USAGE ON SCHEMA extensions TO PUBLIC",
    "CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA extensions",
  ]

  public static let all: [Migration] =
    [organisation, workforce, payroll, requestLog] + Outbox.migrations(version: 5) + [gosiAndWps]
    + [RecordHistory.migration(version: 8)]

  static let organisation = Migration(
    version: 1,
    name: "departments, positions and employees",
    sql: """
      CREATE TABLE department (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code text NOT NULL CHECK (code ~ '^[A-Z0-9-]{1,20}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        parent_id bigint REFERENCES department (id),
        CONSTRAINT department_code_key UNIQUE (code)
      );
      CREATE TABLE position (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code text NOT NULL CHECK (code ~ '^[A-Z0-9-]{1,20}$'),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        department_id bigint REFERENCES department (id),
        CONSTRAINT position_code_key UNIQUE (code)
      );

      CREATE SEQUENCE employee_number;
      CREATE TABLE employee (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        name_arabic text NOT NULL DEFAULT '',
        name_latin text NOT NULL DEFAULT '',
        identity_kind text NOT NULL CHECK (identity_kind IN ('national_id', 'residence_id', 'passport')),
        identity_number text NOT NULL,
        hire_date date NOT NULL,
        termination_date date,
        manager_id bigint REFERENCES employee (id),
        department_id bigint NOT NULL REFERENCES department (id),
        position_id bigint REFERENCES position (id),
        pay_type text NOT NULL CHECK (pay_type IN ('monthly', 'hourly')),
        pay_rate_minor bigint NOT NULL CHECK (pay_rate_minor >= 0),
        housing_minor bigint NOT NULL DEFAULT 0 CHECK (housing_minor >= 0),
        transport_minor bigint NOT NULL DEFAULT 0 CHECK (transport_minor >= 0),
        iban text NOT NULL DEFAULT '',
        email text NOT NULL DEFAULT '',
        CHECK (name_arabic <> '' OR name_latin <> ''),
        CHECK (termination_date IS NULL OR termination_date >= hire_date),
        CONSTRAINT employee_request_id_key UNIQUE (request_id),
        CONSTRAINT employee_identity_key UNIQUE (identity_kind, identity_number)
      );
      CREATE INDEX employee_department ON employee (department_id);
      """
  )

  /// Shifts and assignments (overlaps refused by an exclusion constraint), leave, timesheets.
  static let workforce = Migration(
    version: 2,
    name: "shifts, leave and timesheets",
    sql: """
      CREATE SEQUENCE shift_number;
      CREATE TABLE shift (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        department_id bigint NOT NULL REFERENCES department (id),
        position_id bigint REFERENCES position (id),
        location text NOT NULL DEFAULT '',
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '24 hours'),
        CONSTRAINT shift_request_id_key UNIQUE (request_id)
      );
      CREATE INDEX shift_department_start ON shift (department_id, starts_at);
      CREATE TABLE shift_assignment (
        shift_id bigint NOT NULL REFERENCES shift (id),
        employee_id bigint NOT NULL REFERENCES employee (id),
        during tstzrange NOT NULL,
        PRIMARY KEY (shift_id, employee_id),
        CONSTRAINT shift_assignment_no_overlap
          EXCLUDE USING gist (employee_id WITH =, during WITH &&)
      );

      CREATE TABLE leave_type (
        code text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_-]{1,20}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        yearly_days integer NOT NULL CHECK (yearly_days BETWEEN 0 AND 366)
      );
      CREATE SEQUENCE leave_number;
      CREATE TABLE leave_request (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        request_id text NOT NULL,
        employee_id bigint NOT NULL REFERENCES employee (id),
        leave_type text NOT NULL REFERENCES leave_type (code),
        first_day date NOT NULL,
        last_day date NOT NULL,
        working_days integer NOT NULL CHECK (working_days > 0),
        status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        reason text NOT NULL DEFAULT '',
        CHECK (last_day >= first_day AND extract(year FROM first_day) = extract(year FROM last_day)),
        CONSTRAINT leave_request_request_id_key UNIQUE (request_id)
      );
      CREATE INDEX leave_request_employee ON leave_request (employee_id, first_day);

      CREATE TABLE timesheet_day (
        employee_id bigint NOT NULL REFERENCES employee (id),
        work_date date NOT NULL,
        minutes_worked integer NOT NULL CHECK (minutes_worked BETWEEN 0 AND 1440),
        PRIMARY KEY (employee_id, work_date)
      );
      """
  )

  /// Settings, runs and payslips. A month has at most one run; once approved its payslips are
  /// frozen (a trigger refuses changes) and the entry to finance goes through the outbox (its
  /// table, created here until the outbox became a set of its own, is `Outbox.migrations`,
  /// version 5).
  static let payroll = Migration(
    version: 3,
    name: "payroll",
    sql: """
      CREATE TABLE payroll_settings (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        currency_code text NOT NULL DEFAULT 'SAR' CHECK (currency_code ~ '^[A-Z]{3}$'),
        overtime_threshold_minutes integer NOT NULL DEFAULT 480
          CHECK (overtime_threshold_minutes BETWEEN 0 AND 1440),
        overtime_multiplier_bp integer NOT NULL DEFAULT 15000
          CHECK (overtime_multiplier_bp BETWEEN 10000 AND 40000),
        social_insurance_bp integer NOT NULL DEFAULT 975
          CHECK (social_insurance_bp BETWEEN 0 AND 5000),
        social_insurance_cap_minor bigint NOT NULL DEFAULT 4500000
          CHECK (social_insurance_cap_minor >= 0),
        weekend_days integer[] NOT NULL DEFAULT '{5,6}'
      );
      INSERT INTO payroll_settings DEFAULT VALUES;

      CREATE TABLE payroll_run (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text NOT NULL UNIQUE,
        year integer NOT NULL,
        month integer NOT NULL CHECK (month BETWEEN 1 AND 12),
        status text NOT NULL CHECK (status IN ('draft', 'approved')),
        currency_code text NOT NULL,
        entry_key text NOT NULL,
        CONSTRAINT payroll_run_period_key UNIQUE (year, month)
      );
      CREATE TABLE payslip (
        run_id bigint NOT NULL REFERENCES payroll_run (id),
        employee_id bigint NOT NULL REFERENCES employee (id),
        department_id bigint NOT NULL REFERENCES department (id),
        days_employed integer NOT NULL,
        days_in_month integer NOT NULL,
        regular_minutes integer NOT NULL,
        overtime_minutes integer NOT NULL,
        base_minor bigint NOT NULL,
        overtime_minor bigint NOT NULL,
        housing_minor bigint NOT NULL,
        transport_minor bigint NOT NULL,
        gross_minor bigint NOT NULL,
        social_insurance_minor bigint NOT NULL,
        net_minor bigint NOT NULL,
        CHECK (gross_minor = base_minor + overtime_minor + housing_minor + transport_minor),
        CHECK (net_minor = gross_minor - social_insurance_minor),
        PRIMARY KEY (run_id, employee_id)
      );

      CREATE FUNCTION refuse_approved_payslip_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM payroll_run
                   WHERE id = coalesce(OLD.run_id, NEW.run_id) AND status = 'approved') THEN
          RAISE EXCEPTION 'payslips of an approved payroll run cannot change' USING ERRCODE = '55000';
        END IF;
        RETURN coalesce(NEW, OLD);
      END $$;
      CREATE TRIGGER payslip_frozen BEFORE INSERT OR UPDATE OR DELETE ON payslip
        FOR EACH ROW EXECUTE FUNCTION refuse_approved_payslip_change();
      """
  )

  /// The request log: every create request by scope and request id, with its fingerprint
  /// (`RequestLog`, ERPRuntime), the one place a reused request id is checked.
  static let requestLog = Migration(version: 4, name: "request log", sql: RequestLog.migrationSQL)

  /// GOSI (nationality, the employer's rates, both shares on each payslip) and UAE WPS (each
  /// employee's labour card person id and bank routing code, the employer's id and bank). Rows
  /// from before: Saudi when the identity is a national id; shares of old payslips stay as they
  /// were (the employer share 0, the wage base what insurance was computed on is not known: 0).
  static let gosiAndWps = Migration(
    version: 7,
    name: "GOSI and WPS",
    sql: """
      ALTER TABLE employee ADD COLUMN saudi boolean;
      UPDATE employee SET saudi = (identity_kind = 'national_id');
      ALTER TABLE employee ALTER COLUMN saudi SET NOT NULL;
      ALTER TABLE employee ADD COLUMN wps_person_id text NOT NULL DEFAULT ''
        CHECK (wps_person_id ~ '^([0-9]{14})?$');
      ALTER TABLE employee ADD COLUMN wps_routing_code text NOT NULL DEFAULT ''
        CHECK (wps_routing_code ~ '^([0-9]{9})?$');
      ALTER TABLE employee ADD CHECK ((wps_person_id = '') = (wps_routing_code = ''));

      ALTER TABLE payroll_settings
        ADD COLUMN gosi_saudi_employer_bp integer NOT NULL DEFAULT 1175
          CHECK (gosi_saudi_employer_bp BETWEEN 0 AND 5000),
        ADD COLUMN gosi_non_saudi_employee_bp integer NOT NULL DEFAULT 0
          CHECK (gosi_non_saudi_employee_bp BETWEEN 0 AND 5000),
        ADD COLUMN gosi_non_saudi_employer_bp integer NOT NULL DEFAULT 200
          CHECK (gosi_non_saudi_employer_bp BETWEEN 0 AND 5000),
        ADD COLUMN wps_employer_id text NOT NULL DEFAULT ''
          CHECK (wps_employer_id ~ '^([0-9]{13})?$'),
        ADD COLUMN wps_routing_code text NOT NULL DEFAULT ''
          CHECK (wps_routing_code ~ '^([0-9]{9})?$');

      ALTER TABLE payslip
        ADD COLUMN saudi boolean NOT NULL DEFAULT false,
        ADD COLUMN gosi_wage_base_minor bigint NOT NULL DEFAULT 0,
        ADD COLUMN gosi_employer_minor bigint NOT NULL DEFAULT 0 CHECK (gosi_employer_minor >= 0);
      """
  )
}
