import ArgumentParser
import StorageService
import ServiceSupport

/// The process entry point.
@main
enum Entry {
    static func main() async {
        await ServiceCommand<Storage>.main()
    }
}
