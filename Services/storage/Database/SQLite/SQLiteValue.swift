/// A value to bind to a statement parameter, for the convenience overloads; hot paths bind typed values directly.
package enum SQLiteValue: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// A 64-bit integer.
    case integer(Int)
    /// A double (NaN binds as NULL: SQLite has no NaN).
    case real(Double)
    /// UTF-8 text.
    case text(String)
}

extension SQLiteValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByNilLiteral
{
    /// An integer literal.
    package init(integerLiteral value: Int) { self = .integer(value) }
    /// A floating-point literal.
    package init(floatLiteral value: Double) { self = .real(value) }
    /// A string literal.
    package init(stringLiteral value: String) { self = .text(value) }
    /// `nil`, SQL NULL.
    package init(nilLiteral: ()) { self = .null }
}
