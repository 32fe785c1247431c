import TradingCalendar

/// A fixed window of calendar days that FMP histories are fetched and cached by: the window a date falls in is
/// fixed, so neighbouring dates of a back-fill share one request per ticker.
package struct FMPBlock: Hashable, Sendable {
    /// The block's index: `floor(dayNumber / length)`.
    package var index: Int
    /// Days per block.
    package var length: Int

    /// The block containing `date`.
    package init(containing date: SessionDate, length: Int) {
        precondition(length >= 1, "a block has at least one day")
        let day = Int(date.dayNumber)
        // Floor division, so dates before 1970 land in the right block.
        index = day >= 0 ? day / length : -((-day + length - 1) / length)
        self.length = length
    }

    /// The first day.
    package var first: SessionDate { SessionDate(dayNumber: Int32(index * length)) }
    /// The last day.
    package var last: SessionDate { SessionDate(dayNumber: Int32(index * length + length - 1)) }
}
