import Contracts
import Foundation
import Logging
import NATSClient
import ServiceSupport
import Synchronization
import TradingCalendar

/// What `indexctl` needs of the live services: NATS, JetStream, storage queries, and a watch on dead letters.
struct PipelineClient {
    let connection: NATSConnection
    let jetStream: JetStream
    let storage: StorageClient
    let index: String

    /// Connects, failing fast with a clear message when NATS or storage is not there.
    static func connect(natsURL: String, index: String = Subjects.defaultIndex) async throws -> PipelineClient {
        var logger = Logger(label: "indexctl")
        logger.logLevel = .error
        let connection: NATSConnection
        do {
            connection = try await NATSConnection.connect(
                NATSConnectionOptions(url: natsURL, name: "indexctl", retryOnFailedConnect: false), logger: logger
            )
        } catch {
            throw OperatorError("cannot reach NATS at \(natsURL) (is the stack up? make up): \(error)")
        }
        let storage = StorageClient(connection: connection, logger: logger, timeout: .seconds(15), attempts: 3)
        do {
            _ = try await storage.ask(StatusQuery(index: index))
        } catch {
            await connection.close()
            throw OperatorError("the storage service does not answer on NATS at \(natsURL): \(error)")
        }
        return PipelineClient(
            connection: connection, jetStream: try connection.jetStream(), storage: storage, index: index)
    }

    /// Every NYSE session with a stored price batch.
    func storedSessions() async throws -> Set<SessionDate> {
        let records = try await storage.ask(SessionsQuery(index: index, range: .coverage)).sessions
        return Set(records.map(\.date).filter(NYSECalendar.standard.isSession))
    }

    /// Stored records of a range, by date.
    func records(_ range: DateRange) async throws -> [SessionDate: SessionRecord] {
        let records = try await storage.ask(SessionsQuery(index: index, range: range)).sessions
        return Dictionary(records.map { ($0.date, $0) }, uniquingKeysWith: { $1 })
    }

    /// Waits until every pipeline consumer has nothing pending and nothing unacknowledged, twice in a row.
    func waitForDrain(timeout: Duration) async throws {
        let consumers = Topology.pipeline.stageConsumers
        let deadline = ContinuousClock.now + timeout
        var quiet = 0
        while quiet < 2 {
            var busy = false
            for consumer in consumers {
                // Unreachable (a broker restart) counts as busy.
                let state = try? await jetStream.consumerState(stream: consumer.stream, durable: consumer.durable)
                if !(state?.isIdle ?? false) { busy = true }
            }
            quiet = busy ? 0 : quiet + 1
            if ContinuousClock.now > deadline {
                throw OperatorError("the pipeline did not drain within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func close() async { await connection.close() }
}

/// Collects dead letters published while a command runs.
final class DeadLetterWatch: Sendable {
    private final class Letters: Sendable {
        let list = Mutex<[(subject: String, reason: String)]>([])
    }

    private let letters = Letters()
    private let task: Task<Void, Never>

    init(connection: NATSConnection) throws {
        let subscription = try connection.subscribe(Subjects.Wildcard.deadLetters)
        let letters = self.letters
        task = Task {
            for await message in subscription {
                let subject = message.headers[NATSHeader.deadLetterSubject] ?? String(message.subject.dropFirst(4))
                let reason = message.headers[NATSHeader.deadLetterReason] ?? "no reason given"
                letters.list.withLock { $0.append((subject, reason)) }
            }
        }
        // The subscription must be registered before anything is published.
    }

    /// Dead letters whose subject names a date in `dates`, or the given extra subjects.
    func matching(dates: Set<SessionDate>, subjects: Set<String> = []) -> [(subject: String, reason: String)] {
        letters.list.withLock { all in
            all.filter { letter in
                subjects.contains(letter.subject)
                    || Subjects.sessionDate(of: letter.subject).map(dates.contains) == true
            }
        }
    }

    func stop() { task.cancel() }
}

/// A failure the operator gets as one clear line and a non-zero exit.
struct OperatorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Progress on a terminal: one line rewritten in place when standard error is a terminal, a line per step
/// otherwise.
struct Progress {
    let label: String
    let total: Int
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastPrinted = -1
    private let started = ContinuousClock.now

    init(label: String, total: Int) {
        self.label = label
        self.total = total
    }

    mutating func update(_ done: Int, detail: String = "") {
        guard done != lastPrinted else { return }
        lastPrinted = done
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let width = 30
        let filled = total == 0 ? width : min(width, width * done / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\(label) [\(bar)] \(done)/\(total) sessions  \(String(format: "%.1f", seconds))s \(detail)"
        if isTerminal {
            FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
        } else if done == total || done % max(1, total / 10) == 0 {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
