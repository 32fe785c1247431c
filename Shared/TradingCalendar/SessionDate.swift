/// A calendar date without time or time zone, stored as the number of days since 1970-01-01.
///
/// Conversions use Howard Hinnant's `days_from_civil` / `civil_from_days` algorithms on the proleptic Gregorian
/// calendar, so they need neither Foundation nor a `Calendar` and stay cheap enough for bulk CSV parsing.
package struct SessionDate: Hashable, Comparable, Sendable {
    /// Days since 1970-01-01 (negative before it).
    package let dayNumber: Int32

    /// Creates the date that lies `dayNumber` days after 1970-01-01.
    package init(dayNumber: Int32) {
        self.dayNumber = dayNumber
    }

    /// Creates a date from its Gregorian components; nil when they do not name a real date (Feb 30, month 13, ...).
    package init?(year: Int, month: Int, day: Int) {
        // The bound keeps the arithmetic below far from Int overflow; Int32 day numbers reach only ±5.8 million years.
        guard (-10_000_000...10_000_000).contains(year), (1...12).contains(month),
            day >= 1, day <= Self.daysInMonth(year: year, month: month),
            let dayNumber = Int32(exactly: Self.daysFromCivil(year: year, month: month, day: day))
        else { return nil }
        self.dayNumber = dayNumber
    }

    /// Creates a date from components known to be valid, trapping otherwise; for literals in this module.
    init(checkedYear year: Int, month: Int, day: Int) {
        guard let date = SessionDate(year: year, month: month, day: day) else {
            preconditionFailure("invalid date \(year)-\(month)-\(day)")
        }
        self = date
    }

    /// Parses exactly `YYYY-MM-DD` (four-digit year, two-digit month and day); nil for anything else.
    package init?(_ text: some StringProtocol) {
        self.init(utf8: text.utf8)
    }

    /// Parses exactly `YYYY-MM-DD` from UTF-8 bytes, e.g. a CSV field; nil for anything else.
    package init?(utf8 bytes: some Collection<UInt8>) {
        let contiguous = bytes.withContiguousStorageIfAvailable { Self.parseDayNumber(UnsafeRawBufferPointer($0)) }
        let parsed: Int32?
        switch contiguous {
        case .some(let result):
            parsed = result
        case .none:
            parsed = Self.parseDayNumberCopying(bytes)
        }
        guard let parsed else { return nil }
        self.dayNumber = parsed
    }

    /// Parses exactly `YYYY-MM-DD` from raw UTF-8 bytes without copying; nil for anything else.
    package init?(utf8 bytes: UnsafeRawBufferPointer) {
        guard let parsed = Self.parseDayNumber(bytes) else { return nil }
        self.dayNumber = parsed
    }

    /// The Gregorian year.
    package var year: Int { civil.year }

    /// The month, 1...12.
    package var month: Int { civil.month }

    /// The day of the month, 1...31.
    package var day: Int { civil.day }

    /// The day of the week.
    package var weekday: Weekday {
        // 1970-01-01 was a Thursday (raw value 4); the double modulo keeps dates before 1970 non-negative.
        let raw = ((Int(dayNumber) % 7) + 7 + 4) % 7
        return Weekday(rawValue: raw)!
    }

    /// The date `days` days later (earlier when negative); traps if the result leaves the Int32 day range.
    package func adding(days: Int) -> SessionDate {
        SessionDate(dayNumber: Int32(Int(dayNumber) + days))
    }

    /// Returns true when `lhs` is earlier than `rhs`.
    package static func < (lhs: SessionDate, rhs: SessionDate) -> Bool {
        lhs.dayNumber < rhs.dayNumber
    }

    /// Year, month and day in one pass, so callers needing several components pay for one conversion.
    package var civil: (year: Int, month: Int, day: Int) {
        // Hinnant's civil_from_days: shift the epoch to 0000-03-01 so the leap day ends each 400-year era.
        let z = Int(dayNumber) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Whether `year` has a February 29 in the proleptic Gregorian calendar.
    package static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` (1...12) of `year`.
    package static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Hinnant's days_from_civil for already validated components.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        // Counting years from March puts the leap day last, so the day-of-year formula needs no leap correction.
        let marchYear = month <= 2 ? year - 1 : year
        let era = (marchYear >= 0 ? marchYear : marchYear - 399) / 400
        let yearOfEra = marchYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The strict `YYYY-MM-DD` parser every entry point funnels into.
    static func parseDayNumber(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        var fields = (0, 0, 0)
        for index in 0..<10 where index != 4 && index != 7 {
            // Wrapping subtraction maps every non-digit byte above 9, so one comparison rejects them all.
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            switch index {
            case 0..<4: fields.0 = fields.0 * 10 + Int(digit)
            case 5, 6: fields.1 = fields.1 * 10 + Int(digit)
            default: fields.2 = fields.2 * 10 + Int(digit)
            }
        }
        let (year, month, day) = fields
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        return Int32(daysFromCivil(year: year, month: month, day: day))
    }

    /// Fallback for collections without contiguous storage; stops copying as soon as the input is too long.
    private static func parseDayNumberCopying(_ bytes: some Collection<UInt8>) -> Int32? {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(10)
        for byte in bytes {
            guard buffer.count < 10 else { return nil }
            buffer.append(byte)
        }
        return buffer.withUnsafeBytes { parseDayNumber($0) }
    }
}

extension SessionDate: CustomStringConvertible {
    /// The date as `YYYY-MM-DD`, zero padded.
    package var description: String {
        let (year, month, day) = civil
        guard (0...9999).contains(year) else {
            // Out-of-range years cannot fit four digits; keep them readable rather than fixed width.
            return "\(year)-\(Self.twoDigits(month))-\(Self.twoDigits(day))"
        }
        return String(unsafeUninitializedCapacity: 10) { buffer in
            let zero = UInt8(ascii: "0")
            buffer[0] = zero + UInt8(year / 1000)
            buffer[1] = zero + UInt8(year / 100 % 10)
            buffer[2] = zero + UInt8(year / 10 % 10)
            buffer[3] = zero + UInt8(year % 10)
            buffer[4] = UInt8(ascii: "-")
            buffer[5] = zero + UInt8(month / 10)
            buffer[6] = zero + UInt8(month % 10)
            buffer[7] = UInt8(ascii: "-")
            buffer[8] = zero + UInt8(day / 10)
            buffer[9] = zero + UInt8(day % 10)
            return 10
        }
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}

extension SessionDate: Codable {
    /// Decodes the single string `YYYY-MM-DD`; throws `DecodingError.dataCorrupted` for anything else.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = SessionDate(text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "Expected a date formatted as YYYY-MM-DD, got \"\(text)\""
            )
        }
        self = date
    }

    /// Encodes the date as the single string `YYYY-MM-DD`.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
