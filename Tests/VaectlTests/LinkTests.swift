import Testing
import VAETestSupport

/// vaectl is a client: it reads images and talks to the daemon, so it must not pull in the numeric core's GEMM
/// (oneDNN, and the OpenMP runtime oneDNN brings). A module that imports VAENumerics on the client's side would.
@Suite("vaectl's linked libraries")
struct LinkTests {
    @Test func vaectlLinksNeitherOneDNNNorOpenMP() throws {
        let path = builtExecutable("vaectl")
        let ldd = try runCommand("/usr/bin/env", ["ldd", path], directory: temporaryDirectory())
        #expect(ldd.status == 0, "ldd \(path): \(ldd.standardError)")
        // A real listing of vaectl's libraries (it decodes PNG with libpng), not an empty or failed one.
        #expect(ldd.standardOutput.contains("libpng"), "ldd printed: \(ldd.standardOutput)")
        for library in ["libdnnl", "libgomp"] {
            #expect(!ldd.standardOutput.contains(library), "vaectl links \(library):\n\(ldd.standardOutput)")
        }
    }
}
