extension IPv6Prefix: CustomStringConvertible {
    /// RFC 5952 text: lower-case hex, the longest run of two or more zero
    /// groups written `::`, and `/length` unless it is 128.
    public var description: String {
        var groups: [UInt16] = []
        for shift in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: low >> UInt64(shift))) }
        var bestStart = -1
        var bestLength = 1
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8, groups[j] == 0 { j += 1 }
                if j - i > bestLength { bestStart = i; bestLength = j - i }
                i = j
            } else {
                i += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        let text: String
        if bestStart >= 0 {
            let head = hex[0..<bestStart].joined(separator: ":")
            let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
            text = head + "::" + tail
        } else {
            text = hex.joined(separator: ":")
        }
        return length == 128 ? text : "\(text)/\(length)"
    }
}
