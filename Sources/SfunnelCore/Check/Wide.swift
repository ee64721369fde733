/// A 128-bit unsigned value, enough for every field the checker models
/// (IPv6 addresses being the widest). Kept local rather than `UInt128`,
/// which is not available on every platform the package supports.
struct Wide: Hashable, Comparable, Sendable {
    var high: UInt64
    var low: UInt64

    init(high: UInt64 = 0, low: UInt64) {
        self.high = high
        self.low = low
    }

    static let zero = Wide(low: 0)
    static let max = Wide(high: .max, low: .max)

    static func < (a: Wide, b: Wide) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// `self + 1`; only called below `max`.
    var successor: Wide { low == .max ? Wide(high: high &+ 1, low: 0) : Wide(high: high, low: low + 1) }
    /// `self - 1`; only called above `zero`.
    var predecessor: Wide { low == 0 ? Wide(high: high &- 1, low: .max) : Wide(high: high, low: low - 1) }
}
