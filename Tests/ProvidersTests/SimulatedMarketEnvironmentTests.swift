import Providers
import Testing

@Suite("Simulated market: configuration from the environment")
struct SimulatedMarketEnvironmentTests {
    @Test("unset or blank variables take the defaults")
    func defaults() throws {
        let market = try SimulatedMarket.fromEnvironment([:])
        #expect(market.tickerCount == 6000 && market.seed == 42)
        let blank = try SimulatedMarket.fromEnvironment(["SIM_TICKERS": "", "SIM_SEED": " "])
        #expect(blank.tickerCount == 6000 && blank.seed == 42)
    }

    @Test("valid values are used")
    func values() throws {
        let market = try SimulatedMarket.fromEnvironment(["SIM_TICKERS": "250", "SIM_SEED": "0x10"])
        #expect(market.tickerCount == 250 && market.seed == 16)
        #expect(try SimulatedMarket.fromEnvironment(["SIM_SEED": "18446744073709551615"]).seed == .max)
    }

    @Test(
        "invalid values throw an error naming the variable",
        arguments: [
            ("SIM_TICKERS", "abc"), ("SIM_TICKERS", "0"), ("SIM_TICKERS", "-5"), ("SIM_TICKERS", "100001"),
            ("SIM_SEED", "-1"), ("SIM_SEED", "seed"), ("SIM_SEED", "18446744073709551616"), ("SIM_SEED", "0xZZ"),
        ])
    func invalid(name: String, value: String) {
        #expect {
            _ = try SimulatedMarket.fromEnvironment([name: value])
        } throws: { error in
            guard let error = error as? SimulatedMarketError, case .invalidVariable(let variable, let given, _) = error
            else { return false }
            return variable == name && given == value && error.description.hasPrefix("\(name)=\"\(value)\" is invalid")
        }
    }
}
