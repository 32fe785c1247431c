import Foundation
import HTTPTypes
import Hummingbird

/// An error the API answers with `{"error": {"code": "...", "message": "..."}}` and its HTTP status.
package struct APIError: HTTPResponseError, CustomStringConvertible {
    /// The HTTP status.
    package var status: HTTPResponse.Status
    /// A stable machine-readable code.
    package var code: String
    /// A sentence for the caller.
    package var message: String
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`).
    package var headers: HTTPFields = [:]
    /// The path of the request field at fault (`universe.sectors[1]`), when one is.
    package var field: String?

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

    /// The same error with one more response header.
    package func with(header name: HTTPField.Name, _ value: String) -> APIError {
        var copy = self
        copy.headers[name] = value
        return copy
    }

    /// The JSON response (Hummingbird's error protocol, so its metrics record the real status).
    package func response(from request: Request, context: some RequestContext) throws -> Response { response }

    /// The JSON response.
    package var response: Response {
        let body = ErrorBody(error: .init(code: code, message: message, field: field))
        let data = (try? JSONBody.encoder.encode(body)) ?? []
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var field: String?

            enum CodingKeys: String, CodingKey { case code, message, field }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(code, forKey: .code)
                try container.encode(message, forKey: .message)
                try container.encodeIfPresent(field, forKey: .field)
            }
        }
        var error: Detail
    }
}
