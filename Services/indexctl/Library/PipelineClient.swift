import Contracts
import Foundation
import Logging
import Pipeline
import ServiceSupport
import Synchronization
import TradingCalendar

/// What `indexctl` needs of the live services: the pipeline (publishing, storage, following) for one index.
struct PipelineClient {
    let pipeline: NATSPipeline
    let index: String

    /// Storage, as every command asks it.
    var storage: any StorageAsking { pipeline.storage }

    /// Connects, failing fast with a clear message when NATS or storage is not there.
    static func connect(natsURL: String, index: String = Indexes.defaultID) async throws -> PipelineClient {
        var logger = Logger(label: "indexctl")
        logger.logLevel = .error
        let pipeline: NATSPipeline
        do {
            pipeline = try await NATSPipeline.connectTool(url: natsURL, name: "indexctl", logger: logger)
        } catch {
            throw OperatorError("cannot reach NATS at \(natsURL) (is the stack up? make up): \(error)")
        }
        do {
            _ = try await pipeline.storage.ask(StatusQuery(index: index))
        } catch {
            await pipeline.close()
            throw OperatorError("the storage service does not answer on NATS at \(natsURL): \(error)")
        }
        return PipelineClient(pipeline: pipeline, index: index)
    }

    /// Every NYSE session with a stored price batch.
    func storedSessions() async throws -> Set<SessionDate> {
        let records = try await storage.ask(SessionsQuery(index: index, range: .coverage)).sessions
        return Set(records.map(\.date).filter(NYSECalendar.standard.isSession))
    }

    /// Follows a run to its end with a progress line, turning its failure into the operator's one line.
    func follow(_ target: FollowTarget, stallTimeout: Duration, label: String) async throws {
        let progress = ProgressLine(Progress(label: label, total: target.sessions.count))
        defer { progress.finish() }
        do {
            try await pipeline.follower().follow(target, stallTimeout: stallTimeout) { now in
                progress.update(now.done)
            }
        } catch let failure as FollowFailure {
            throw OperatorError("\(failure)")
        }
    }

    func close() async { await pipeline.close() }
}

/// The progress line, shared with the follower's callback.
final class ProgressLine: Sendable {
    private let progress: Mutex<Progress>

    init(_ progress: Progress) { self.progress = Mutex(progress) }

    func update(_ done: Int) { progress.withLock { $0.update(done) } }

    func finish() { progress.withLock { $0.finish() } }
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
