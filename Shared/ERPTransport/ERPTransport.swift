/// gRPC semantics carried over plain TCP: a ``ERPTransport/Client`` and a ``ERPTransport/Server``
/// that any service generated for grpc-swift 2 runs over unchanged.
///
/// The wire format is specified in `proto/transport/README.md`, which is the only thing a partner
/// writing a client in another language needs to read. In short: an 8-byte preface, then frames of
/// a 10-byte header (length, type, flags, stream id) and a payload; many streams multiplexed on one
/// connection; per-stream credit-based flow control; messages cut into bounded chunks that are
/// interleaved fairly between streams so one large message never stalls small calls.
public enum ERPTransport {}
