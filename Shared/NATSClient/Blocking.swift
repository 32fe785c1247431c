import Dispatch
import Resilience

/// Owns C strings for the duration of a libnats call whose config structs borrow them.
final class CStrings {
    private var pointers: [UnsafeMutablePointer<CChar>] = []

    /// A copy of `text` that lives as long as this object.
    func callAsFunction(_ text: String) -> UnsafePointer<CChar> {
        let pointer = strdup(text)!
        pointers.append(pointer)
        return UnsafePointer(pointer)
    }

    /// A copy of `text`, or nil.
    func optional(_ text: String?) -> UnsafePointer<CChar>? {
        text.map { self($0) }
    }

    deinit { for pointer in pointers { free(pointer) } }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
