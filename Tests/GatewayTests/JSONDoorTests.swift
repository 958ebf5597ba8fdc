import ERPProtos
import Foundation
import Testing

@Suite("Gateway: JSON over HTTP (Connect) with the same checks as ERPT")
struct JSONDoorTests {
  static let allScopes = ["customers:write", "sales:write", "finance:write", "supplychain:write"]

  @Test("an Arabic customer, order to cash and Customer360, all over JSON with a bearer key")
  func orderToCash() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwj")
      let key = try await gateway.key(tenant, scopes: Self.allScopes).secret
      let json = try await JSONClient.of(gateway)

      _ = try await json.call(
        "/erp.finance.v1.Ledger/SetBaseCurrency",
        #"{"currencyCode":"SAR"}"#,
        key: key
      )
      _ = try await json.call(
        "/erp.supplychain.v1.Catalog/CreateWarehouse",
        #"{"requestId":"wh-1","warehouse":{"code":"MAIN","name":"المستودع الرئيسي"}}"#,
        key: key
      )
      _ = try await json.call(
        "/erp.supplychain.v1.Catalog/CreateItem",
        #"{"requestId":"item-1","item":{"sku":"TEA-1","name":"شاي"}}"#,
        key: key
      )
      _ = try await json.call(
        "/erp.supplychain.v1.Stock/Adjust",
        #"""
        {"requestId":"count-1","sku":"TEA-1","warehouseCode":"MAIN","quantityMilli":"10000",
         "unitCost":{"currencyCode":"SAR","unitsMinor":"2000"},"reason":"opening"}
        """#,
        key: key
      )
      _ = try await json.call(
        "/erp.sales.v1.Pricing/UpdateSettings",
        #"{"invoiceOn":"INVOICE_ON_SHIPMENT","paymentTermsDays":30}"#,
        key: key
      )

      let name = "مؤسسة الريادة للتجارة"
      let customer = try await json.call(
        "/erp.customers.v1.Customers/CreateCustomer",
        #"{"requestId":"cust-1","customer":{"kind":"CUSTOMER_KIND_ORGANISATION","name":"\#(name)","stage":"LIFECYCLE_STAGE_CUSTOMER"}}"#,
        key: key
      )
      #expect(customer["name"] as? String == name)
      #expect(customer["kind"] as? String == "CUSTOMER_KIND_ORGANISATION")
      let customerID = try #require(customer["id"] as? String)

      let order = try await json.call(
        "/erp.sales.v1.Orders/CreateOrder",
        #"""
        {"requestId":"order-1","customerId":"\#(customerID)","ownerId":"EMP-000001",
         "currencyCode":"SAR","warehouseCode":"MAIN",
         "lines":[{"sku":"TEA-1","quantityMilli":"3000","unitPriceMinor":"3000"}]}
        """#,
        key: key
      )
      let number = try #require(order["number"] as? String)
      let confirmed = try await json.call(
        "/erp.sales.v1.Orders/ConfirmOrder",
        #"{"number":"\#(number)"}"#,
        key: key
      )
      #expect(confirmed["status"] as? String == "ORDER_STATUS_CONFIRMED")
      let shipped = try await json.call(
        "/erp.sales.v1.Orders/ShipOrder",
        #"{"requestId":"ship-1","number":"\#(number)"}"#,
        key: key
      )
      let invoiceNumber = try #require((shipped["invoiceNumbers"] as? [String])?.first)
      let invoice = try await json.call(
        "/erp.finance.v1.Billing/GetInvoice",
        #"{"number":"\#(invoiceNumber)"}"#,
        key: key
      )
      let total = try #require(invoice["total"] as? [String: Any])
      // int64 in protobuf's JSON mapping is a string.
      let totalMinor = try #require(total["unitsMinor"] as? String)
      #expect(Int(totalMinor) ?? 0 > 0)
      let today = Calendar(identifier: .gregorian).dateComponents(
        in: TimeZone(identifier: "UTC")!,
        from: Date()
      )
      _ = try await json.call(
        "/erp.finance.v1.Billing/RecordPayment",
        #"""
        {"requestId":"pay-1","direction":"DIRECTION_RECEIVABLE","partyId":"\#(customerID)",
         "amount":{"currencyCode":"SAR","unitsMinor":"\#(totalMinor)"},
         "date":{"year":\#(today.year!),"month":\#(today.month!),"day":\#(today.day!)},
         "allocations":[{"invoiceNumber":"\#(invoiceNumber)",
           "amount":{"currencyCode":"SAR","unitsMinor":"\#(totalMinor)"}}]}
        """#,
        key: key
      )
      let paid = try await json.call(
        "/erp.sales.v1.Orders/GetOrder",
        #"{"number":"\#(number)"}"#,
        key: key
      )
      #expect(paid["status"] as? String == "ORDER_STATUS_PAID")

      let view = try await json.call(
        "/erp.gateway.v1.Views/Customer360",
        #"{"customerId":"\#(customerID)"}"#,
        key: key
      )
      let profile = try #require(view["profile"] as? [String: Any])
      #expect(profile["name"] as? String == name)
      let orders = (view["recentOrders"] as? [[String: Any]]) ?? []
      #expect(orders.contains { $0["number"] as? String == number })
    }
  }

  @Test("bad requests get Connect's code, the matching HTTP status and a message naming the field")
  func refusals() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwk")
      let other = try await gateway.tenant("gwl")
      let key = try await gateway.key(tenant, scopes: ["customers:write"]).secret
      let reader = try await gateway.key(tenant, scopes: ["customers:read"]).secret
      let otherKey = try await gateway.key(other).secret
      let json = try await JSONClient.of(gateway)
      let create = "/erp.customers.v1.Customers/CreateCustomer"

      let malformed = try await json.post(create, #"{"requestId": "x", "#, key: key)
      #expect(malformed.status == 400)
      #expect(malformed.code == "invalid_argument")
      #expect(malformed.message.contains("not valid JSON"))

      let unknown = try await json.post(
        create,
        #"{"requestId":"u-1","customer":{"name":"عميل","nickname":"x"}}"#,
        key: key
      )
      #expect(unknown.status == 400)
      #expect(unknown.code == "invalid_argument")
      #expect(unknown.message.contains("customer.nickname"))
      #expect(unknown.message.contains("unknown field"))

      let wrongType = try await json.post(
        create,
        #"{"requestId":"w-1","customer":{"name":12345}}"#,
        key: key
      )
      #expect(wrongType.status == 400)
      #expect(wrongType.code == "invalid_argument")
      #expect(wrongType.message.hasPrefix("customer.name:"))

      let wrongEnum = try await json.post(
        create,
        #"{"requestId":"e-1","customer":{"name":"x","kind":"CUSTOMER_KIND_ROBOT"}}"#,
        key: key
      )
      #expect(wrongEnum.status == 400)
      #expect(wrongEnum.message.hasPrefix("customer.kind:"))

      // The service's own field check, through the door: an empty name.
      let emptyName = try await json.post(
        create,
        #"{"requestId":"n-1","customer":{"kind":"CUSTOMER_KIND_ORGANISATION"}}"#,
        key: key
      )
      #expect(emptyName.status == 400)
      #expect(emptyName.code == "invalid_argument")
      #expect(emptyName.message.contains("name"))

      let noAuth = try await json.post(create, #"{"requestId":"a-1"}"#)
      #expect(noAuth.status == 401)
      #expect(noAuth.code == "unauthenticated")
      #expect(noAuth.message.contains("API key"))

      let notBearer = try await json.post(
        create,
        "{}",
        headers: [("authorization", "Basic dXNlcjpwYXNz")]
      )
      #expect(notBearer.status == 401)
      #expect(notBearer.message.contains("authorization"))

      let readOnly = try await json.post(
        create,
        #"{"requestId":"s-1","customer":{"name":"عميل"}}"#,
        key: reader
      )
      #expect(readOnly.status == 403)
      #expect(readOnly.code == "permission_denied")
      #expect(readOnly.message.contains("customers:write"))

      let otherTenant = try await json.post(
        create,
        #"{"requestId":"t-1","customer":{"name":"عميل"}}"#,
        key: key,
        headers: [("x-erp-tenant", other)]
      )
      #expect(otherTenant.status == 403)
      #expect(otherTenant.code == "permission_denied")
      #expect(otherTenant.message.contains("x-erp-tenant"))

      // Another tenant's customer, by id: not found from this key, found from its own.
      let theirs = try await gateway.createCustomer(otherKey, "عميل الآخر")
      let notMine = try await json.post(
        "/erp.customers.v1.Customers/GetCustomer",
        #"{"id":"\#(theirs.id)"}"#,
        key: key
      )
      #expect(notMine.status == 404)
      #expect(notMine.code == "not_found")
      #expect(notMine.message.contains(theirs.id))
      let mine = try await json.post(
        "/erp.customers.v1.Customers/GetCustomer",
        #"{"id":"\#(theirs.id)"}"#,
        key: otherKey
      )
      #expect(mine.status == 200)
      #expect(mine.object["name"] as? String == "عميل الآخر")

      let textPlain = try await json.post(create, "{}", key: key, contentType: "text/plain")
      #expect(textPlain.status == 415)
      #expect(textPlain.message.contains("content-type"))

      let noMethod = try await json.post("/erp.customers.v1.Customers/Nope", "{}", key: key)
      #expect(noMethod.status == 404)
      #expect(noMethod.code == "unimplemented")

      let huge = String(repeating: " ", count: 5 << 20) + "{}"
      let tooLarge = try await json.post(create, huge, key: key)
      #expect(tooLarge.status == 413)
      #expect(tooLarge.message.contains("larger than 4 MiB"))
    }
  }

  @Test("rate limits: every answer carries X-RateLimit-*, an empty bucket is 429 with Retry-After")
  func rateLimits() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwr")
      let key = try await gateway.key(tenant, scopes: ["customers:read"], rate: 1, burst: 3).secret
      let json = try await JSONClient.of(gateway)
      let search = "/erp.customers.v1.Customers/SearchCustomers"
      var remaining: [String] = []
      var limited: JSONClient.Answer?
      for _ in 0..<10 {
        let answer = try await json.post(search, #"{"query":"x"}"#, key: key)
        #expect(answer.header("X-RateLimit-Limit") == "3")
        remaining.append(answer.header("X-RateLimit-Remaining") ?? "none")
        if answer.status == 429 {
          limited = answer
          break
        }
        #expect(answer.status == 200)
      }
      #expect(Array(remaining.prefix(3)) == ["2", "1", "0"])
      let refused = try #require(limited)
      #expect(refused.code == "resource_exhausted")
      #expect(Int(refused.header("Retry-After") ?? "") ?? 0 >= 1)
      #expect(refused.header("X-RateLimit-Remaining") == "0")
    }
  }

  @Test("CORS: preflight answered; a call from an origin the key allows gets it back, others 403")
  func cors() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwc")
      var issue = Erp_Gateway_V1_IssueKeyRequest()
      issue.tenantID = tenant
      issue.name = "browser app"
      issue.scopes = ["customers:read"]
      issue.allowedOrigins = ["https://app.example.com"]
      let issued = try await gateway.keys.issueKey(issue, metadata: GatewayHarness.operatorCall)
      #expect(issued.key.allowedOrigins == ["https://app.example.com"])
      let json = try await JSONClient.of(gateway)
      let search = "/erp.customers.v1.Customers/SearchCustomers"

      let preflight = try await json.send(
        .OPTIONS,
        search,
        headers: [
          ("origin", "https://app.example.com"), ("access-control-request-method", "POST"),
          ("access-control-request-headers", "authorization, content-type"),
        ]
      )
      #expect(preflight.status == 204)
      #expect(preflight.header("access-control-allow-origin") == "https://app.example.com")
      #expect(preflight.header("access-control-allow-headers")?.contains("authorization") == true)

      let allowed = try await json.post(
        search,
        #"{"query":"x"}"#,
        key: issued.secret,
        headers: [("origin", "https://app.example.com")]
      )
      #expect(allowed.status == 200)
      #expect(allowed.header("access-control-allow-origin") == "https://app.example.com")

      let foreign = try await json.post(
        search,
        #"{"query":"x"}"#,
        key: issued.secret,
        headers: [("origin", "https://evil.example")]
      )
      #expect(foreign.status == 403)
      #expect(foreign.message.hasPrefix("origin:"))
      #expect(foreign.header("access-control-allow-origin") == nil)

      var bad = issue
      bad.allowedOrigins = ["https://app.example.com/path"]
      let refused = await #expect(throws: (any Error).self) {
        _ = try await gateway.keys.issueKey(bad, metadata: GatewayHarness.operatorCall)
      }
      #expect("\(refused.map { "\($0)" } ?? "")".contains("allowed_origins[0]"))
    }
  }

  @Test("the general ledger streams as NDJSON; /openapi.json and /docs describe every method")
  func streamingAndDocuments() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwn")
      let key = try await gateway.key(tenant, scopes: ["finance:write"]).secret
      let json = try await JSONClient.of(gateway)
      _ = try await json.call(
        "/erp.finance.v1.Ledger/SetBaseCurrency",
        #"{"currencyCode":"KWD"}"#,
        key: key
      )
      _ = try await json.call(
        "/erp.finance.v1.Ledger/PostEntry",
        #"""
        {"requestId":"je-1","date":{"year":2026,"month":3,"day":1},"memo":"رأس المال",
         "lines":[{"accountCode":"1200","debit":{"currencyCode":"KWD","unitsMinor":"1500"}},
                  {"accountRole":"share_capital","credit":{"currencyCode":"KWD","unitsMinor":"1500"}}]}
        """#,
        key: key
      )
      let ledger = try await json.post(
        "/erp.finance.v1.Ledger/GeneralLedger",
        #"{"accountCode":"1200","from":{"year":2026,"month":1,"day":1},"to":{"year":2026,"month":12,"day":31}}"#,
        key: key
      )
      #expect(ledger.status == 200, "\(ledger.text)")
      #expect(ledger.header("content-type") == "application/x-ndjson")
      let pages = try ledger.text.split(separator: "\n").map {
        try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
      }
      #expect(!pages.isEmpty)
      #expect(pages.allSatisfy { $0["error"] == nil })
      let lines = pages.flatMap { ($0["lines"] as? [[String: Any]]) ?? [] }
      #expect(lines.map { $0["memo"] as? String } == ["رأس المال"])
      #expect(lines.first?["debitMinor"] as? String == "1500")

      // A refusal before the stream begins is an ordinary Connect error.
      let refused = try await json.post(
        "/erp.finance.v1.Ledger/GeneralLedger",
        #"{"accountCode":"1200"}"#,
        key: "erpk_unknown"
      )
      #expect(refused.status == 401)
      #expect(refused.code == "unauthenticated")

      let document = try await json.send(.GET, "/openapi.json")
      #expect(document.status == 200)
      let paths = try #require(document.object["paths"] as? [String: Any])
      let unary = ERPJSONAPI.all.filter { $0.kind == .unary }.map(\.path)
      #expect(Set(paths.keys) == Set(unary))
      #expect(paths["/erp.customers.v1.Customers/CreateCustomer"] != nil)
      #expect(document.object["openapi"] as? String == "3.1.0")

      let docs = try await json.send(.GET, "/docs")
      #expect(docs.status == 200)
      #expect(docs.text.contains("/erp.finance.v1.Ledger/GeneralLedger"))
      #expect(!docs.text.contains("<script"))
    }
  }
}
