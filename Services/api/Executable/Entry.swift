import APIService
import ArgumentParser
import ServiceSupport

/// The process entry point.
@main
enum Entry {
    static func main() async {
        await ServiceCommand<API>.main()
    }
}
