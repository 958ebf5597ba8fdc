import ArgumentParser

/// erpctl: the command line for operators (tenants, keys) and partners (customers, orders,
/// the integrated views), through the gateway.
@main
struct Erpctl: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "erpctl",
    abstract: "Operate the ERP and use it as a partner, through the gateway.",
    subcommands: [
      TenantsCommand.self, KeysCommand.self, CustomersCommand.self, OrdersCommand.self,
      Customer360Command.self, DashboardCommand.self, SmokeCommand.self, WebhooksCommand.self,
    ]
  )
}
