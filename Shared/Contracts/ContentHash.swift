import Foundation

/// A 128-bit content hash (two FNV-1a 64 lanes) for message ids: equal content, equal id.
///
/// Not cryptographic: it names deliveries for JetStream's de-duplication window, where a collision would need two
/// different batches of the same date within minutes.
package enum ContentHash {
    /// The hash of `bytes` as 32 hex digits.
    package static func hex(_ bytes: Data) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x6c62_272e_07bb_0142
        bytes.withUnsafeBytes { raw in
            for byte in raw {
                first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
                second = (second ^ UInt64(byte ^ 0x5A)) &* 0x0000_0100_0000_01B3
            }
        }
        return String(format: "%016llx%016llx", first, second)
    }
}
