import ERPRuntime
import Gateway

// erp-gateway: the one door for partners and operators (ARCHITECTURE §5).
await ServiceMain.run(GatewayService.definition)
