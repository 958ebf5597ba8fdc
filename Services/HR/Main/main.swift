import ERPRuntime
import HR

// erp-hr: people, scheduling, leave, timesheets and payroll (ARCHITECTURE §5).
await ServiceMain.run(HRService.definition)
