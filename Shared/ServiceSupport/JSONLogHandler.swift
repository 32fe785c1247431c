import Foundation
import Logging

/// Writes one JSON object per record to standard error: time, level, label, message, metadata, source.
package struct JSONLogHandler: LogHandler {
    /// The logger label (the service name).
    package let label: String
    /// The minimum level written.
    package var logLevel: Logger.Level
    /// Metadata added to every record.
    package var metadata: Logger.Metadata = [:]
    private let output: @Sendable (String) -> Void

    /// A handler writing to standard error, or to `output` (tests).
    package init(label: String, level: Logger.Level, output: (@Sendable (String) -> Void)? = nil) {
        self.label = label
        self.logLevel = level
        self.output = output ?? { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// Metadata by key.
    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes a record.
    package func log(event: LogEvent) {
        var object: [String: Any] = [
            "ts": Self.timestamp(),
            "level": event.level.rawValue,
            "logger": label,
            "msg": event.message.description,
        ]
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for (key, value) in merged { object[key] = Self.jsonValue(value) }
        if event.level >= .warning { object["source"] = "\(event.file):\(event.line)" }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
            let line = String(data: data, encoding: .utf8)
        else { return }
        output(line)
    }

    private static func jsonValue(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(jsonValue)
        case .dictionary(let values): values.mapValues(jsonValue)
        }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var time = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &time)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", time.tm_year + 1900, time.tm_mon + 1, time.tm_mday,
            time.tm_hour, time.tm_min, time.tm_sec, now.tv_nsec / 1_000_000
        )
    }
}
