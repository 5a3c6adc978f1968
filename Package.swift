// swift-tools-version:6.0
// The data flows dataset → trainer → .vaez → daemon → client; each arrow is one module boundary below.
import PackageDescription

let package = Package(
    name: "vae",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vae", targets: ["vae"]),
        .library(name: "VAENumerics", targets: ["VAENumerics"]),
        .library(name: "VAEModel", targets: ["VAEModel"]),
        .library(name: "VAEData", targets: ["VAEData"]),
        .library(name: "VAETraining", targets: ["VAETraining"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries from Debian packages.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),

        // Vectorised element-wise kernels (the passes between GEMMs); always optimised, even in debug builds.
        .target(name: "CVAEKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]),

        // Numeric core: matrices, BLAS, layers' element-wise math, losses, Adam, RNG, parallel loops.
        .target(name: "VAENumerics", dependencies: ["CBLAS", "CVAEKernels"]),
        // The VAE / AE network: architecture, parameters, forward and backward passes.
        .target(name: "VAEModel", dependencies: ["VAENumerics"]),
        // Datasets (IDX, gzip), noise corruption, PNG and image grids, atomic files.
        .target(name: "VAEData", dependencies: ["CZlib", "CPNG", "VAENumerics"]),
        // The training loop, checkpoints, metrics and progress reporting.
        .target(
            name: "VAETraining",
            dependencies: ["VAEModel", "VAEData", .product(name: "Logging", package: "swift-log")]
        ),

        .executableTarget(
            name: "vae",
            dependencies: [
                "VAETraining",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(name: "VAETestSupport", dependencies: ["VAEData"], path: "Tests/VAETestSupport"),
        .testTarget(name: "VAENumericsTests", dependencies: ["VAENumerics"]),
        .testTarget(name: "VAEModelTests", dependencies: ["VAEModel"]),
        .testTarget(name: "VAEDataTests", dependencies: ["VAEData", "VAETestSupport"]),
        .testTarget(name: "VAETrainingTests", dependencies: ["VAETraining", "VAEData", "VAETestSupport"]),
        // Runs the built executables as a user would.
        .testTarget(name: "VAECommandTests", dependencies: ["VAEData", "VAETestSupport"]),
    ]
)
