import Customers
public import ERPRuntime
import Finance
import Gateway
import HR
import Sales
import SupplyChain

/// The definition of every service in ``ServiceCatalog``, looked up by the catalog's names: the
/// one place that links the catalog's entries to the modules that implement them.
public enum SystemDefinitions {
  static let byName: [String: ServiceDefinition] = Dictionary(
    uniqueKeysWithValues: [
      FinanceService.definition, CustomersService.definition, SupplyChainService.definition,
      HRService.definition, SalesService.definition, GatewayService.definition,
    ].map { ($0.name, $0) }
  )

  /// The definition of the catalog's service `name`.
  public static func definition(_ name: String) -> ServiceDefinition? { Self.byName[name] }

  /// Every catalog entry with its definition, in the catalog's start-up order. A catalog entry
  /// without a definition here (a new domain not yet linked) stops the system at once.
  public static var all: [(entry: ServiceEntry, definition: ServiceDefinition)] {
    ServiceCatalog.all.map { entry in
      guard let definition = Self.byName[entry.name] else {
        fatalError("ServiceCatalog names \(entry.name), which SystemDefinitions does not define")
      }
      return (entry, definition)
    }
  }
}
