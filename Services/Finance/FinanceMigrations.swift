import ERPStore

/// Finance's versioned schema, applied in each tenant's schema in order. Never edit a released
/// migration: add the next one.
enum FinanceMigrations {
  static let all: [Migration] = [chartOfAccounts]

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
}
