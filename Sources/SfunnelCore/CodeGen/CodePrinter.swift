/// Builds generated C text line by line and owns its indentation (one tab a
/// level, kernel style), so emitters never concatenate whitespace by hand.
public struct CodePrinter: Sendable {
    public private(set) var text = ""
    private var level = 0

    public init() {}

    /// Appends one line at the current indentation (an empty line stays empty).
    public mutating func line(_ s: String = "") {
        if !s.isEmpty { text += String(repeating: "\t", count: level) + s }
        text += "\n"
    }

    /// Appends `open`, the body one level deeper, then `close`.
    public mutating func block(_ open: String, close: String = "}", _ body: (inout CodePrinter) -> Void) {
        line(open)
        level += 1
        body(&self)
        level -= 1
        line(close)
    }

    public mutating func indent() { level += 1 }
    public mutating func outdent() { level = max(0, level - 1) }
}
