import ArgumentParser
import IndexBuilderService
import ServiceSupport

/// The process entry point.
@main
enum Entry {
    static func main() async {
        await ServiceCommand<IndexBuilder>.main()
    }
}
