import Foundation

/// A GET request to a vendor.
package struct VendorRequest: Sendable, Equatable {
    /// The full URL, query (and possibly an API key) included; never log it as is.
    package var url: URL
    /// Extra header fields (an `Authorization` header for bearer-token vendors).
    package var headers: [String: String]
    /// How long to wait for the response before giving up.
    package var timeout: Duration

    /// A request for `url`.
    package init(url: URL, headers: [String: String] = [:], timeout: Duration) {
        self.url = url
        self.headers = headers
        self.timeout = timeout
    }
}
