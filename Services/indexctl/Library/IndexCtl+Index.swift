import ArgumentParser
import Contracts
import Foundation
import Pipeline
import ServiceSupport
import TradingCalendar

extension IndexCtl {
    /// `indexctl index list|add|remove`: the index definitions storage keeps.
    struct Index: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, add and remove index definitions (DESIGN.md Definitions).",
            subcommands: [List.self, Add.self, Remove.self]
        )

        /// Lists the definitions, one per line, or as JSON.
        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the index definitions with their stored sessions."
            )

            @Option(name: .customLong("nats-url"), help: "NATS server URL (NATS_URL).")
            var natsURL: String?

            @Flag(help: "Print the stored definitions as a JSON array.")
            var json = false

            init() {}

            func run() async throws {
                try await IndexCtl.Index.run("list", natsURL: natsURL) { client in
                    let definitions = try await client.storage.ask(DefinitionsQuery()).definitions
                    if json {
                        let encoder = JSONEncoder()
                        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                        print(String(decoding: try encoder.encode(definitions.map(\.definition)), as: UTF8.self))
                    } else {
                        for stored in definitions { print(Self.line(stored)) }
                    }
                }
            }

            /// `id  name  (size N, weighting, rebalance, return)  sessions first...last`.
            static func line(_ stored: StoredDefinition) -> String {
                let definition = stored.definition
                var shape = "size \(definition.size), \(definition.weighting.rawValue)"
                if let cap = definition.cap { shape += " cap \(cap)" }
                shape += ", \(definition.rebalance.rawValue), \(definition.returnKind.rawValue) return"
                if definition.buffer > 0 { shape += ", buffer \(definition.buffer)" }
                if !definition.universe.isAll {
                    let lists = [definition.universe.sectors, definition.universe.exchanges].filter { !$0.isEmpty }
                    shape += ", universe \(lists.map { $0.joined(separator: "|") }.joined(separator: " & "))"
                }
                let sessions =
                    if let first = stored.firstSession, let last = stored.lastSession {
                        "\(stored.sessions) sessions \(first)...\(last)"
                    } else {
                        "no session stored"
                    }
                let kind = stored.builtIn ? "built-in" : "added"
                return "\(definition.id)\t\(definition.name)\t(\(shape); \(kind))\t\(sessions)"
            }
        }

        /// Adds a definition from a JSON file; its history is built by the index-builder from stored data.
        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add an index definition from a JSON file; its history is computed from the stored prices "
                    + "and actions (the job's id is printed; --wait follows it)."
            )

            @Argument(help: "A JSON definition: {\"id\": \"tech50\", \"size\": 50, ...}.")
            var file: String

            @Option(name: .customLong("nats-url"), help: "NATS server URL (NATS_URL).")
            var natsURL: String?

            @Flag(help: "Wait until the job that builds the history has finished.")
            var wait = false

            @Option(help: "With --wait: seconds to wait at most.")
            var timeout: Double = 3600

            init() {}

            func run() async throws {
                let data: Data
                let definition: IndexDefinition
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: file))
                    definition = try IndexDefinition.parse(data)
                } catch let error as DefinitionError {
                    FileHandle.standardError.write(Data("indexctl index add: \(file): \(error)\n".utf8))
                    throw ExitCode(1)
                } catch {
                    FileHandle.standardError.write(Data("indexctl index add: cannot read \(file): \(error)\n".utf8))
                    throw ExitCode(1)
                }
                try await IndexCtl.Index.run("add", natsURL: natsURL) { client in
                    let sessions = try await client.storage.ask(SessionsQuery(index: definition.id, range: .coverage))
                    let outcome = try await DefinitionWorkflow.add(
                        definition, sessions: sessions.sessions,
                        define: {
                            try await client.storage.send(
                                DefineIndexCommand(definition: $0, jobID: $1), timeout: .seconds(10))
                        },
                        saveJob: { try await client.pipeline.publish($0) }
                    )
                    switch outcome {
                    case .idInUse(let existing):
                        throw OperatorError(
                            "the id '\(definition.id)' is in use by \(existing.builtIn ? "a built-in" : "an added") index"
                        )
                    case .created(let stored, let job):
                        print("added \(stored.definition.id); job \(job.id) builds \(job.sessionsTotal) sessions")
                        guard wait else { return }
                        let final = try await Self.follow(job.id, client: client, timeout: timeout)
                        guard final.status == .succeeded else {
                            throw OperatorError("job \(job.id) \(final.status.rawValue): \(final.error ?? "")")
                        }
                        print("job \(job.id) succeeded: \(final.sessionsDone) sessions")
                    }
                }
            }

            /// Polls the job's state until it is final.
            static func follow(_ id: String, client: PipelineClient, timeout: Double) async throws -> JobRecord {
                let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
                while ContinuousClock.now < deadline {
                    if let job = try await client.pipeline.latestJob(id), job.status.isFinal { return job }
                    try await Task.sleep(for: .milliseconds(200))
                }
                throw OperatorError("job \(id) did not finish within \(timeout) s")
            }
        }

        /// Removes an added definition and its results.
        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove an added index definition and every stored result of it (not a built-in one)."
            )

            @Argument(help: "The definition's id.")
            var id: String

            @Option(name: .customLong("nats-url"), help: "NATS server URL (NATS_URL).")
            var natsURL: String?

            init() {}

            func run() async throws {
                try await IndexCtl.Index.run("remove", natsURL: natsURL) { client in
                    switch try await client.storage.send(RemoveIndexCommand(id: id), timeout: .seconds(60)).outcome {
                    case .removed: print("removed \(id) and its results")
                    case .unknown: throw OperatorError("no index named '\(id)'")
                    case .builtIn: throw OperatorError("the built-in index '\(id)' cannot be removed")
                    }
                }
            }
        }

        /// Connects, runs `body`, closes; an operator error is one line on stderr and exit status 1.
        static func run(
            _ name: String, natsURL: String?, _ body: (PipelineClient) async throws -> Void
        ) async throws {
            do {
                let url = try natsURL ?? ServiceConfiguration().natsURL
                let client = try await PipelineClient.connect(natsURL: url)
                do {
                    try await body(client)
                } catch {
                    await client.close()
                    throw error
                }
                await client.close()
            } catch let error as OperatorError {
                FileHandle.standardError.write(Data("indexctl index \(name): \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
