// swift-tools-version:5.9
// The Rust core for the iOS app: the xcframework (device + simulator static libraries with the
// C header and module map) and the uniffi-generated Swift API on top of it. Both are produced by
// ios/scripts/build-xcframework.sh (which runs scripts/gen-bindings.sh); neither is committed.
import PackageDescription

let package = Package(
    name: "PhanAnhCore",
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "PhanAnhCore", targets: ["PhanAnhCore"]),
    ],
    targets: [
        .binaryTarget(name: "phananhFFI", path: "phananhFFI.xcframework"),
        .target(
            name: "PhanAnhCore",
            dependencies: ["phananhFFI"],
            path: "Sources/PhanAnhCore"
        ),
    ]
)
