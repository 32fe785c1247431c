import ArgumentParser
import ServiceSupport
import Testing

/// The API's own settings.
@Suite("API settings")
struct APISettingsTests {
    @Test("API_CORS_ORIGINS: empty is none; a comma-separated list of origins; anything else is named as invalid")
    func corsSetting() throws {
        #expect(try ServiceConfiguration(environment: [:]).apiCORSOrigins == [])
        #expect(
            try ServiceConfiguration(environment: ["API_CORS_ORIGINS": " https://a.example.com, http://127.0.0.1:3000 "]
            )
            .apiCORSOrigins == ["https://a.example.com", "http://127.0.0.1:3000"])
        for bad in [
            "*", "a.example.com", "ftp://a.example.com", "https://a.example.com/", "https://", "http://h:0",
            "http://h:x", "https://user@h",
        ] {
            let error = #expect(throws: ConfigurationError.self, "\(bad)") {
                try ServiceConfiguration(environment: ["API_CORS_ORIGINS": bad])
            }
            #expect(error?.description.hasPrefix("API_CORS_ORIGINS=\(bad) is invalid") == true)
        }
        let options = try CommonOptions.parse(["--api-cors-origins", "https://b.example.com"])
        #expect(try options.configuration(service: "api", environment: [:]).apiCORSOrigins == ["https://b.example.com"])
    }
}
