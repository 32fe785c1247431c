import Foundation

/// Counter-based random numbers: every draw is a pure function of its key, so any day of any ticker can be
/// regenerated on its own and in any order, bit for bit.
enum SimHash {
    /// The SplitMix64 increment (2^64 / golden ratio); spreads consecutive counters over the whole state space.
    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The SplitMix64 finaliser: a bijective avalanche of 64 bits.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A key derived from a parent key and a label, e.g. (seed, ticker) or (ticker key, stream).
    @inline(__always)
    static func key(_ parent: UInt64, _ label: UInt64) -> UInt64 {
        mix(mix(parent &+ gamma) ^ (label &* 0xD6E8_FEB8_6659_FD93))
    }

    /// The draw number `counter` of the stream `key` (SplitMix64 with its state at key + counter * gamma).
    @inline(__always)
    static func draw(_ key: UInt64, _ counter: UInt64) -> UInt64 {
        mix(key &+ counter &* gamma)
    }

    /// A uniform value in the open interval (0, 1) from the top 53 bits.
    @inline(__always)
    static func unit(_ bits: UInt64) -> Double {
        (Double(bits >> 11) + 0.5) * 0x1p-53
    }

    /// A uniform value in [0, 1) from 16 bits starting at bit `shift`; for cosmetic noise where 16 bits suffice.
    @inline(__always)
    static func unit16(_ bits: UInt64, shift: UInt64) -> Double {
        Double((bits >> shift) & 0xFFFF) * 0x1p-16
    }

    /// A standard normal value from the top 53 bits, by inverting the normal CDF.
    @inline(__always)
    static func normal(_ bits: UInt64) -> Double {
        inverseNormal(unit(bits))
    }

    /// The standard normal quantile of `p` in (0, 1), Acklam's rational approximation (relative error < 1.2e-9).
    ///
    /// Inversion rather than Box-Muller or a ziggurat: one draw gives one value with no rejection loop, and the
    /// central branch, taken 95 % of the time, needs no transcendental function.
    static func inverseNormal(_ p: Double) -> Double {
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return tail(q)
        }
        if p > 1 - low {
            let q = (-2 * log(1 - p)).squareRoot()
            return -tail(q)
        }
        let q = p - 0.5
        let r = q * q
        var numerator = -3.969683028665376e+01 * r + 2.209460984245205e+02
        numerator = numerator * r - 2.759285104469687e+02
        numerator = numerator * r + 1.383577518672690e+02
        numerator = numerator * r - 3.066479806614716e+01
        numerator = (numerator * r + 2.506628277459239e+00) * q
        var denominator = -5.447609879822406e+01 * r + 1.615858368580409e+02
        denominator = denominator * r - 1.556989798598866e+02
        denominator = denominator * r + 6.680131188771972e+01
        denominator = denominator * r - 1.328068155288572e+01
        denominator = denominator * r + 1
        return numerator / denominator
    }

    /// The lower-tail branch of `inverseNormal` for q = sqrt(-2 log p).
    private static func tail(_ q: Double) -> Double {
        var numerator = -7.784894002430293e-03 * q - 3.223964580411365e-01
        numerator = numerator * q - 2.400758277161838e+00
        numerator = numerator * q - 2.549732539343734e+00
        numerator = numerator * q + 4.374664141464968e+00
        numerator = numerator * q + 2.938163982698783e+00
        var denominator = 7.784695709041462e-03 * q + 3.224671290700398e-01
        denominator = denominator * q + 2.445134137142996e+00
        denominator = denominator * q + 3.754408661907416e+00
        denominator = denominator * q + 1
        return numerator / denominator
    }
}
