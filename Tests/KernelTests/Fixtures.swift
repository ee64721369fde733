import Foundation
import Testing

/// The packet expectations built by Fixtures/packets.py with scapy,
/// independently of sfunnelc's code (see Fixtures/README.md).
struct PacketFixtures: Decodable, Sendable {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let rules: String
        let input: String
        let verdict: String
        let output: String
        /// offload.py only: run on a device with this MTU (0 or absent: the
        /// kernel's default device, lo), as a GSO packet of this size and
        /// segment count (0 or absent: not GSO).
        let mtu: Int?
        let gso_size: UInt32?
        let gso_segs: UInt32?
        var testDescription: String { name }
    }

    struct NATCase: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let funnel_rules: String
        let unfunnel_rules: String
        let input: String
        let funneled: String
        let natted: String
        let unfunneled: String
        var testDescription: String { name }
    }

    let cases: [Case]
    let nat: [NATCase]

    /// Runs the generator once per test process.
    static let shared: Result<PacketFixtures, KernelTestError> = FixtureGenerator.run("packets.py")

    static func load() throws -> PacketFixtures { try shared.get() }

    /// Case lists for `@Test(arguments:)`; empty if the generator failed
    /// (then `generatorRuns` fails and says why).
    static var allCases: [Case] { (try? load().cases) ?? [] }
    static var allNAT: [NATCase] { (try? load().nat) ?? [] }
}


/// GSO, MTU and MSS-clamping cases (Fixtures/offload.py): packet cases with
/// the device MTU and GSO metadata to run with.
struct OffloadFixtures: Decodable, Sendable {
    let cases: [PacketFixtures.Case]

    static let shared: Result<OffloadFixtures, KernelTestError> = FixtureGenerator.run("offload.py")
    static func load() throws -> OffloadFixtures { try shared.get() }
    static var allCases: [PacketFixtures.Case] { (try? load().cases) ?? [] }
}

/// Runs a fixture generator from Fixtures/ with Debian's python3 (scapy)
/// and decodes the JSON it prints.
enum FixtureGenerator {
    static func run<T: Decodable>(_ name: String) -> Result<T, KernelTestError> {
        let script = KernelSupport.here().appendingPathComponent("Fixtures/\(name)").path
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return .failure(KernelTestError("\(python) not found: apt-get install python3 python3-scapy"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            return .failure(KernelTestError("cannot run \(script): \(error)"))
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return .failure(KernelTestError("\(name) failed (is python3-scapy installed?):\n"
                + String(decoding: errors, as: UTF8.self)))
        }
        do {
            return .success(try JSONDecoder().decode(T.self, from: data))
        } catch {
            return .failure(KernelTestError("\(name) printed something that is not the fixture JSON: \(error)"))
        }
    }
}
