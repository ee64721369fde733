import Foundation

/// What `sfunnelc attach` does when it is given no ruleset: the sfunnel
/// container's environment (cli.md, "Drop-in for the sfunnel container").
struct DropIn {
    static let rulesetFile = "/etc/sfunnel/ruleset"

    var rulesText: String
    /// Where the rules came from, for messages and diagnostics.
    var rulesOrigin: String
    /// nil: every interface of the namespace but lo.
    var ifaces: [String]?
    var direction: Direction
    var netns: String?
    var clean: Bool
    var debug: Bool
    var attempts: Int
    var retryDelay: Double

    enum Problem: Error, CustomStringConvertible {
        case noRuleset
        case unreadable(String, String)
        case badValue(variable: String, value: String, expected: String)

        var description: String {
            switch self {
            case .noRuleset:
                return "no ruleset: set SFUNNEL_RULESET (rules separated by ';' or newlines), mount one at \(DropIn.rulesetFile), or pass RULES or --object"
            case .unreadable(let path, let reason):
                return "cannot read \(path): \(reason)"
            case .badValue(let variable, let value, let expected):
                return "\(variable)=\(value) is not valid: expected \(expected)"
            }
        }
    }

    /// Reads the environment. `CLEAN=1` needs no ruleset.
    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(Problem) -> DropIn {
        func flag(_ name: String) -> Bool { ["1", "true", "yes"].contains(env[name]?.lowercased() ?? "") }
        func number(_ name: String, default d: Double) throws(Problem) -> Double {
            guard let raw = env[name], !raw.isEmpty else { return d }
            guard let v = Double(raw), v >= 0 else { throw .badValue(variable: name, value: raw, expected: "a number ≥ 0") }
            return v
        }
        let clean = flag("CLEAN")
        var text = "", origin = ""
        if let rules = env["SFUNNEL_RULESET"], !rules.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            text = rules
            origin = "SFUNNEL_RULESET"
        } else if FileManager.default.fileExists(atPath: rulesetFile) {
            do {
                text = try String(contentsOfFile: rulesetFile, encoding: .utf8)
            } catch {
                throw .unreadable(rulesetFile, Console.reason(error))
            }
            origin = rulesetFile
        } else if !clean {
            throw .noRuleset
        }
        var direction = Direction.ingress
        if let raw = env["DIRECTION"], !raw.isEmpty {
            guard let d = Direction(rawValue: raw) else {
                throw .badValue(variable: "DIRECTION", value: raw, expected: "ingress, egress or both")
            }
            direction = d
        }
        let ifaces = env["IFACES"].map { $0.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" }).map(String.init) }
        let attempts = try number("N_ATTEMPTS", default: 6)
        guard attempts >= 1, attempts == attempts.rounded() else {
            throw .badValue(variable: "N_ATTEMPTS", value: env["N_ATTEMPTS"] ?? "", expected: "a whole number ≥ 1")
        }
        return DropIn(rulesText: text, rulesOrigin: origin,
                      ifaces: (ifaces?.isEmpty ?? true) ? nil : ifaces,
                      direction: direction,
                      netns: env["NETNS"].flatMap { $0.isEmpty ? nil : $0 },
                      clean: clean, debug: flag("DEBUG"),
                      attempts: Int(attempts), retryDelay: try number("RETRY_DELAY", default: 3))
    }
}
