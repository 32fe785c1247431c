import ArgumentParser
import ServiceSupport
import StorageService

/// The process entry point.
@main
enum Entry {
    static func main() async {
        await ServiceCommand<Storage>.main()
    }
}
