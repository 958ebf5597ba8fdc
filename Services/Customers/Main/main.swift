import Customers
import ERPRuntime

// erp-customers: the CRM half of the system (ARCHITECTURE §5).
await ServiceMain.run(CustomersService.definition)
