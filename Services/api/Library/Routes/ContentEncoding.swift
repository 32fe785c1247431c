import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// gzip for bodies over a kilobyte when the client accepts it. Cached answers keep their compressed form, so a
/// cache hit costs no compression.
enum ContentEncoding {
    /// Bodies smaller than this go out as they are: compressing them saves less than it costs.
    static let minimumBytes = 1024

    /// Whether the request's `Accept-Encoding` allows gzip (a `q=0` refuses it).
    static func acceptsGzip(_ request: Request) -> Bool {
        guard let header = request.headers[.acceptEncoding] else { return false }
        return header.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.first == "gzip" || parts.first == "*" else { return false }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
    }

    /// The gzip form of `body`, or nil when it is too small to be worth it.
    static func gzip(_ body: ByteBuffer) -> ByteBuffer? {
        guard body.readableBytes >= minimumBytes else { return nil }
        var input = body
        return try? input.compress(with: .gzip())
    }

    /// A response with `body`, gzip-compressed (from `compressed` when given) if the client accepts it.
    static func response(
        _ request: Request, status: HTTPResponse.Status = .ok, headers: HTTPFields, body: ByteBuffer,
        compressed: ByteBuffer?? = nil
    ) -> Response {
        var headers = headers
        headers[.vary] = "Accept-Encoding"
        if acceptsGzip(request), let gzipped = compressed ?? gzip(body) {
            headers[.contentEncoding] = "gzip"
            return Response(status: status, headers: headers, body: .init(byteBuffer: gzipped))
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}
