import ArgumentParser
import ERPClient
import ERPProtos
import Foundation

/// `erpctl users …`: a tenant's staff users and roles, by its admin (`--key` an API key with the
/// scope `admin`, or an admin's session token from Identity.SignIn).
struct UsersCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "users",
    abstract: "Invite, list and deactivate staff users; list roles and set a user's roles.",
    subcommands: [Invite.self, List.self, Deactivate.self, Roles.self]
  )

  static func printInvitation(_ invitation: Erp_Gateway_V1_Invitation) {
    let expires = invitation.expiresAt.date.formatted(.iso8601)
    print("invited \(invitation.user.email) (\(invitation.user.id)), until \(expires):")
    print("  invitation token: \(invitation.token)")
    print("(the token is shown once: Identity.AcceptInvitation sets the password with it)")
  }

  static func roleList(_ raw: String) -> [String] {
    raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }
  }

  struct Invite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Invite a user; prints the invitation token, shown only now."
    )
    @OptionGroup var connection: Connection
    @Argument var email: String
    @Option(help: "Display name, Arabic or Latin.") var name: String
    @Option(help: "Roles, e.g. sales,viewer.") var roles: String
    @Option(help: "ar or en.") var language = "en"
    @Option(help: "IANA time zone, e.g. Asia/Riyadh.") var timeZone = "UTC"

    func run() async throws {
      var request = Erp_Gateway_V1_InviteUserRequest()
      request.email = self.email
      request.displayName = self.name
      request.roles = UsersCommand.roleList(self.roles)
      request.language = self.language
      request.timeZone = self.timeZone
      let invitation = try await self.connection.run { [request] in
        try await $0.users.inviteUser(request)
      }
      if self.connection.json { return try Output.json(invitation) }
      UsersCommand.printInvitation(invitation)
    }
  }

  struct List: AsyncParsableCommand {
    @OptionGroup var connection: Connection

    func run() async throws {
      let users = try await self.connection.run { erp in
        var all = Erp_Gateway_V1_ListUsersResponse()
        var request = Erp_Gateway_V1_ListUsersRequest()
        repeat {
          let page = try await erp.users.listUsers(request)
          all.users += page.users
          request.pageToken = page.nextPageToken
        } while !request.pageToken.isEmpty
        return all
      }
      if self.connection.json { return try Output.json(users) }
      Output.table(
        ["USER", "EMAIL", "NAME", "ROLES", "STATUS", "TOTP"],
        users.users.map {
          [
            $0.id, $0.email, $0.displayName, $0.roles.joined(separator: ","),
            $0.active ? "active" : $0.deactivated ? "deactivated" : "invited",
            $0.totpEnabled ? "yes" : "",
          ]
        }
      )
    }
  }

  struct Deactivate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Deactivate a user; every session of theirs ends at once."
    )
    @OptionGroup var connection: Connection
    @Argument var userID: String

    func run() async throws {
      var request = Erp_Gateway_V1_DeactivateUserRequest()
      request.userID = self.userID
      let user = try await self.connection.run { [request] in
        try await $0.users.deactivateUser(request)
      }
      print("\(user.id) \(user.email): deactivated")
    }
  }

  struct Roles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the roles, or with a user id and --set, replace that user's roles."
    )
    @OptionGroup var connection: Connection
    @Argument var userID: String?
    @Option(help: "The user's new roles, e.g. accountant,viewer.") var set: String?

    func run() async throws {
      if let userID, let set {
        var request = Erp_Gateway_V1_SetUserRolesRequest()
        request.userID = userID
        request.roles = UsersCommand.roleList(set)
        let user = try await self.connection.run { [request] in
          try await $0.users.setUserRoles(request)
        }
        if self.connection.json { return try Output.json(user) }
        print("\(user.id) \(user.email): \(user.roles.joined(separator: ","))")
        return
      }
      guard self.userID == nil else {
        throw ValidationError("--set <roles> is needed with a user id")
      }
      let roles = try await self.connection.run { try await $0.users.listRoles(.init()) }
      if self.connection.json { return try Output.json(roles) }
      Output.table(
        ["ROLE", "SCOPES", "OWN RECORDS", "BUILT-IN"],
        roles.roles.map {
          [
            $0.name, $0.scopes.joined(separator: ","), $0.ownRecordsOnly ? "yes" : "",
            $0.builtIn ? "yes" : "",
          ]
        }
      )
    }
  }
}
