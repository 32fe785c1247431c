import ArgumentParser
import APIService
import ServiceSupport

/// The process entry point.
@main
enum Entry {
    static func main() async {
        await ServiceCommand<API>.main()
    }
}
