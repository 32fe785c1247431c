import HTTPTypes
import Hummingbird
import NIOCore

/// The headers every answer carries, errors included: no MIME sniffing, no referrer sent on, and a
/// Content-Security-Policy that lets a page load only the API's own assets and talk only to the API.
package struct SecurityHeadersMiddleware: RouterMiddleware {
    package typealias Context = APIRequestContext

    /// The policy: the API's own scripts, styles, images and connections (`/events`) only; no plug-ins, no framing,
    /// no base-URL or form tricks.
    package static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        + "frame-ancestors 'none'"

    /// A middleware.
    package init() {}

    package func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xFrameOptions] = "DENY"
        return response
    }
}

/// Cross-origin access for the origins of `API_CORS_ORIGINS` only, by Hummingbird's CORS middleware; a request from
/// any other origin (or none) is answered as if CORS did not exist, so browsers keep other sites' pages out.
package struct ListedOriginsCORSMiddleware: RouterMiddleware {
    package typealias Context = APIRequestContext

    private let origins: Set<String>
    /// The answer headers a page may read: validators, back-off, a created job's place and an export's file name.
    private static let exposed = "ETag, Retry-After, Location, Content-Disposition"
    private let cors: CORSMiddleware<APIRequestContext>

    /// CORS for `origins` (exact `scheme://host[:port]` strings); none: off.
    package init(origins: [String]) {
        self.origins = Set(origins)
        cors = CORSMiddleware(
            allowOrigin: .originBased,
            allowHeaders: [.accept, .contentType, .authorization, .xAPIKey, .lastEventID, .ifNoneMatch],
            allowMethods: [.get, .head, .post, .delete, .options],
            exposedHeaders: [Self.exposed],
            maxAge: .seconds(600)
        )
    }

    package func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else {
            return try await next(request, context)
        }
        var response = try await cors.handle(request, context: context, next: next)
        // Browsers read the exposed headers from the answer itself; Hummingbird puts them on preflights only.
        if request.method != .options { response.headers[.accessControlExposeHeaders] = Self.exposed }
        return response
    }
}

extension HTTPField.Name {
    /// `X-Content-Type-Options`.
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    /// `Referrer-Policy`.
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    /// `X-Frame-Options`.
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    /// `Last-Event-ID` (the `/events` reconnection header).
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
