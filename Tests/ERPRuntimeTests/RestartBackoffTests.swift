import ERPDevCluster
import Testing

@testable import erp_run

@Suite("erp-run: the back-off before restarting a crashed service")
struct RestartBackoffTests {
  @Test("0.5 s doubling to 30 s while it keeps crashing; 0.5 s again after a minute of health")
  func doublingAndReset() {
    var backoff = RestartBackoff()
    let shortly = Duration.seconds(1)
    let delays = (0..<9).map { _ in backoff.delay(afterRunningFor: shortly) }
    #expect(
      delays.map(RestartBackoff.describe)
        == ["0.5 s", "1 s", "2 s", "4 s", "8 s", "16 s", "30 s", "30 s", "30 s"]
    )
    #expect(backoff.delay(afterRunningFor: .seconds(60)) == .milliseconds(500))
    #expect(backoff.delay(afterRunningFor: shortly) == .seconds(1))
  }

  @Test("how a child ended, as the log says it")
  func exitDescriptions() {
    #expect(ChildExit.signaled(9).description == "exited with signal 9")
    #expect(ChildExit.exited(70).description == "exited with status 70")
    #expect(ChildExit.exited(0).description == "exited with status 0")
  }
}
