import ERPDevCluster
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Keeps every service running until erp-run stops: a service that exits is started again after
/// a back-off (`RestartBackoff`), and the log says so; the other services are left alone. Only
/// `stop()` (Ctrl-C or SIGTERM to erp-run) ends them.
///
/// Each service is a slot moving `running → waiting → running …` until `stopping`; exits are
/// reported from the process's own task and restarts are scheduled on tasks of their own, so
/// all state sits behind one lock.
final class Supervisor: Sendable {
  struct Service: Sendable {
    var name: String
    var executable: String
    var environment: [String: String]
  }

  private enum Phase {
    case running(ServiceProcess, since: ContinuousClock.Instant)
    case waiting
    case exited
  }

  private struct Slot {
    var service: Service
    var phase: Phase
    var backoff = RestartBackoff()
  }

  private struct State {
    var slots: [String: Slot] = [:]
    var order: [String] = []
    var stopping = false
  }

  private let state = NIOLockedValueBox(State())
  private let output: LinePrinter
  private let folder: RunFolder

  init(output: LinePrinter, folder: RunFolder) {
    self.output = output
    self.folder = folder
  }

  /// Starts `service` and keeps it running.
  func add(_ service: Service) async {
    self.state.withLockedValue { state in
      state.slots[service.name] = Slot(service: service, phase: .waiting)
      state.order.append(service.name)
    }
    await self.launch(service.name)
  }

  /// SIGTERM to every service (they drain), SIGKILL to any still there after `grace`; no
  /// restarts from here on.
  func stop(grace: Duration) async {
    let processes = self.state.withLockedValue { state -> [ServiceProcess] in
      state.stopping = true
      return state.order.compactMap { name in
        if case .running(let process, _) = state.slots[name]?.phase { return process }
        return nil
      }
    }
    for process in processes { process.terminate() }
    let deadline = ContinuousClock.now + grace
    for process in processes {
      while process.isRunning {
        if ContinuousClock.now >= deadline {
          process.forceKill()
          break
        }
        try? await Task.sleep(for: .milliseconds(50))
      }
    }
    self.folder.recordServices([])
  }

  /// Starts the slot's process; a failure to start counts as an exit.
  private func launch(_ name: String) async {
    guard
      let service = self.state.withLockedValue({ state -> Service? in
        state.stopping ? nil : state.slots[name]?.service
      })
    else { return }
    let process: ServiceProcess
    do {
      process = try await ServiceProcess.start(
        name: service.name,
        executable: service.executable,
        environment: service.environment,
        output: self.output
      )
    } catch {
      self.scheduleRestart(name, uptime: .zero, because: "did not start (\(error))")
      return
    }
    let running = self.state.withLockedValue { state -> [(pid: pid_t, executable: String)]? in
      guard !state.stopping else { return nil }
      state.slots[name]?.phase = .running(process, since: .now)
      return state.order.compactMap { name in
        guard let slot = state.slots[name], case .running(let process, _) = slot.phase else {
          return nil
        }
        return (process.pid, slot.service.executable)
      }
    }
    guard let running else {
      process.terminate()  // stopping began while it started
      return
    }
    self.folder.recordServices(running)
    self.output.print("[run] \(name) started (pid \(process.pid))")
    process.whenExited { [weak self] exit in self?.exited(name, exit: exit) }
  }

  private func exited(_ name: String, exit: ChildExit) {
    let uptime = self.state.withLockedValue { state -> Duration? in
      guard case .running(_, let since) = state.slots[name]?.phase else { return nil }
      state.slots[name]?.phase = .exited
      return state.stopping ? nil : ContinuousClock.now - since
    }
    guard let uptime else { return }
    self.scheduleRestart(name, uptime: uptime, because: exit.description)
  }

  private func scheduleRestart(_ name: String, uptime: Duration, because reason: String) {
    let delay = self.state.withLockedValue { state -> Duration? in
      guard !state.stopping else { return nil }
      state.slots[name]?.phase = .waiting
      return state.slots[name]?.backoff.delay(afterRunningFor: uptime)
    }
    guard let delay else { return }
    self.output.print("[run] \(name) \(reason); restarting in \(RestartBackoff.describe(delay))")
    Task {
      try? await Task.sleep(for: delay)
      await self.launch(name)
    }
  }
}
