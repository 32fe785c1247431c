import Foundation

/// An exclusive `flock` on `storage.lock` in `DATA_DIR`: SQLite has one writer, so one storage process a directory.
///
/// The kernel releases the lock when the process ends, however it ends, so a stale file never blocks a restart.
package final class StorageLock: Sendable {
    /// The lock file.
    package let path: String
    private let descriptor: Int32

    /// Takes the lock at once, or throws ``StorageLockError/held(path:holder:)`` naming the process that has it.
    package init(dataDirectory: String) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let path = (dataDirectory as NSString).appendingPathComponent("storage.lock")
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw StorageLockError.cannotOpen(path: path, errno: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw StorageLockError.held(path: path, holder: holder.flatMap(Int32.init))
        }
        // The holder's pid, for the message a second process prints; the lock itself is the flock, not this text.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}

/// Why storage cannot have its data directory to itself.
package enum StorageLockError: Error, CustomStringConvertible {
    /// Another process (`holder`, when it wrote its pid) holds the lock.
    case held(path: String, holder: Int32?)
    /// The lock file cannot be opened.
    case cannotOpen(path: String, errno: Int32)

    /// One line for the operator.
    package var description: String {
        switch self {
        case .held(let path, let holder):
            "another storage process\(holder.map { " (pid \($0))" } ?? "") uses this DATA_DIR (\(path) is locked): "
                + "SQLite allows one storage process per DATA_DIR; several need DATABASE_URL (PostgreSQL)"
        case .cannotOpen(let path, let errno):
            "cannot open \(path): \(String(cString: strerror(errno)))"
        }
    }
}
