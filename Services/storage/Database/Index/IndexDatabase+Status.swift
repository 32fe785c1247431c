import Contracts
import TradingCalendar

extension IndexDatabase {
    /// Last and first sessions stored and row counts, for operators.
    ///
    /// `priceRows` is the sum of the session records' valid rows (equal to the rows stored, without scanning them);
    /// `rejectedRows` counts every stored rejection, those of replaced batches included.
    package func status(index: String) throws -> StatusReply {
        try read { connection in
            let prices = try connection.queryFirst(
                "SELECT (SELECT max(date) FROM prices), (SELECT coalesce(sum(valid_rows), 0) FROM sessions)"
            ) { (try $0.optionalDate(at: 0), $0.int(at: 1)) }
            let levels = try connection.queryFirst(
                "SELECT max(date), min(date), count(*) FROM index_levels WHERE index_id = ?", [.text(index)]
            ) { (try $0.optionalDate(at: 0), try $0.optionalDate(at: 1), $0.int(at: 2)) }
            let rejected = try connection.queryFirst("SELECT count(*) FROM rejections") { $0.int(at: 0) }
            return StatusReply(
                lastPriceSession: prices?.0, lastIndexSession: levels?.0, firstIndexSession: levels?.1,
                priceRows: prices?.1 ?? 0, rejectedRows: rejected ?? 0, indexSessions: levels?.2 ?? 0
            )
        }
    }
}
