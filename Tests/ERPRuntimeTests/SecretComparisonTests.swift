import Testing

@testable import ERPRuntime

@Suite("Secrets are compared in constant time, length included")
struct SecretComparisonTests {
  @Test("the secret followed by 256 NUL bytes is not the secret")
  func trailingNULs() {
    let secret = Array("service-secret".utf8)
    let padded = secret + [UInt8](repeating: 0, count: 256)
    // Booleans first: a failed expectation would otherwise print every byte.
    let paddedMatches = ServiceAuthInterceptor.constantTimeEquals(padded, secret)
    let reversedMatches = ServiceAuthInterceptor.constantTimeEquals(secret, padded)
    #expect(!paddedMatches)
    #expect(!reversedMatches)
    // Any length difference that is a multiple of 256 folded to 0 in 8 bits before.
    let longer = secret + [UInt8](repeating: 0, count: 65_536)
    let longerMatches = ServiceAuthInterceptor.constantTimeEquals(longer, secret)
    #expect(!longerMatches)
    #expect(!SecretComparison.equal(padded, secret))
    #expect(!SecretComparison.equal("token" + String(repeating: "\0", count: 256), "token"))
    #expect(SecretComparison.equal("operator-token", "operator-token"))
  }

  @Test("equal secrets are equal; a one-byte change, a prefix and the empty string are not")
  func basics() {
    let secret = Array("s3cr3t-وسر".utf8)
    #expect(ServiceAuthInterceptor.constantTimeEquals(secret, secret))
    var changed = secret
    changed[3] ^= 1
    #expect(!ServiceAuthInterceptor.constantTimeEquals(changed, secret))
    #expect(!ServiceAuthInterceptor.constantTimeEquals(Array(secret.dropLast()), secret))
    #expect(!ServiceAuthInterceptor.constantTimeEquals([], secret))
  }
}
