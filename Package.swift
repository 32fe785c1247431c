// swift-tools-version:6.1
import PackageDescription

/// Settings every target shares: strict concurrency (Swift 6 mode) and the upcoming features of the house style.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")

let tracing = Target.Dependency.product(name: "Tracing", package: "swift-distributed-tracing")
let instrumentation = Target.Dependency.product(name: "Instrumentation", package: "swift-distributed-tracing")

let nio = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let postgres = Target.Dependency.product(name: "PostgresNIO", package: "postgres-nio")
let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")

/// The services and indexctl: (executable name, library target, folder, what the library uses). Each lists what
/// it uses and nothing else: `api` and `storage` link neither the simulated market, the vendors nor the CSV reader.
let services: [(exe: String, lib: String, folder: String, deps: [Target.Dependency])] = [
    (
        "fetcher", "FetcherService", "fetcher",
        ["Pipeline", "Contracts", "Providers", "TradingCalendar", "Resilience", log, metrics, lifecycle]
    ),
    (
        "validator", "ValidatorService", "validator",
        ["Pipeline", "Contracts", "Methodology", "TradingCalendar", log, lifecycle]
    ),
    (
        "index-builder", "IndexBuilderService", "index-builder",
        ["Pipeline", "Contracts", "Methodology", "TradingCalendar", log, metrics, lifecycle]
    ),
    (
        "change-detector", "ChangeDetectorService", "change-detector",
        ["Pipeline", "Contracts", "Methodology", lifecycle]
    ),
    (
        "storage", "StorageService", "storage",
        [
            "Pipeline", "Contracts", "Methodology", "StorageDatabase", "StoragePostgres", "TradingCalendar",
            "Resilience",
            log, lifecycle,
        ]
    ),
    (
        "api", "APIService", "api",
        [
            "Pipeline", "Contracts", "Methodology", "TradingCalendar", "Resilience", "SpreadsheetExport", "Dashboard",
            hummingbird,
            .product(name: "CompressNIO", package: "compress-nio"), nio,
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "JWTKit", package: "jwt-kit"),
            log, metrics, lifecycle,
        ]
    ),
    (
        "indexctl", "IndexCtl", "indexctl",
        ["Pipeline", "NATSClient", "Contracts", "Methodology", "Providers", "TradingCalendar", "StorageDatabase", log]
    ),
]

