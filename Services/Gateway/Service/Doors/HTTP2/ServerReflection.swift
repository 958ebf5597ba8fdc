import ERPProtos
import ERPRuntime
import GRPCCore
import GRPCProtobuf

/// `grpc.reflection.v1.ServerReflection` (and the same messages under
/// `grpc.reflection.v1alpha`, which older clients still ask for) on the gateway's HTTP/2 door:
/// lists every service the door serves (every forwarded domain service from the catalog, the
/// gateway's own, TenantAdmin, health, reflection) and hands out their files from
/// ``DescriptorIndex``, so grpcurl and Postman work without the `.proto` files. It describes
/// only the public contracts, so it asks for no credentials (``OpenServices``).
struct ServerReflection: RegistrableRPCService {
  typealias Request = Grpc_Reflection_V1_ServerReflectionRequest
  typealias Response = Grpc_Reflection_V1_ServerReflectionResponse

  static let v1 = Grpc_Reflection_V1_ServerReflection.Method.ServerReflectionInfo.descriptor
  static let v1alpha = MethodDescriptor(
    fullyQualifiedService: "grpc.reflection.v1alpha.ServerReflection",
    method: "ServerReflectionInfo"
  )

  /// The services listed, sorted.
  let services: [String]
  let index: DescriptorIndex

  /// Reflection over `services` (what the door registers) and itself.
  init(serving services: [any RegistrableRPCService], index: DescriptorIndex = .shared) {
    self.services = ServiceHealth.names(of: services).union([Self.v1.service.fullyQualifiedService])
      .sorted()
    self.index = index
  }

  func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    for descriptor in [Self.v1, Self.v1alpha] {
      router.registerHandler(
        forMethod: descriptor,
        deserializer: ProtobufDeserializer<Request>(),
        serializer: ProtobufSerializer<Response>()
      ) { request, context in
        StreamingServerResponse { writer in
          for try await message in request.messages { try await writer.write(self.answer(message)) }
          return [:]
        }
      }
    }
  }

  /// The answer to one request of the stream.
  func answer(_ request: Request) -> Response {
    var response = Response()
    response.validHost = request.host
    response.originalRequest = request
    switch request.messageRequest {
    case .listServices:
      response.listServicesResponse.service = self.services.map { name in
        var service = Grpc_Reflection_V1_ServiceResponse()
        service.name = name
        return service
      }
    case .fileByFilename(let name):
      if self.index.has(file: name) {
        response.fileDescriptorResponse.fileDescriptorProto = self.index.withImports(name)
      } else {
        response.errorResponse = Self.notFound("file_by_filename: no such file")
      }
    case .fileContainingSymbol(let symbol):
      if let file = self.index.file(declaring: symbol) {
        response.fileDescriptorResponse.fileDescriptorProto = self.index.withImports(file)
      } else {
        response.errorResponse = Self.notFound("file_containing_symbol: no such symbol")
      }
    case .fileContainingExtension:
      // The contracts declare no extensions.
      response.errorResponse = Self.notFound("file_containing_extension: no such extension")
    case .allExtensionNumbersOfType(let type):
      if self.index.messages.contains(type) {
        response.allExtensionNumbersResponse.baseTypeName = type
      } else {
        response.errorResponse = Self.notFound("all_extension_numbers_of_type: no such type")
      }
    case nil:
      var error = Grpc_Reflection_V1_ErrorResponse()
      error.errorCode = Int32(RPCError.Code.invalidArgument.rawValue)
      error.errorMessage = "message_request: one of its fields is required"
      response.errorResponse = error
    }
    return response
  }

  private static func notFound(_ message: String) -> Grpc_Reflection_V1_ErrorResponse {
    var error = Grpc_Reflection_V1_ErrorResponse()
    error.errorCode = Int32(RPCError.Code.notFound.rawValue)
    error.errorMessage = message
    return error
  }
}
