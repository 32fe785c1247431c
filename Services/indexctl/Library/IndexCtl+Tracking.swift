import Contracts
import Foundation
import NATSClient
import ServiceSupport
import TradingCalendar

/// Waiting until the pipeline has computed and stored a set of sessions, with progress and failure detection.
struct SessionTracker {
    let client: PipelineClient
    let watch: DeadLetterWatch
    /// The batch expected per date; nil accepts whatever batch is stored.
    let expected: [SessionDate: String?]
    /// Subjects whose dead letter fails the run even without a date in them (the replay request).
    let extraSubjects: Set<String>
    /// How long without progress before giving up.
    let stallTimeout: Duration
    let label: String

    /// Returns when every expected session is stored (and computed, for sessions with valid rows).
    func run() async throws {
        guard let first = expected.keys.min(), let last = expected.keys.max() else { return }
        let calendar = NYSECalendar.standard
        var progress = Progress(label: label, total: expected.count)
        defer { progress.finish() }
        var best = -1
        var lastProgress = ContinuousClock.now
        while true {
            let records: [SessionDate: SessionRecord]
            do {
                records = try await client.records(DateRange(start: first, end: last))
            } catch {
                // A service or the broker restarting is no failure: it only counts against the stall timeout.
                if ContinuousClock.now - lastProgress > stallTimeout {
                    throw OperatorError("storage has not answered for \(Int(stallTimeout.seconds)) s: \(error)")
                }
                try await Task.sleep(for: .milliseconds(500))
                continue
            }
            var pending: [SessionDate] = []
            for (date, batch) in expected {
                guard let record = records[date], batch == nil || record.batchID == batch,
                    !calendar.isSession(date) || record.isComplete
                else {
                    pending.append(date)
                    continue
                }
            }
            let done = expected.count - pending.count
            progress.update(done)
            let letters = watch.matching(dates: Set(expected.keys), subjects: extraSubjects)
            if !letters.isEmpty {
                let lines = letters.prefix(5).map { "  \($0.subject): \($0.reason)" }.joined(separator: "\n")
                throw OperatorError("\(letters.count) message(s) were dead-lettered:\n\(lines)")
            }
            if pending.isEmpty { return }
            if done > best {
                best = done
                lastProgress = ContinuousClock.now
            } else if ContinuousClock.now - lastProgress > stallTimeout {
                let waiting = pending.sorted().prefix(5).map(\.description).joined(separator: ", ")
                throw OperatorError(
                    "no progress for \(Int(stallTimeout.seconds)) s; \(pending.count) session(s) not computed yet: "
                        + waiting + (pending.count > 5 ? ", ..." : "")
                )
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

extension PipelineClient {
    /// One line about the stored index over a range, for the end of a run.
    func summary(_ range: DateRange) async throws -> String {
        let points = try await storage.ask(PerformanceQuery(index: index, range: range)).points
        guard let first = points.first, let last = points.last else {
            return "no index session in \(range.start)...\(range.end)"
        }
        let total = last.level / first.level - 1
        return
            "\(points.count) index sessions \(first.date)...\(last.date); level \(String(format: "%.4f", last.level)) on "
            + "\(last.date); return over the range \(String(format: "%.4f", total * 100)) %"
    }
}
