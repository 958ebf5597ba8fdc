import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

/// A request message and the status message it should get (nil: accepted).
private struct Case: Sendable, CustomTestStringConvertible {
  var name: String
  var request: Erp_Customers_V1_CreateCustomerRequest
  var refusal: String?

  var testDescription: String { self.name }

  init(
    _ name: String,
    _ refusal: String?,
    _ change: (inout Erp_Customers_V1_CreateCustomerRequest) -> Void
  ) {
    var request = Erp_Customers_V1_CreateCustomerRequest()
    request.requestID = "r-1"
    request.customer.name = "شركة النخيل"
    change(&request)
    self.name = name
    self.request = request
    self.refusal = refusal
  }
}

private let arabic200 = String(repeating: "ن", count: 200)

private let cases: [Case] = [
  Case("a plain request", nil) { _ in },
  Case("NUL in a nested field", "customer.name: must not contain a NUL byte") {
    $0.customer.name = "a\u{0}b"
  },
  Case("NUL in a top-level field", "request_id: must not contain a NUL byte") {
    $0.requestID = "\u{0}"
  },
  Case("NUL in a repeated field, by index", "customer.emails[1]: must not contain a NUL byte") {
    $0.customer.emails = ["a@example.com", "b\u{0}@example.com"]
  },
  Case("two levels down", "customer.address.line1: at most 200 characters") {
    $0.customer.address.line1 = String(repeating: "x", count: 201)
  },
  Case("a name of 200 Arabic letters", nil) { $0.customer.name = arabic200 },
  Case("a name of 201 Arabic letters", "customer.name: at most 200 characters") {
    $0.customer.name = arabic200 + "ن"
  },
  Case("a request id of 100", nil) { $0.requestID = String(repeating: "r", count: 100) },
  Case("a request id of 101", "request_id: at most 100 characters") {
    $0.requestID = String(repeating: "r", count: 101)
  },
  Case("an email of 254", nil) {
    $0.customer.emails = [String(repeating: "e", count: 242) + "@example.com"]
  },
  Case("tags of 50 each", "customer.tags[0]: at most 50 characters") {
    $0.customer.tags = [String(repeating: "t", count: 51)]
  },
  Case("a megabyte, refused without being quoted", "customer.name: at most 200 characters") {
    $0.customer.name = String(repeating: "٣", count: 1_000_000)
  },
]

@Suite("Request validation: every string field of every request")
struct RequestValidationTests {
  @Test("refuses NUL and over-long fields, naming the field by its path", arguments: cases)
  fileprivate func table(_ test: Case) throws {
    let error = Result { try RequestValidation.check(test.request) }.failure as? RPCError
    switch test.refusal {
    case nil:
      #expect(error == nil)
    case let refusal?:
      #expect(error?.code == .invalidArgument)
      #expect(error?.message == refusal)
    }
  }

  @Test("repeated messages are named by index: lines[1].sku")
  func repeatedMessages() throws {
    var request = Erp_Sales_V1_CreateOrderRequest()
    request.requestID = "r"
    request.lines = [Erp_Sales_V1_OrderLine(), Erp_Sales_V1_OrderLine()]
    request.lines[0].sku = "GOOD-1"
    request.lines[1].sku = "BAD\u{0}"
    let error = Result { try RequestValidation.check(request) }.failure as? RPCError
    #expect(error?.message == "lines[1].sku: must not contain a NUL byte")
  }

  @Test("the limits table: exact names, then suffixes, then the default")
  func limits() {
    #expect(FieldLimits.limit(forField: "name") == 200)
    #expect(FieldLimits.limit(forField: "tenant_id") == 40)
    #expect(FieldLimits.limit(forField: "id") == 100)
    #expect(FieldLimits.limit(forField: "customer_id") == 100)
    #expect(FieldLimits.limit(forField: "employee_ids") == 100)
    #expect(FieldLimits.limit(forField: "memo") == 500)
    #expect(FieldLimits.limit(forField: "body") == 20_000)
    #expect(FieldLimits.limit(forField: "email") == 254)
  }

  @Test("quoted: a short prefix, cut on a character boundary, controls escaped, Arabic kept")
  func quoting() {
    #expect(quoted("SO-000001") == "\"SO-000001\"")
    #expect(
      quoted(String(repeating: "x", count: 16_400)) == "\"" + String(repeating: "x", count: 40)
        + "…\""
    )
    #expect(quoted("عميل غير موجود") == "\"عميل غير موجود\"")
    #expect(quoted("a\u{0}b\n") == "\"a\\0b\\n\"")
    // A character of many combining marks counts each of them.
    let heavy = "e" + String(repeating: "\u{301}", count: 10_000)
    #expect(quoted(heavy).unicodeScalars.count < 50)
    #expect(quoted("🇸🇦🇸🇦", limit: 3) == "\"🇸🇦…\"")
  }

  @Test("over a real server: a NUL and invalid UTF-8 in TenantAdmin's tenant_id are refused")
  func overAServer() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    defer { Task { await pool.shutdown() } }
    try await withLoopbackServer(
      services: [TenantAdminService(service: "finance", pool: pool, migrations: [])],
      interceptors: [RequestValidationInterceptor()]
    ) { client, _ in
      var request = Erp_Common_V1_ProvisionTenantRequest()
      request.tenantID = "acme\u{0}x"
      let nul = await #expect(throws: RPCError.self) {
        try await Erp_Common_V1_TenantAdmin.Client(wrapping: client).provision(request)
      }
      #expect(nul?.code == .invalidArgument)
      #expect(nul?.message == "tenant_id: must not contain a NUL byte")

      // Field 1 (tenant_id), two bytes that are not UTF-8.
      let invalid = await #expect(throws: RPCError.self) {
        try await client.unary(
          request: ClientRequest(message: [0x0A, 0x02, 0xC3, 0x28]),
          descriptor: Erp_Common_V1_TenantAdmin.Method.Provision.descriptor,
          serializer: RawSerializer(),
          deserializer: RawDeserializer(),
          options: .defaults
        ) { try $0.message }
      }
      #expect(invalid?.code == .invalidArgument)
      #expect(
        invalid?.message
          == "erp.common.v1.ProvisionTenantRequest: a string field is not valid UTF-8"
      )
    }
  }
}

extension Result where Failure == any Error {
  fileprivate init(_ body: () throws -> Success) {
    self.init(catching: body)
  }

  fileprivate var failure: (any Error)? {
    if case .failure(let error) = self { return error }
    return nil
  }
}
