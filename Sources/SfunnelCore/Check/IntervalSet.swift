/// A set of values of one packet field, as sorted, disjoint, non-adjacent
/// inclusive intervals.
struct IntervalSet: Hashable, Sendable {
    struct Interval: Hashable, Sendable {
        var lo: Wide
        var hi: Wide
    }

    private(set) var intervals: [Interval]

    /// Builds the union of arbitrary intervals.
    init(_ items: [Interval]) {
        let sorted = items.sorted { $0.lo < $1.lo }
        var merged: [Interval] = []
        merged.reserveCapacity(sorted.count)
        for item in sorted {
            if let last = merged.last, last.hi == .max || item.lo <= last.hi.successor {
                if item.hi > last.hi { merged[merged.count - 1].hi = item.hi }
            } else {
                merged.append(item)
            }
        }
        intervals = merged
    }

    private init(sorted: [Interval]) { intervals = sorted }

    static func range(_ lo: Wide, _ hi: Wide) -> IntervalSet { IntervalSet(sorted: [Interval(lo: lo, hi: hi)]) }

    var isEmpty: Bool { intervals.isEmpty }
    /// The smallest value, for the checker's quick overlap test; only when not empty.
    var lowerBound: Wide { intervals[0].lo }
    var upperBound: Wide { intervals[intervals.count - 1].hi }

    /// Everything in `0...max` that is not in the set.
    func complement(within max: Wide) -> IntervalSet {
        var out: [Interval] = []
        var next = Wide.zero
        var done = false
        for item in intervals {
            if item.lo > next { out.append(Interval(lo: next, hi: item.lo.predecessor)) }
            if item.hi >= max { done = true; break }
            next = item.hi.successor
        }
        if !done, next <= max { out.append(Interval(lo: next, hi: max)) }
        return IntervalSet(sorted: out)
    }

    func contains(_ value: Wide) -> Bool {
        for item in intervals where item.lo <= value {
            if value <= item.hi { return true }
        }
        return false
    }

    func isSubset(of other: IntervalSet) -> Bool {
        // Each interval must lie inside one interval of `other` (they are merged).
        var j = 0
        let b = other.intervals
        for item in intervals {
            while j < b.count, b[j].hi < item.lo { j += 1 }
            guard j < b.count, b[j].lo <= item.lo, item.hi <= b[j].hi else { return false }
        }
        return true
    }

    func intersects(_ other: IntervalSet) -> Bool {
        var i = 0
        var j = 0
        let a = intervals
        let b = other.intervals
        while i < a.count, j < b.count {
            if a[i].hi < b[j].lo { i += 1 } else if b[j].hi < a[i].lo { j += 1 } else { return true }
        }
        return false
    }

    func intersection(_ other: IntervalSet) -> IntervalSet {
        var out: [Interval] = []
        var i = 0
        var j = 0
        let a = intervals
        let b = other.intervals
        while i < a.count, j < b.count {
            let lo = Swift.max(a[i].lo, b[j].lo)
            let hi = Swift.min(a[i].hi, b[j].hi)
            if lo <= hi { out.append(Interval(lo: lo, hi: hi)) }
            if a[i].hi < b[j].hi { i += 1 } else { j += 1 }
        }
        return IntervalSet(sorted: out)
    }

    func subtracting(_ other: IntervalSet) -> IntervalSet {
        var out: [Interval] = []
        var j = 0
        let b = other.intervals
        for var item in intervals {
            while j < b.count, b[j].hi < item.lo { j += 1 }
            var k = j
            var alive = true
            while k < b.count, b[k].lo <= item.hi {
                if b[k].lo > item.lo { out.append(Interval(lo: item.lo, hi: b[k].lo.predecessor)) }
                if b[k].hi >= item.hi { alive = false; break }
                item.lo = b[k].hi.successor
                k += 1
            }
            if alive { out.append(item) }
        }
        return IntervalSet(sorted: out)
    }
}
