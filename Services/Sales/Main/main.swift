import ERPRuntime
import Sales

// erp-sales: quotations, orders and order-to-cash across the services (ARCHITECTURE §5).
await ServiceMain.run(SalesService.definition)
