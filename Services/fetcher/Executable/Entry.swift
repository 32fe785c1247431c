import ArgumentParser
import FetcherService
import ServiceSupport

/// The process entry point.
@main
enum Entry {
    static func main() async {
        await ServiceCommand<Fetcher>.main()
    }
}
