/// Stable identifiers of diagnostics, for tests and for documentation.
/// The raw value is what `docs/diagnostics.md` lists.
public enum DiagnosticID: String, Sendable, Equatable, CaseIterable {
    // Lexical and syntax errors
    case unexpectedCharacter = "unexpected-character"
    case unknownKeyword = "unknown-keyword"
    case expectedValue = "expected-value"
    case invalidAddress = "invalid-address"
    case invalidPort = "invalid-port"
    case invalidPortRange = "invalid-port-range"
    case missingActions = "missing-actions"
    case missingAction = "missing-action"
    case unexpectedToken = "unexpected-token"
    case duplicateMatch = "duplicate-match"
    case conflictingProtocols = "conflicting-protocols"
    case conflictingFamilies = "conflicting-families"
    case multipleActions = "multiple-actions"
    case unsupportedAction = "unsupported-action"
    case invalidFunnel = "invalid-funnel"
    case portMatchWithoutProtocol = "port-match-without-protocol"
    case actionNeedsProtocol = "action-needs-protocol"
    case unterminatedSet = "unterminated-set"
    case emptySet = "empty-set"
    // Warnings
    case portZero = "port-zero"
    case maskedHostBits = "masked-host-bits"
    case duplicateRule = "duplicate-rule"
    case shadowedRule = "shadowed-rule"
    case tcpFunnelWithoutEncap = "tcp-funnel-without-encap"
    // Warnings of `check --peer`
    case peerNoUnfunnel = "peer-no-unfunnel"
    case peerWrongInner = "peer-wrong-inner"
}
