import Logging
import Synchronization

/// Collects what loggers made from it emit, so tests can assert on levels, messages and metadata.
final class LogCapture: Sendable {
    /// One emitted log line.
    struct Record: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }

    private let storage = Mutex<[Record]>([])

    /// A logger at trace level that records into this capture.
    var logger: Logger {
        Logger(label: "resilience-tests") { _ in CapturingHandler(capture: self) }
    }

    /// Everything logged so far, in order.
    var records: [Record] {
        storage.withLock { $0 }
    }

    fileprivate func append(_ record: Record) {
        storage.withLock { $0.append(record) }
    }
}

/// The handler behind `LogCapture.logger`.
private struct CapturingHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        capture.append(.init(level: event.level, message: event.message.description, metadata: merged))
    }
}
