import Contracts
import Foundation
import Logging
import Pipeline
import TestSupport
import TradingCalendar

/// Sessions and rows shared by the stage tests.
enum Days {
    /// Tuesday 2 January 2024, the first session of the year, and the sessions after it.
    static let day1 = SessionDate("2024-01-02")!
    static let day2 = SessionDate("2024-01-03")!
    static let day3 = SessionDate("2024-01-04")!
    /// A Saturday.
    static let saturday = SessionDate("2024-01-06")!

    /// A raw row whose close and market cap derive from `seed`.
    static func raw(_ date: SessionDate, _ ticker: String, _ seed: Double) -> PriceRow {
        PriceRow(
            date: date, ticker: ticker, open: seed, high: seed + 1, low: seed - 1, close: seed, volume: 100,
            marketCap: seed * 1e9
        )
    }

    /// A valid row whose close and market cap derive from `seed`.
    static func valid(_ ticker: String, _ seed: Double) -> ValidRow {
        ValidRow(
            ticker: ticker, open: seed, high: seed + 1, low: seed - 1, close: seed, volume: 100, marketCap: seed * 1e9
        )
    }

    /// A validated batch of `date` with rows A and B.
    static func validated(_ date: SessionDate, a: Double, b: Double, replay: ReplayMark? = nil) -> ValidatedBatch {
        ValidatedBatch(
            batchID: "v-\(date)", date: date, source: "sim", replay: replay, rows: [valid("A", a), valid("B", b)],
            stocks: [], receivedRows: 2, rejectedRows: 0
        )
    }
}

extension Delivery {
    /// A delivery of `message` whose handle is a ``FakeDelivery`` the test can inspect.
    static func fake(_ message: Message, sequence: UInt64 = 1, deliveries: Int = 1) throws -> (Self, FakeDelivery)
    where Message: PipelineMessage {
        let control = try FakeDelivery(message, sequence: sequence, deliveries: deliveries)
        return (Delivery(message: message, control: control), control)
    }
}

extension Logger {
    /// A quiet logger for stage tests.
    static let stage = Logger.test("stage")
}

/// Whether an outcome is `.done`, `.deferred`, `.permanent` or `.failed`, for comparisons.
enum Outcome: Equatable {
    case done, deferred, permanent, failed

    init(_ outcome: MessageOutcome) {
        switch outcome {
        case .done: self = .done
        case .deferred: self = .deferred
        case .permanent: self = .permanent
        case .failed: self = .failed
        }
    }
}
