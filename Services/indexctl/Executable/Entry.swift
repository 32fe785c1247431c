import ArgumentParser
import IndexCtl

/// The process entry point.
@main
enum Entry {
    static func main() async {
        await IndexCtl.main()
    }
}
