/// Why a `VendorTransport` got no response at all.
package enum VendorTransportError: Error, Equatable, CustomStringConvertible {
    /// No response within the request's timeout.
    case timeout
    /// The connection failed (refused, reset, DNS, TLS); `message` is the system's one-line reason.
    case transport(message: String)

    /// One line, without the URL (it may carry a key).
    package var description: String {
        switch self {
        case .timeout: "timed out"
        case .transport(let message): "transport failure: \(message)"
        }
    }
}
