import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NATSClient

/// Turns every error into the JSON error body: the API's own errors as they are, Hummingbird's (unknown route,
/// body too large) with their status, storage trouble as 503, anything else as a logged 500.
package struct ErrorMiddleware: RouterMiddleware {
    package typealias Context = APIRequestContext

    /// A middleware.
    package init() {}

    package func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as any HTTPResponseError {
            let status = error.status
            let code =
                switch status {
                case .notFound: "not_found"
                case .methodNotAllowed: "method_not_allowed"
                case .contentTooLarge: "body_too_large"
                case .badRequest: "bad_request"
                default: "http_\(status.code)"
                }
            let message =
                status == .notFound
                ? "no route \(request.method) \(request.uri.path)"
                : ((error as? HTTPError)?.body ?? status.reasonPhrase)
            return APIError(status, code: code, message: message).response
        } catch let error as NATSError {
            if case .remote(_, let message) = error {
                context.logger.error("storage refused a query", metadata: ["error": "\(message)"])
                return APIError(.internalServerError, code: "storage_error", message: "storage could not answer")
                    .response
            }
            return APIError(.serviceUnavailable, code: "storage_unavailable", message: "storage is not reachable")
                .with(header: .retryAfter, "1").response
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return APIError(.internalServerError, code: "internal_error", message: "the request failed").response
        }
    }
}
