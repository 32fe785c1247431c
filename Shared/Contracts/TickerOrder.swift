/// The order of tickers wherever one is defined (storage's answers, the ranking's ties): UTF-8 byte order, which is
/// Unicode scalar order and SQLite's and PostgreSQL's `COLLATE "C"` order; not `String`'s `<`, which compares by
/// canonical equivalence.
package enum TickerOrder {
    /// Whether `left` comes before `right` in UTF-8 byte order.
    @inlinable
    package static func precedes(_ left: String, _ right: String) -> Bool {
        var left = left
        var right = right
        return left.withUTF8 { left in
            right.withUTF8 { right in
                for index in 0..<min(left.count, right.count) where left[index] != right[index] {
                    return left[index] < right[index]
                }
                return left.count < right.count
            }
        }
    }
}
