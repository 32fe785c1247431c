import TradingCalendar

extension Statement {
    /// Binds a date as its `YYYY-MM-DD` text, the form every date column holds (text order is date order).
    package func bind(_ date: SessionDate, at index: Int32) throws {
        try bind(date.description, at: index)
    }

    /// Binds an optional date; nil binds NULL.
    package func bind(_ date: SessionDate?, at index: Int32) throws {
        guard let date else { return try bindNull(at: index) }
        try bind(date, at: index)
    }

    /// Column `index` as a date; throws when it does not hold `YYYY-MM-DD`.
    package func date(at index: Int32) throws -> SessionDate {
        guard let date = withBytes(at: index, { SessionDate(utf8: $0) }) else {
            throw SQLiteError.corrupt("not a YYYY-MM-DD date: \(string(at: index))", sql: sql)
        }
        return date
    }

    /// Column `index` as a date, nil when NULL.
    package func optionalDate(at index: Int32) throws -> SessionDate? {
        isNull(at: index) ? nil : try date(at: index)
    }
}
