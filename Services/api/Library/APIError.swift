import Foundation
import Hummingbird

/// An error the API answers with `{"error": {"code": "...", "message": "..."}}` and its HTTP status.
package struct APIError: Error, CustomStringConvertible {
    /// The HTTP status.
    package var status: HTTPResponse.Status
    /// A stable machine-readable code.
    package var code: String
    /// A sentence for the caller.
    package var message: String

    /// An error.
    package init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// One line.
    package var description: String { "\(status.code) \(code): \(message)" }

    /// 400 for a parameter the caller got wrong.
    package static func invalid(_ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_parameter", message: message)
    }

    /// The JSON response.
    package var response: Response {
        let body = ErrorBody(error: .init(code: code, message: message))
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    private struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
        }
        var error: Detail
    }
}
