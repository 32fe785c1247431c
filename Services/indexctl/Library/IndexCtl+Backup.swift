import ArgumentParser
import Contracts
import Foundation
import Pipeline
import ServiceSupport

extension IndexCtl {
    /// `indexctl backup --to FILE`: an online SQLite backup taken by storage while the pipeline runs.
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the live database to FILE (SQLite online backup, taken by storage while the stack "
                + "runs); the copy is integrity-checked before it is written under FILE.",
            discussion: "Storage writes the file, so FILE is a path on storage's host (a relative path is made "
                + "absolute against the current directory). An existing FILE is replaced. With DATABASE_URL "
                + "(PostgreSQL), indexctl writes FILE itself with pg_dump --format=custom."
        )

        @Option(help: "The backup file to write.")
        var to: String

        @Option(name: .customLong("nats-url"), help: "NATS server URL (NATS_URL).")
        var natsURL: String?

        @Option(help: "Seconds to wait for storage to finish the copy.")
        var timeout: Double = 600

        @Option(
            name: .customLong("database-url"),
            help: "Storage's PostgreSQL database (DATABASE_URL): FILE is a pg_dump custom-format archive of it.")
        var databaseURL: String?

        init() {}

        func validate() throws {
            guard !to.isEmpty else { throw ValidationError("--to needs a file path") }
            guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        }

        func run() async throws {
            let destination = URL(fileURLWithPath: to).standardizedFileURL.path
            do {
                if let url = PostgresTools.databaseURL(databaseURL) {
                    print(try PostgresTools.backup(url: url, to: destination))
                    return
                }
                let url = try natsURL ?? ServiceConfiguration().natsURL
                let client = try await PipelineClient.connect(natsURL: url)
                defer { Task { await client.close() } }
                let reply: BackupReply
                do {
                    // One attempt with a long wait: a copy of a large database takes a while, and a retry would
                    // start it over.
                    reply = try await client.storage.send(
                        BackupCommand(destination: destination, index: client.index),
                        timeout: .milliseconds(Int64(timeout * 1000))
                    )
                } catch {
                    throw OperatorError("storage could not back up to \(destination): \(error)")
                }
                let status = reply.status
                let last = status.lastIndexSession.map { "\($0)" } ?? "?"
                let range = status.firstIndexSession.map { "\($0) ... \(last)" }
                print(
                    "backup \(reply.destination): \(reply.bytes) bytes, integrity \(reply.integrity), "
                        + "\(status.indexSessions) index sessions\(range.map { " (\($0))" } ?? ""), "
                        + "\(status.priceRows) price rows"
                )
            } catch let error as OperatorError {
                FileHandle.standardError.write(Data("indexctl backup: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
