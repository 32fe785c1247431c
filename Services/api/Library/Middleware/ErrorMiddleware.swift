import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Pipeline
import Resilience

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
        } catch let error as PipelineError {
            switch error {
            case .unavailable(let dependency, let reason):
                context.logger.warning("a dependency is unavailable", metadata: ["error": "\(reason)"])
                return APIError(
                    .serviceUnavailable, code: "\(Self.code(for: dependency))_unavailable",
                    message: "\(dependency) is not reachable; try again shortly"
                ).with(header: .retryAfter, Self.retryAfter(error)).response
            case .refused(_, let reason), .malformedReply(_, let reason):
                context.logger.error("storage could not answer", metadata: ["error": "\(reason)"])
                return APIError(.internalServerError, code: "storage_error", message: "storage could not answer")
                    .response
            }
        } catch let error as JobError {
            switch error {
            case .noSessions:
                return APIError(.unprocessableContent, code: "no_sessions", message: error.description).response
            case .notQueued(let reason):
                context.logger.error("a build could not be queued", metadata: ["error": "\(reason)"])
                return APIError(
                    .serviceUnavailable, code: "pipeline_unavailable",
                    message: "the build could not be queued (NATS JetStream did not accept it); try again"
                ).with(header: .retryAfter, "1").response
            case .finished:
                return APIError(.conflict, code: "job_finished", message: error.description).response
            case .notCancellable:
                return APIError(.conflict, code: "job_not_cancellable", message: error.description).response
            }
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return APIError(.internalServerError, code: "internal_error", message: "the request failed").response
        }
    }

    /// `storage` or `nats` for the error code.
    static func code(for dependency: String) -> String {
        dependency.lowercased().hasPrefix("storage") ? "storage" : "nats"
    }

    /// Whole seconds, at least 1.
    static func retryAfter(_ error: some RetryAfterProviding) -> String {
        String(max(1, error.retryAfter?.components.seconds ?? 1))
    }
}
