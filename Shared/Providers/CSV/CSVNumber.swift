/// Parses CSV numeric fields from bytes: plain decimals fast, everything else through the standard library.
enum CSVNumber {
    /// The value of `bytes` (already trimmed), nil when it is not a number.
    ///
    /// Accepts an optional sign, digits with an optional fraction and exponent, and `nan`, `inf`, `infinity`
    /// in any case with an optional sign (non-finite values are data the validator rejects, not missing ones).
    /// Up to 19 significant digits and a power of ten within ±22 are computed exactly as one correctly rounded
    /// multiplication or division (Clinger's fast path), so the result equals `Double(String)`'s; other
    /// well-formed decimals go to `Double(String)`. Hexadecimal floats are not numbers here.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Double? {
        let count = bytes.count
        guard count > 0 else { return nil }
        let negative = bytes[0] == UInt8(ascii: "-")
        let signLength = negative || bytes[0] == UInt8(ascii: "+") ? 1 : 0
        var index = signLength
        var mantissa: UInt64 = 0
        var digits = 0
        var significant = 0
        var fractionDigits = 0
        var dropped = false
        while index < count, bytes[index] &- UInt8(ascii: "0") < 10 {
            accumulate(bytes[index], &mantissa, &significant, &dropped, fraction: false, &fractionDigits)
            digits += 1
            index += 1
        }
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < count, bytes[index] &- UInt8(ascii: "0") < 10 {
                accumulate(bytes[index], &mantissa, &significant, &dropped, fraction: true, &fractionDigits)
                digits += 1
                index += 1
            }
        }
        guard digits > 0 else { return special(bytes, from: signLength, negative: negative) }
        var exponent = 0
        if index < count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var exponentDigits = 0
            while index < count, bytes[index] &- UInt8(ascii: "0") < 10 {
                // Saturates: an exponent this large is out of Double's range either way, and strtod handles it.
                exponent = min(exponent * 10 + Int(bytes[index] &- UInt8(ascii: "0")), 100_000)
                exponentDigits += 1
                index += 1
            }
            guard exponentDigits > 0 else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        guard index == count else { return nil }
        var power = exponent - fractionDigits
        // "49655.0" is an integer: dropping zeros saves the division (slow) in the common case.
        while power < 0, mantissa != 0, mantissa % 10 == 0 {
            mantissa /= 10
            power += 1
        }
        if !dropped, mantissa < 1 << 53, (-22...22).contains(power) {
            var value = Double(mantissa)
            if power < 0 {
                value /= powersOfTen[-power]
            } else {
                value *= powersOfTen[power]
            }
            return negative ? -value : value
        }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    /// Adds one digit to the mantissa, noting digits that no longer fit in 19 significant ones.
    @inline(__always)
    private static func accumulate(
        _ byte: UInt8, _ mantissa: inout UInt64, _ significant: inout Int, _ dropped: inout Bool, fraction: Bool,
        _ fractionDigits: inout Int
    ) {
        let digit = UInt64(byte &- UInt8(ascii: "0"))
        if significant == 0 && digit == 0 {
            // Leading zeros are not significant, but a zero after the point still shifts the value.
            if fraction { fractionDigits += 1 }
            return
        }
        if significant < 19 {
            mantissa = mantissa * 10 + digit
            significant += 1
            if fraction { fractionDigits += 1 }
        } else {
            dropped = true
        }
    }

    /// `nan`, `inf` or `infinity` in any case from `start`; nil for anything else.
    private static func special(_ bytes: UnsafeRawBufferPointer, from start: Int, negative: Bool) -> Double? {
        let length = bytes.count - start
        guard length == 3 || length == 8 else { return nil }
        var word: [UInt8] = []
        word.reserveCapacity(length)
        for index in start..<bytes.count { word.append(bytes[index] | 0x20) }
        switch String(decoding: word, as: UTF8.self) {
        case "nan": return .nan
        case "inf", "infinity": return negative ? -.infinity : .infinity
        default: return nil
        }
    }

    /// 10^0 ... 10^22, each exactly representable as a Double; a literal, so it is initialised statically.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]
}
