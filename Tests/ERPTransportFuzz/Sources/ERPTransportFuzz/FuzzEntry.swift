/// libFuzzer's entry point: every input goes through ``WireFuzz``.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  WireFuzz.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}

/// libFuzzer's driver (in the runtime `-sanitize=fuzzer` links): parses the flags and runs.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's `main` to `<product>_main`; this one hands over to libFuzzer.
@_cdecl("erpt_fuzz_main")
public func fuzzMain(
  _ argc: CInt,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  var argc = argc
  var argv = argv
  return runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
}
