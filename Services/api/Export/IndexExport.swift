import TradingCalendar

/// Everything `POST /export-data` hands out for a date range: performance, compositions, changes, a summary
/// and the index's definition.
///
/// Plain values, so the API fills it from storage replies and the writers here never see a wire type.
package struct IndexExport: Sendable, Equatable {
    /// One row per index session, in date order.
    package var performance: [PerformanceRow]
    /// One row per constituent per session, by date then rank.
    package var compositions: [CompositionRow]
    /// One row per ticker that entered or left, by date.
    package var changes: [ChangeRow]
    /// Summary statistics as ordered key/value pairs.
    package var summary: [SummaryEntry]
    /// The index definition's fields as ordered key/value pairs.
    package var definition: [SummaryEntry]

    /// An export of the given tables.
    package init(
        performance: [PerformanceRow], compositions: [CompositionRow], changes: [ChangeRow],
        summary: [SummaryEntry], definition: [SummaryEntry] = []
    ) {
        self.performance = performance
        self.compositions = compositions
        self.changes = changes
        self.summary = summary
        self.definition = definition
    }
}
