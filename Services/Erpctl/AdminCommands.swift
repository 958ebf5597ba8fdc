import ArgumentParser
import ERPClient
import ERPProtos

/// `erpctl tenants …`: the operator's tenant registry.
struct TenantsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tenants",
    abstract: "List, create, suspend and resume tenants (operator token).",
    subcommands: [List.self, Create.self, Suspend.self, Resume.self]
  )

  struct List: AsyncParsableCommand {
    @OptionGroup var connection: Connection

    func run() async throws {
      let tenants = try await self.connection.run { try await $0.tenants.listTenants(.init()) }
      if self.connection.json { return try Output.json(tenants) }
      Output.table(
        ["TENANT", "NAME", "STATUS", "SERVICES"],
        tenants.tenants.map {
          [
            $0.tenantID, $0.displayName, "\($0.status)",
            $0.provisionedServices.joined(separator: ","),
          ]
        }
      )
    }
  }

  struct Create: AsyncParsableCommand {
    @OptionGroup var connection: Connection
    @Argument(help: "The tenant id (lower case letters, digits, '_').") var id: String
    @Option(help: "A display name.") var name = ""
    @Option(help: "Invite the tenant's first admin (staff user with the role admin).")
    var adminEmail = ""
    @Option(help: "The admin's display name (Arabic or Latin).") var adminName = ""

    func run() async throws {
      var request = Erp_Gateway_V1_CreateTenantRequest()
      request.tenantID = self.id
      request.displayName = self.name
      request.adminEmail = self.adminEmail
      request.adminDisplayName = self.adminName
      let tenant = try await self.connection.run { [request] in
        try await $0.tenants.createTenant(request)
      }
      if self.connection.json { return try Output.json(tenant) }
      print(
        "\(tenant.tenantID): \(tenant.status) in \(tenant.provisionedServices.joined(separator: ", "))"
      )
      if tenant.hasAdminInvitation {
        UsersCommand.printInvitation(tenant.adminInvitation)
      }
    }
  }

  struct Suspend: AsyncParsableCommand {
    @OptionGroup var connection: Connection
    @Argument var id: String

    func run() async throws {
      var ref = Erp_Gateway_V1_TenantRef()
      ref.tenantID = self.id
      let tenant = try await self.connection.run { [ref] in try await $0.tenants.suspendTenant(ref)
      }
      print("\(tenant.tenantID): \(tenant.status)")
    }
  }

  struct Resume: AsyncParsableCommand {
    @OptionGroup var connection: Connection
    @Argument var id: String

    func run() async throws {
      var ref = Erp_Gateway_V1_TenantRef()
      ref.tenantID = self.id
      let tenant = try await self.connection.run { [ref] in try await $0.tenants.resumeTenant(ref) }
      print("\(tenant.tenantID): \(tenant.status)")
    }
  }
}

/// `erpctl keys …`: partner API keys.
struct KeysCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "keys",
    abstract: "Issue, list and revoke partner API keys (operator token).",
    subcommands: [Issue.self, List.self, Revoke.self]
  )

  struct Issue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "issue",
      abstract: "Issue a key; its secret is shown once.",
      aliases: ["create"]
    )

    @OptionGroup var connection: Connection
    @Argument var tenant: String
    @Option(help: "Scopes, e.g. customers:write,sales:read.") var scopes: String
    @Option var name = "partner"
    @Option(
      name: .customLong("allowed-origin"),
      help: "A web origin that may use the key at the JSON door (repeatable)."
    )
    var allowedOrigins: [String] = []

    func run() async throws {
      let request = PartnerKeys.issueRequest(
        tenant: self.tenant,
        name: self.name,
        scopes: self.scopes.split(separator: ",").map(String.init),
        allowedOrigins: self.allowedOrigins
      )
      let issued = try await self.connection.run { [request] in
        try await $0.apiKeys.issueKey(request)
      }
      if self.connection.json { return try Output.json(issued) }
      print("key \(issued.key.id) for \(issued.key.tenantID): \(issued.secret)")
      print("(the secret is shown once)")
    }
  }

  struct List: AsyncParsableCommand {
    @OptionGroup var connection: Connection
    @Argument var tenant: String

    func run() async throws {
      var request = Erp_Gateway_V1_ListKeysRequest()
      request.tenantID = self.tenant
      let keys = try await self.connection.run { [request] in try await $0.apiKeys.listKeys(request)
      }
      if self.connection.json { return try Output.json(keys) }
      Output.table(
        ["KEY", "NAME", "SCOPES", "ORIGINS", "REVOKED"],
        keys.keys.map {
          [
            $0.id, $0.name, $0.scopes.joined(separator: ","),
            $0.allowedOrigins.joined(separator: ","), $0.revoked ? "yes" : "",
          ]
        }
      )
    }
  }

  struct Revoke: AsyncParsableCommand {
    @OptionGroup var connection: Connection
    @Argument var id: String

    func run() async throws {
      var request = Erp_Gateway_V1_RevokeKeyRequest()
      request.id = self.id
      let key = try await self.connection.run { [request] in try await $0.apiKeys.revokeKey(request)
      }
      print("\(key.id): revoked")
    }
  }
}
