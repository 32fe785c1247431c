import Contracts
import TradingCalendar

/// The SQL of reading corporate actions.
private enum ActionSQL {
    static let inRange = """
        SELECT date, ticker, kind, value, rejection FROM corporate_actions
        WHERE date BETWEEN ?1 AND ?2 AND (?3 IS NULL OR ticker = ?3) AND (?4 = 0 OR rejection IS NULL)
        ORDER BY date, ticker, batch_date, position
        """
    static let ofBatch = """
        SELECT date, ticker, kind, value, rejection FROM corporate_actions WHERE batch_date = ? ORDER BY position
        """
}

extension IndexDatabase {
    /// The stored actions dated in `range` (every session's current batch's), by date, ticker and batch order.
    /// - Parameters:
    ///   - ticker: only this ticker's; nil for all.
    ///   - acceptedOnly: leave the rejected ones out.
    package func corporateActions(
        range: DateRange, ticker: String? = nil, acceptedOnly: Bool = false
    ) throws -> [ValidatedAction] {
        try read { connection in
            try connection.query(
                ActionSQL.inRange,
                [
                    .text(range.start.description), .text(range.end.description), ticker.map { .text($0) } ?? .null,
                    .integer(acceptedOnly ? 1 : 0),
                ],
                Self.action
            )
        }
    }

    /// The accepted splits dated in `range`, in date order (the validator's adjusted `price_jump` reads them).
    package func acceptedSplits(range: DateRange) throws -> [AcceptedAction] {
        try corporateActions(range: range, acceptedOnly: true).compactMap(AcceptedAction.init).filter {
            $0.kind == .split
        }
    }

    /// The actions of the batch stored for `batchDate`, in the batch's order, in the open read transaction.
    static func actions(ofBatch batchDate: SessionDate, in connection: SQLiteConnection) throws -> [ValidatedAction] {
        try connection.query(ActionSQL.ofBatch, [.text(batchDate.description)], action)
    }

    /// A stored action from a row of (date, ticker, kind, value, rejection).
    static func action(_ row: Statement) throws -> ValidatedAction {
        var rejection: ActionRejectionReason?
        if let raw = row.optionalString(at: 4) {
            guard let reason = ActionRejectionReason(rawValue: raw) else {
                throw SQLiteError.corrupt("unknown action rejection \(raw)")
            }
            rejection = reason
        }
        return ValidatedAction(
            action: CorporateAction(
                date: try row.date(at: 0), ticker: row.string(at: 1), kind: row.string(at: 2),
                value: try row.doubleKeepingNonFinite(at: 3)
            ),
            rejection: rejection
        )
    }
}
