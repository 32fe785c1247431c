/// Why a simulated market could not be configured.
package enum SimulatedMarketError: Error, Equatable, CustomStringConvertible {
    /// An environment variable has a value that does not parse.
    case invalidVariable(name: String, value: String, expected: String)

    /// A message naming the variable, its value and what was expected.
    package var description: String {
        switch self {
        case .invalidVariable(let name, let value, let expected):
            "\(name)=\"\(value)\" is invalid: expected \(expected)"
        }
    }
}
