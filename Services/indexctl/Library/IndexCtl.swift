import ArgumentParser

/// `indexctl`: the operator's command line.
package struct IndexCtl: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "indexctl",
        abstract: "Operate the equal-weighted index tracker.",
        subcommands: [
            Ingest.self, Backfill.self, Sessions.self, Status.self, Summary.self, Backup.self, Restore.self, Ping.self,
            APIKey.self, SimCSV.self, MeasureLatency.self, Index.self,
        ]
    )

    /// Parsed by ArgumentParser.
    package init() {}
}
