import Contracts

/// A valid row with its rank among all valid rows of its session.
package struct RankedRow: Sendable, Equatable {
    /// 1-based rank: market cap descending, ties by ticker in UTF-8 byte order.
    package var rank: Int
    /// The row.
    package var row: ValidRow

    /// A ranked row.
    package init(rank: Int, row: ValidRow) {
        self.rank = rank
        self.row = row
    }
}
