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

    @Test("API_EVENTS_HEARTBEAT and API_EVENTS_MAX_STREAMS: 15 s and 100 by default, flags override, bad values named")
    func eventSettings() throws {
        let defaults = try ServiceConfiguration(environment: [:])
        #expect(defaults.apiEventsHeartbeat == 15)
        #expect(defaults.apiEventsMaxStreams == 100)
        let set = try ServiceConfiguration(environment: ["API_EVENTS_HEARTBEAT": "2", "API_EVENTS_MAX_STREAMS": "7"])
        #expect(set.apiEventsHeartbeat == 2)
        #expect(set.apiEventsMaxStreams == 7)
        for (name, bad) in [
            ("API_EVENTS_HEARTBEAT", "0"), ("API_EVENTS_HEARTBEAT", "1.5"), ("API_EVENTS_MAX_STREAMS", "0"),
            ("API_EVENTS_MAX_STREAMS", "many"),
        ] {
            let error = #expect(throws: ConfigurationError.self, "\(name)=\(bad)") {
                try ServiceConfiguration(environment: [name: bad])
            }
            #expect(error?.description.hasPrefix("\(name)=\(bad) is invalid") == true)
        }
        let options = try CommonOptions.parse(["--api-events-heartbeat", "30", "--api-events-max-streams", "5"])
        let flagged = try options.configuration(service: "api", environment: ["API_EVENTS_HEARTBEAT": "2"])
        #expect(flagged.apiEventsHeartbeat == 30)
        #expect(flagged.apiEventsMaxStreams == 5)
    }
}
