// swift-tools-version:6.1
import PackageDescription

// The pipeline is the architecture:
//   rules text → tokens → AST → checked ruleset → C text → clang → object → kernel
// SfunnelCore is pure Swift (no I/O), SfunnelToolchain runs clang, SfunnelLoader
// talks to the kernel through libbpf, and the sfunnelc executable only wires
// them to the command line.
let package = Package(
    name: "sfunnelc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sfunnelc", targets: ["sfunnelc"]),
        .library(name: "SfunnelCore", targets: ["SfunnelCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The hand-written BPF C datapath, embedded into the compiler so that
        // the sfunnelc binary is self-contained.
        .target(
            name: "SfunnelTemplates",
            path: "templates",
            exclude: ["README.md"],
            resources: [.embedInCode("sfunnel.bpf.c")]
        ),
        .target(name: "SfunnelCore", dependencies: ["SfunnelTemplates"]),
        .target(name: "SfunnelToolchain", dependencies: ["SfunnelCore"]),
        .systemLibrary(
            name: "CLibBPF",
            pkgConfig: "libbpf",
            providers: [.apt(["libbpf-dev", "libelf-dev", "zlib1g-dev"])]
        ),
        .target(name: "SfunnelLoader", dependencies: ["CLibBPF"]),
        .executableTarget(
            name: "sfunnelc",
            dependencies: [
                "SfunnelCore", "SfunnelToolchain", "SfunnelLoader",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Shared by the tests: seeded random rulesets and packets, running processes.
        .target(name: "SfunnelTestSupport", dependencies: ["SfunnelCore"], path: "Tests/SfunnelTestSupport"),
        // Maintenance tool for scripts/bench: load an object, report the
        // verifier's work, time BPF_PROG_TEST_RUN. Not installed with sfunnelc.
        .executableTarget(name: "sfunnelc-bench", dependencies: ["SfunnelLoader"]),
        .testTarget(name: "SfunnelCoreTests", dependencies: ["SfunnelCore", "SfunnelTemplates", "SfunnelTestSupport"],
                    exclude: ["Golden"]),
        .testTarget(name: "CLITests", dependencies: ["sfunnelc", "SfunnelTestSupport"]),
        // Runs the built sfunnelc between network namespaces (root or CI=true).
        .testTarget(name: "EndToEndTests",
                    dependencies: ["sfunnelc", "SfunnelToolchain", "SfunnelLoader", "CLibBPF", "SfunnelTestSupport"]),
        .testTarget(name: "KernelTests",
                    dependencies: ["SfunnelCore", "SfunnelToolchain", "SfunnelLoader", "SfunnelTestSupport"],
                    exclude: ["Fixtures"]),
    ]
)
