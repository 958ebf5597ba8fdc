import ERPDevCluster
import ERPProtos
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Web

/// The console in a real browser: headless Chromium and chromedriver (Debian's), driven by
/// Selenium (PyPI, in `.build/selenium`; `make browser` installs all three) through
/// Tests/browser/console_browser.py, against the console served live on a free port in front of
/// a real system. A machine without them fails the test, it never skips.
@Suite("The console in headless Chromium")
struct BrowserTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// `ERP_SELENIUM_PYTHON`, or the Makefile's virtualenv in the package.
  static var python: String {
    if let path = ProcessInfo.processInfo.environment["ERP_SELENIUM_PYTHON"], !path.isEmpty {
      return path
    }
    return Self.root.appendingPathComponent(".build/selenium/bin/python3").path
  }

  @Test(
    "the rep in Arabic, then English: rtl/ltr, no overflow at 1280 and 390 px, no console errors, labelled controls, the hostile name as text"
  )
  func repInArabic() async throws {
    let missing = [Self.python, "/usr/bin/chromium", "/usr/bin/chromedriver"].filter {
      !FileManager.default.isExecutableFile(atPath: $0)
    }
    guard missing.isEmpty else {
      Issue.record("missing \(missing.joined(separator: ", ")): run `make browser`")
      return
    }
    try await WebSystem.run(secureCookies: false) { system in
      let (hostile, own) = try await system.repCustomers()

      let app = Application(
        router: system.console.router(),
        configuration: .init(address: .hostname("127.0.0.1", port: 0))
      )
      try await app.test(.live) { client in
        let port = try #require(client.port)
        let shots = Self.root.appendingPathComponent(".build/screenshots").path
        let output = try await ChildProcess.collect(
          Self.python,
          [
            Self.root.appendingPathComponent("Tests/browser/console_browser.py").path,
            "--base", "http://127.0.0.1:\(port)", "--tenant", system.tenant,
            "--email", system.rep.email, "--password", system.rep.password,
            "--hostile-id", hostile.id, "--hostile-name", hostile.name,
            "--own-id", own.id, "--own-name", own.name, "--shots", shots,
          ],
          environment: ProcessInfo.processInfo.environment.merging(["SE_OFFLINE": "true"]) { $1 },
          streams: .merged
        )
        #expect(output.status == 0, "\(output.stdout.suffix(8_000))")
        #expect(output.stdout.contains("browser checks passed"), "\(output.stdout.suffix(8_000))")
      }
    }
  }
}
