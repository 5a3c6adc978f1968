import VAEFuzzTargets

private let target = FuzzTarget.named("FuzzV2Infer")!

// libFuzzer calls this once per input; the target traps when a property breaks, so that the input is kept.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    target.run(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}
