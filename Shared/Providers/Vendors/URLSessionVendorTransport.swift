import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real `VendorTransport`: Foundation's `URLSession` (libcurl underneath on Linux).
package final class URLSessionVendorTransport: VendorTransport {
    private let session: URLSession

    /// A transport over an ephemeral session: no cookies, no disk cache, since vendor data must never come stale from a
    /// local cache.
    package init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    /// Sends the GET; a timeout or connection failure becomes `VendorTransportError`, anything with a status is
    /// returned.
    package func send(_ request: VendorRequest) async throws -> VendorResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = "GET"
        urlRequest.cachePolicy = .reloadIgnoringLocalCacheData
        urlRequest.timeoutInterval = Self.seconds(request.timeout)
        for (name, value) in request.headers {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest)
        } catch let error as URLError {
            if error.code == .cancelled, Task.isCancelled { throw CancellationError() }
            if error.code == .timedOut { throw VendorTransportError.timeout }
            // The URLError's description names the URL, and with it a query-string key: keep only the code.
            throw VendorTransportError.transport(message: "URLError \(error.code.rawValue)")
        } catch {
            if Task.isCancelled { throw CancellationError() }
            // Any other error may carry the URL in its user info too.
            let error = error as NSError
            throw VendorTransportError.transport(message: "\(error.domain) \(error.code)")
        }
        guard let http = response as? HTTPURLResponse else {
            throw VendorTransportError.transport(message: "not an HTTP response")
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name] = value }
        }
        return VendorResponse(status: http.statusCode, headers: headers, body: data)
    }

    /// Whole seconds, rounded up, at least one: swift-corelibs-foundation truncates the interval to whole seconds,
    /// so 0.3 s would time out at once and 1.5 s after one second (measured against a server that never answers).
    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return max(1, (TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18).rounded(.up))
    }
}
