import Contracts
import Pipeline
import TradingCalendar

/// What the scheduler asks storage: the last stored session.
package protocol StoredSessionLedger: Sendable {
    /// The latest NYSE session with a stored batch, on or before `date`; nil when there is none.
    func lastStoredSession(onOrBefore date: SessionDate) async throws -> SessionDate?
}

/// The ledger over storage's `sessions` query.
package struct StorageSessionLedger: StoredSessionLedger {
    private let storage: any StorageAsking
    private let index: String
    private let calendar: NYSECalendar
    /// Calendar days looked at first: a healthy schedule finds its last session in this window, in one small reply.
    private let window: Int

    /// A ledger asking `storage` about `index`.
    package init(storage: any StorageAsking, index: String, calendar: NYSECalendar = .standard, window: Int = 62) {
        self.storage = storage
        self.index = index
        self.calendar = calendar
        self.window = window
    }

    /// Looks at the session records of the recent window; when it holds none, at storage's status (the last
    /// session with stored prices), which stays one small reply however long the stored series is.
    package func lastStoredSession(onOrBefore date: SessionDate) async throws -> SessionDate? {
        let start = max(NYSECalendar.coverage.lowerBound, date.adding(days: -window))
        let records = try await storage.ask(SessionsQuery(index: index, range: DateRange(start: start, end: date)))
        if let last = records.sessions.map(\.date).filter(calendar.isSession).max() { return last }
        let status = try await storage.ask(StatusQuery(index: index))
        return [status.lastPriceSession, status.lastIndexSession].compactMap { $0 }.filter { $0 <= date }.max()
    }
}
