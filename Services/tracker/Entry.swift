import APIService
import ArgumentParser
import ChangeDetectorService
import FetcherService
import Foundation
import IndexBuilderService
import IndexCtl
import ServiceSupport
import StorageService
import ValidatorService

/// Every service and `indexctl` in one executable, for the container image: the name it is started under picks
/// which (the image links `fetcher`, `validator`, `index-builder`, `change-detector`, `storage`, `api` and `indexctl`
/// to it). One executable holds the packages the services share (NIO, Hummingbird, swift-otel, ...) once instead of
/// seven times. Started under any other name it lists the names and exits with 64 (usage).
@main
enum Entry {
    /// The names, each with what it runs.
    static let commands: [(name: String, run: @Sendable () async -> Void)] = [
        ("fetcher", { await ServiceCommand<Fetcher>.main() }),
        ("validator", { await ServiceCommand<Validator>.main() }),
        ("index-builder", { await ServiceCommand<IndexBuilder>.main() }),
        ("change-detector", { await ServiceCommand<ChangeDetector>.main() }),
        ("storage", { await ServiceCommand<Storage>.main() }),
        ("api", { await ServiceCommand<API>.main() }),
        ("indexctl", { await IndexCtl.main() }),
    ]

    static func main() async {
        let name = CommandLine.arguments.first?.split(separator: "/").last.map(String.init) ?? ""
        guard let command = commands.first(where: { $0.name == name }) else {
            let names = commands.map(\.name).joined(separator: ", ")
            FileHandle.standardError.write(
                Data("\(name): start this executable under one of these names (a link to it): \(names)\n".utf8))
            exit(64)
        }
        await command.run()
    }
}
