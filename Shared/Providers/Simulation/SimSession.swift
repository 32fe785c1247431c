/// One simulated session: its date, rows ordered by ticker, and the metadata of every stock listed that day.
package typealias SimSession = ProviderSession
