/// A ruleset's text and its name as the user gave it (a path, or `<stdin>`).
///
/// Positions are UTF-8 byte offsets into `text`; lines and columns are only
/// computed when a diagnostic is printed.
public struct SourceFile: Sendable, Equatable {
    public let name: String
    public let text: String
    /// UTF-8 bytes of `text`, the lexer's input.
    public let bytes: [UInt8]
    /// Offset of the first byte of each line.
    public let lineStarts: [Int]

    public init(name: String, text: String) {
        self.name = name
        self.text = text
        self.bytes = Array(text.utf8)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
            starts.append(i + 1)
        }
        self.lineStarts = starts
    }

    /// 1-based line and column (in characters, counting a tab as one) of `offset`.
    public func location(of offset: Int) -> SourceLocation {
        let clamped = max(0, min(offset, bytes.count))
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= clamped { lo = mid } else { hi = mid - 1 }
        }
        let start = lineStarts[lo]
        let prefix = bytes[start..<clamped]
        let column = String(decoding: prefix, as: UTF8.self).count + 1
        return SourceLocation(line: lo + 1, column: column)
    }

    /// The text of 1-based `line`, without its newline.
    public func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    /// The source text covered by `range`.
    public func text(of range: SourceRange) -> String {
        let lo = max(0, min(range.start, bytes.count))
        let hi = max(lo, min(range.end, bytes.count))
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }
}

/// A half-open range of UTF-8 offsets into a `SourceFile`.
public struct SourceRange: Sendable, Hashable {
    public var start: Int
    public var end: Int
    public init(start: Int, end: Int) {
        self.start = start
        self.end = max(start, end)
    }
    public static func point(_ offset: Int) -> SourceRange { SourceRange(start: offset, end: offset) }
    /// The smallest range covering both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(start: min(start, other.start), end: max(end, other.end))
    }
}

public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var description: String { "\(line):\(column)" }
}
