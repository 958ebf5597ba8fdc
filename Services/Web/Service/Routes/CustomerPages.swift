import ERPProtos
import Hummingbird

/// The CRM's first pages: the customers list (server-side search and keyset paging, through the
/// customers service behind the gateway, so a rep limited to their own records sees only those)
/// and the customer page (Customer360 and the merged timeline, fetched at once). Where a list
/// is (the words searched, the gateway's page token) travels sealed (``SealedState``).
extension WebConsole {
  /// `GET /customers[?s=…]`.
  func customers(_ request: Request) async -> Response {
    let state = self.sealed.open(request.uri.queryParameters["s"].map(String.init))
    let page = self.page(state.page)
    return await self.signedInPage(
      request,
      name: "customers",
      titleKey: "customers",
      area: .crm,
      load: { token in
        try await self.gateway.customers(token, query: state.query, page: page)
      },
      render: { found, formats in
        var section = TableSection(
          id: "customers",
          heading: formats.word("customers"),
          columns: ["customer_id", "name", "stage", "contact"].map {
            .init(label: formats.word($0))
          }
        )
        section.rows = found.customers.map { Self.row($0, formats) }
        if !found.next.isEmpty {
          section.more =
            "/customers?s=" + self.sealed.seal(.init(query: state.query, page: found.next))
        }
        var values: [String: Any] = ["list": section.values, "query": state.query]
        if !state.page.isEmpty {
          values["first"] =
            state.query.isEmpty
            ? "/customers" : "/customers?s=" + self.sealed.seal(.init(query: state.query))
        }
        return values
      }
    )
  }

  func page(_ token: String) -> Erp_Common_V1_PageRequest {
    var page = Erp_Common_V1_PageRequest()
    page.pageSize = self.config.pageSize
    page.pageToken = token
    return page
  }

  /// `POST /customers/search`: the words go in the sealed state, not the address.
  func searchCustomers(_ request: Request, _ context: BasicRequestContext) async throws -> Response
  {
    let form = try await self.form(SearchForm.self, request, context, binding: .session)
    let query = String((form.q ?? "").trimmingCharacters(in: .whitespaces).prefix(200))
    let target =
      query.isEmpty ? "/customers" : "/customers?s=" + self.sealed.seal(.init(query: query))
    return Response.redirect(to: target, type: .normal)
  }

  static func row(
    _ customer: Erp_Customers_V1_Customer,
    _ formats: PageFormats
  ) -> [TableSection.Cell] {
    let link = "/customers/" + customer.id
    return [
      .init(text: customer.id, href: link, latin: true),
      .init(text: customer.name, href: link),
      .init(text: formats.word(Self.stageKey(customer.stage))),
      .init(text: customer.emails.first ?? customer.phones.first ?? "", latin: true),
    ]
  }

  static func stageKey(_ stage: Erp_Customers_V1_LifecycleStage) -> String {
    switch stage {
    case .lead: return "stage_lead"
    case .prospect: return "stage_prospect"
    case .customer: return "stage_customer"
    case .inactive: return "stage_inactive"
    default: return "stage_none"
    }
  }

  /// Customer ids are short codes ("C-000001"): anything else is no customer of ours, refused
  /// before any call and never echoed.
  static func isCustomerID(_ id: String) -> Bool {
    !id.isEmpty && id.utf8.count <= 40
      && id.utf8.allSatisfy {
        $0 == 45 || $0 == 95 || (48...57).contains($0) || (65...90).contains($0)
          || (97...122).contains($0)
      }
  }

  /// `GET /customers/{id}[?s=…]`: Customer360 and one page of the timeline, concurrently.
  func customer(_ request: Request, id: String) async -> Response {
    guard Self.isCustomerID(id) else {
      return self.page("problem", titleKey: "not_found", request, status: .notFound)
    }
    let state = self.sealed.open(request.uri.queryParameters["s"].map(String.init))
    let page = self.page(state.page)
    return await self.signedInPage(
      request,
      name: "customer",
      titleKey: "customer",
      area: .crm,
      load: { token in
        async let view = self.gateway.customer360(token, id: id)
        async let timeline = attempt {
          try await self.gateway.timeline(token, customer: id, page: page)
        }
        return try await (view, timeline)
      },
      render: { loaded, formats in
        let (view, timeline) = loaded
        var values = CustomerView.values(view, formats)
        var section = CustomerView.timeline(timeline, formats)
        if case .success(let answer) = timeline, !answer.page.nextPageToken.isEmpty {
          section.more =
            "/customers/\(id)?s=" + self.sealed.seal(.init(page: answer.page.nextPageToken))
        }
        values["timeline"] = section.values
        return values
      }
    )
  }
}

struct SearchForm: Decodable, CSRFProtected {
  var csrf: String?
  var q: String?
}
