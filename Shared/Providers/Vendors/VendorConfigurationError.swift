/// A vendor setting that is missing or does not parse; never carries the key itself.
package enum VendorConfigurationError: Error, Equatable, CustomStringConvertible {
    /// A required variable is unset.
    case missing(name: String, expected: String)
    /// A variable does not parse.
    case invalid(name: String, value: String, expected: String)
    /// A file named by a variable cannot be read or is empty.
    case unreadable(name: String, path: String)
    /// A variable that is no longer read is set; `reason` says why it went and what to do.
    case retired(name: String, reason: String)

    /// One line for the operator.
    package var description: String {
        switch self {
        case .missing(let name, let expected): "\(name) is not set: expected \(expected)"
        case .invalid(let name, let value, let expected): "\(name)=\(value) is invalid: expected \(expected)"
        case .unreadable(let name, let path): "\(name)=\(path): cannot read a non-empty file"
        case .retired(let name, let reason): "\(name) is no longer supported: \(reason)"
        }
    }
}
