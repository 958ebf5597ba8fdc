import ERPRuntime
import Finance

// erp-finance: the books every other service writes into (ARCHITECTURE §5).
await ServiceMain.run(FinanceService.definition)
