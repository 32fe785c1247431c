import ArgumentParser
import TradingCalendar

extension IndexCtl {
    /// `indexctl sessions --from D --to D`: the NYSE sessions of a range, one per line, nothing else on stdout.
    package struct Sessions: ParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Print the NYSE trading sessions in a range (inclusive), one YYYY-MM-DD per line."
        )

        @Option(help: "First date, YYYY-MM-DD.", transform: parseSessionDate)
        package var from: SessionDate

        @Option(help: "Last date, YYYY-MM-DD.", transform: parseSessionDate)
        package var to: SessionDate

        /// Parsed by ArgumentParser.
        package init() {}

        package func validate() throws {
            guard from <= to else { throw ValidationError("--from \(from) is after --to \(to)") }
            let coverage = NYSECalendar.coverage
            guard coverage.contains(from), coverage.contains(to) else {
                throw ValidationError(
                    "the calendar covers \(coverage.lowerBound) through \(coverage.upperBound); got \(from)...\(to)"
                )
            }
        }

        package func run() throws {
            print(Self.lines(from: from, to: to), terminator: "")
        }

        /// The output: one session per line.
        package static func lines(from: SessionDate, to: SessionDate) -> String {
            var output = ""
            for session in NYSECalendar.standard.sessions(from: from, to: to) {
                output += session.description
                output += "\n"
            }
            return output
        }
    }
}

/// Parses a strict `YYYY-MM-DD` option value.
package func parseSessionDate(_ text: String) throws -> SessionDate {
    guard let date = SessionDate(text) else {
        throw ValidationError("'\(text)' is not a valid date in the form YYYY-MM-DD")
    }
    return date
}