var targets: [Target] = [
    // MARK: Shared
    .systemLibrary(
        name: "CNATS",
        path: "Shared/CNATS",
        pkgConfig: "libnats",
        providers: [.apt(["libnats-dev"])]
    ),
    .target(
        name: "NATSClient",
        dependencies: ["CNATS", "Resilience", log, metrics],
        path: "Shared/NATSClient",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "TradingCalendar",
        path: "Shared/TradingCalendar",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "Resilience",
        dependencies: [log, metrics],
        path: "Shared/Resilience",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "Contracts",
        dependencies: ["TradingCalendar"],
        path: "Shared/Contracts",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "Pipeline",
        dependencies: [
            "Contracts", "NATSClient", "Resilience", "TradingCalendar", log, metrics, tracing, instrumentation,
        ],
        path: "Shared/Pipeline",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "Methodology",
        dependencies: ["Contracts", "TradingCalendar"],
        path: "Shared/Methodology",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "Providers",
        dependencies: ["Contracts", "TradingCalendar", "Resilience", log],
        path: "Shared/Providers",
        swiftSettings: swiftSettings
    ),
    .systemLibrary(
        name: "CSQLite",
        path: "Shared/CSQLite",
        pkgConfig: "sqlite3",
        providers: [.apt(["libsqlite3-dev"])]
    ),
    .target(
        name: "StorageDatabase",
        dependencies: ["CSQLite", "Contracts", "TradingCalendar", "Resilience", log],
        path: "Services/storage/Database",
        swiftSettings: swiftSettings
    ),
    // The PostgreSQL backend, apart so that only storage (not indexctl) links postgres-nio.
    .target(
        name: "StoragePostgres",
        dependencies: ["StorageDatabase", "Contracts", "TradingCalendar", postgres, nioSSL, log],
        path: "Services/storage/Postgres",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "SpreadsheetExport",
        dependencies: ["TradingCalendar", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
        path: "Services/api/Export",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "Dashboard",
        path: "Services/api/Dashboard",
        resources: [.embedInCode("index.html"), .embedInCode("dashboard.css"), .embedInCode("dashboard.js")],
        swiftSettings: swiftSettings
    ),
    .systemLibrary(name: "CMalloc", path: "Shared/CMalloc"),
    .target(
        name: "ServiceSupport",
        dependencies: [
            "CMalloc", "Pipeline", "NATSClient", "Contracts", "Resilience", log, metrics, lifecycle, hummingbird,
            argumentParser,
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "OTel", package: "swift-otel"),
        ],
        path: "Shared/ServiceSupport",
        swiftSettings: swiftSettings
    ),

    // MARK: Tests
    .target(
        name: "TestSupport",
        dependencies: [
            "NATSClient", "Pipeline", "Contracts", "Resilience", "SpreadsheetExport", "TradingCalendar", log,
        ],
        path: "Tests/TestSupport",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "ResilienceTesting",
        dependencies: ["Resilience"],
        path: "Tests/ResilienceTesting",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "TradingCalendarTests",
        dependencies: ["TradingCalendar"],
        path: "Tests/TradingCalendarTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "ResilienceTests",
        dependencies: [
            "Resilience", "ResilienceTesting", log, metrics, .product(name: "MetricsTestKit", package: "swift-metrics"),
        ],
        path: "Tests/ResilienceTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "ContractsTests",
        dependencies: ["Contracts", "TradingCalendar"],
        path: "Tests/ContractsTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "NATSClientTests",
        dependencies: ["NATSClient", "TestSupport", log],
        path: "Tests/NATSClientTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "PipelineTests",
        dependencies: ["Pipeline", "NATSClient", "Contracts", "Resilience", "TestSupport", "TradingCalendar", log],
        path: "Tests/PipelineTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "MethodologyTests",
        dependencies: ["Methodology", "Contracts", "TradingCalendar", "TestSupport"],
        path: "Tests/MethodologyTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "ProvidersTests",
        dependencies: [
            "Providers", "Contracts", "TradingCalendar", "Resilience", "ResilienceTesting", "TestSupport", log,
        ],
        path: "Tests/ProvidersTests",
        exclude: ["Fixtures"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "StorageTests",
        dependencies: [
            "StorageDatabase", "StoragePostgres", "Contracts", "TradingCalendar", "Resilience", postgres, log,
        ],
        path: "Tests/StorageTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "SpreadsheetExportTests",
        dependencies: ["SpreadsheetExport", "TradingCalendar", "TestSupport"],
        path: "Tests/SpreadsheetExportTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "StageTests",
        dependencies: [
            "ValidatorService", "IndexBuilderService", "FetcherService", "Pipeline", "Contracts", "Methodology",
            "NATSClient", "Providers", "Resilience", "TestSupport", "TradingCalendar", log,
        ],
        path: "Tests/StageTests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "APITests",
        dependencies: [
            "APIService", "ServiceSupport", "Pipeline", "Contracts", "NATSClient", "TradingCalendar", "Resilience",
            "ResilienceTesting", "TestSupport", "SpreadsheetExport", "Methodology", hummingbird, log, metrics,
            .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "JWTKit", package: "jwt-kit"),
        ],
        path: "Tests/APITests",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "ServiceTests",
        dependencies: [
            "NATSClient", "Pipeline", "Contracts", "ServiceSupport", "TestSupport", "TradingCalendar", "Providers",
            "Methodology", "Resilience", "FetcherService", "ValidatorService", "IndexBuilderService",
            "ChangeDetectorService", "StorageService",
            "APIService", "IndexCtl", "StorageDatabase", log,
        ],
        path: "Tests/ServiceTests",
        swiftSettings: swiftSettings
    ),
]

var products: [Product] = []
for service in services {
    let command = service.lib + "Command"
    targets.append(
        .target(
            name: service.lib,
            dependencies: ["ServiceSupport", argumentParser] + service.deps,
            path: "Services/\(service.folder)/Library",
            swiftSettings: swiftSettings
        )
    )
    targets.append(
        .executableTarget(
            name: command,
            dependencies: [.byName(name: service.lib), "ServiceSupport", argumentParser],
            path: "Services/\(service.folder)/Executable",
            swiftSettings: swiftSettings
        )
    )
    products.append(.executable(name: service.exe, targets: [command]))
}

// Every service and indexctl in one executable, for the container image (compose/Dockerfile): the name it is started
// under (a link: fetcher, validator, ...) picks which, so the packages they share are in the image once.
targets.append(
    .executableTarget(
        name: "TrackerCommand",
        dependencies: services.map { .byName(name: $0.lib) } + ["ServiceSupport", argumentParser],
        path: "Services/tracker",
        swiftSettings: swiftSettings
    )
)
products.append(.executable(name: "tracker", targets: ["TrackerCommand"]))

let package = Package(
    name: "equal-weight-index",
    platforms: [.macOS(.v15)],
    products: products,
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Only for PostgreSQL's TLS settings; postgres-nio depends on it already.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // Tracing (DESIGN.md "Tracing"): only the OTLP/HTTP exporter; the default traits would pull gRPC too.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
    ],
    targets: targets
)
