/// Where a service process is in its life, as the standard health protocol reports it: not
/// serving until its start-up migration has brought every tenant schema up to date, serving,
/// then not serving for good once it drains. A pure value with its transitions, driven by
/// ``ServiceHealth``.
public enum ServingPhase: Sendable, Equatable {
  case starting
  case serving
  case draining

  /// After start-up migration finished: serving, unless already draining (draining is final).
  public func migrated() -> ServingPhase {
    self == .starting ? .serving : self
  }

  /// After graceful shutdown began: draining, whatever came before.
  public func drained() -> ServingPhase { .draining }

  /// Whether the process accepts work in this phase.
  public var isServing: Bool { self == .serving }

  /// Whether nothing will change any more (a Watch ends after telling it).
  public var isFinal: Bool { self == .draining }
}
