import ERPRuntime
import SupplyChain

// erp-supplychain: purchasing, stock and distribution (ARCHITECTURE §5).
await ServiceMain.run(SupplyChainService.definition)
