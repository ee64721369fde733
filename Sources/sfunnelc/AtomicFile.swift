import ArgumentParser
import Foundation

/// Writes a file by producing it under a temporary name in the same folder
/// and renaming it into place, so that readers never see half a file and a
/// failure leaves the old file untouched.
enum AtomicFile {
    static func write(to path: String, _ produce: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let temp = (dir as NSString).appendingPathComponent(".\(url.lastPathComponent).sfunnelc-\(getpid())-\(UUID().uuidString.prefix(8))")
        do {
            try produce(temp)
            guard rename(temp, path) == 0 else {
                let reason = String(cString: strerror(errno))
                Console.error("error: cannot write \(path): \(reason)")
                throw ExitStatus.invalidInput.exitCode
            }
        } catch {
            unlink(temp)
            if error is ExitCode { throw error }
            Console.error("error: cannot write \(path): \(Console.reason(error))")
            throw ExitStatus.invalidInput.exitCode
        }
    }
}
