import Foundation
import Testing
import VAETestSupport

@Suite("vae --version names the GEMM kernels, and says when they are weaker than the CPU allows")
struct GEMMKernelCommandTests {
    func version(environment extra: [String: String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: builtExecutable("vae"))
        process.arguments = ["--version"]
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // --version prints two short lines, so the pipe cannot fill before the process ends.
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return text
    }

    @Test func versionNamesLibraryVersionAndKernels() throws {
        let text = try version(environment: [:])
        #expect(text.contains("GEMM: oneDNN 2."), "\(text)")
        #expect(text.contains("kernels (best for this CPU)\n"), "\(text)")
    }

    /// The check that guards against weak kernels can fail: limiting oneDNN below the CPU's features is reported.
    @Test func aLimitedKernelChoiceIsReported() throws {
        let text = try version(environment: ["DNNL_MAX_CPU_ISA": "SSE41"])
        #expect(text.contains("GEMM: oneDNN 2."), "\(text)")
        #expect(text.contains(" sse41 kernels\n      weaker than this CPU's "), "\(text)")
        #expect(text.contains(", by DNNL_MAX_CPU_ISA=SSE41\n"), "\(text)")
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(text)")
    }
}
