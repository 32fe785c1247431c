import Foundation

/// What a vendor answered.
package struct VendorResponse: Sendable, Equatable {
    /// The status code.
    package var status: Int
    /// Header fields, names lowercased.
    package var headers: [String: String]
    /// The body.
    package var body: Data

    /// A response; header names are lowercased so lookups need not care how the server spelled them.
    package init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
        self.body = body
    }

    /// The value of header `name` (any case).
    package func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }
}
