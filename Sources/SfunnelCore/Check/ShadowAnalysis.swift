/// Finds the rules that earlier rules shadow (see `Checker`).
///
/// Per rule, cheapest test first:
/// 1. the earlier rules of the same family whose bounding hull overlaps
///    (SIMD over all earlier rules) and whose box really intersects;
/// 2. one of them containing the whole rule: shadowed by it;
/// 3. a witness: a packet of the rule that none of them matches, searched
///    greedily field by field (the least covered value each time): not
///    shadowed, which settles most rules;
/// 4. otherwise exact box subtraction, within `Checker.boxBudget`.
struct ShadowAnalysis {
    let rules: [Rule]
    let boxes: [PacketBox]
    /// Per rule, the smallest and largest value of each field (IPv6
    /// addresses: their top 32 bits), and the family in lane 5; lanes 6-7 are
    /// padding. Hulls overlap in every lane if the boxes intersect. An empty
    /// field is lo 1, hi 0 (the index never holds such a rule; the lane
    /// test alone does not exclude it from a query spanning 0...max).
    let hullLo: [SIMD8<UInt32>]
    let hullHi: [SIMD8<UInt32>]

    init(_ rules: [Rule]) {
        self.rules = rules
        boxes = rules.map(PacketBox.init)
        var los: [SIMD8<UInt32>] = []
        var his: [SIMD8<UInt32>] = []
        los.reserveCapacity(rules.count)
        his.reserveCapacity(rules.count)
        for (rule, box) in zip(rules, boxes) {
            let isV6 = (rule.family ?? rule.effectiveFamily) == .ip6
            var lo = SIMD8<UInt32>(repeating: 0)
            var hi = SIMD8<UInt32>(repeating: .max)
            for (index, field) in box.fields.enumerated() {
                if field.isEmpty {
                    lo[index] = 1
                    hi[index] = 0  // overlaps nothing
                } else if isV6 && index < 2 {
                    lo[index] = UInt32(truncatingIfNeeded: field.lowerBound.high >> 32)
                    hi[index] = UInt32(truncatingIfNeeded: field.upperBound.high >> 32)
                } else {
                    lo[index] = UInt32(truncatingIfNeeded: field.lowerBound.low)
                    hi[index] = UInt32(truncatingIfNeeded: field.upperBound.low)
                }
            }
            lo[5] = isV6 ? 1 : 0
            hi[5] = lo[5]
            los.append(lo)
            his.append(hi)
        }
        hullLo = los
        hullHi = his
    }

    /// The shadowed rules (index → the earlier rules that shadow it, few as
    /// possible), in rule order.
    func shadowedRules() -> [(Int, [Int])] {
        var result: [(Int, [Int])] = []
        let (lane, bits) = indexLane()
        var index = HullIndex(lane: lane, bits: bits)
        for i in rules.indices where !boxes[i].isEmpty {
            defer { add(i, to: &index) }
            let box = boxes[i]
            let candidates = overlapping(i, index: index).filter { boxes[$0].intersects(box) }
            if candidates.isEmpty { continue }
            if let whole = candidates.first(where: { boxes[$0].contains(box) }) {
                result.append((i, [whole]))
                continue
            }
            if candidates.count > 8, hasWitness(i, among: candidates) { continue }
            guard let used = cover(i, by: candidates) else { continue }
            result.append((i, minimized(i, used)))
        }
        return result
    }

    /// Earlier rules (matching something) whose hull overlaps rule `i`'s: the
    /// candidates an index on one field gives (`HullIndex`), checked in
    /// every lane.
    func overlapping(_ i: Int, index: HullIndex) -> [Int] {
        let lo = hullLo[i]
        let hi = hullHi[i]
        var out: [Int] = []
        index.candidates(lo: lo[index.lane], hi: hi[index.lane]) { j in
            if j < i && all(hullLo[j] .<= hi) && all(lo .<= hullHi[j]) { out.append(j) }
        }
        out.sort()
        return out
    }

    /// Makes rule `i` findable in `index`, unless it matches nothing.
    func add(_ i: Int, to index: inout HullIndex) {
        guard !boxes[i].isEmpty else { return }
        index.insert(i, lo: hullLo[i][index.lane], hi: hullHi[i][index.lane])
    }

    /// The field the index is built on: the one where the fewest rules are
    /// wide (a quarter of the field's bits or fewer fixed), so that a query
    /// returns few rules. Addresses and ports only.
    func indexLane() -> (lane: Int, bits: Int) {
        var best = (lane: 0, bits: 32)
        var bestWide = Int.max
        for (lane, bits) in [(0, 32), (1, 32), (3, 16), (4, 16)] {
            var wide = 0
            for k in rules.indices where HullIndex.level(lo: hullLo[k][lane], hi: hullHi[k][lane], bits: bits) <= bits / 4 {
                wide += 1
            }
            if wide < bestWide { best = (lane, bits); bestWide = wide }
        }
        return best
    }

    /// Looks for a packet of rule `i` that none of `candidates` matches,
    /// choosing field by field the value the fewest remaining candidates
    /// cover. Finding one proves the rule reachable; not finding one proves
    /// nothing. Tries two field orders.
    func hasWitness(_ i: Int, among candidates: [Int]) -> Bool {
        for order in [[4, 3, 2, 1, 0]] {
            var alive = candidates
            for field in order {
                let value = leastCovered(boxes[i].fields[field], field: field, by: alive)
                alive = alive.filter { boxes[$0].fields[field].contains(value) }
                if alive.isEmpty { return true }
            }
        }
        return false
    }

    /// The value of `set` that the fewest of `rules` cover in `field`.
    func leastCovered(_ set: IntervalSet, field: Int, by rules: [Int]) -> Wide {
        // Coverage changes only where an interval starts or ends: sweep those.
        var events: [(Wide, Int, Int)] = []  // (position, Δ candidates, Δ inside `set`)
        for item in set.intervals {
            events.append((item.lo, 0, 1))
            if item.hi != .max { events.append((item.hi.successor, 0, -1)) }
        }
        for j in rules {
            for item in boxes[j].fields[field].intervals {
                events.append((item.lo, 1, 0))
                if item.hi != .max { events.append((item.hi.successor, -1, 0)) }
            }
        }
        events.sort { $0.0 < $1.0 }
        var best = set.lowerBound
        var bestCount = Int.max
        var covered = 0
        var inside = 0
        var k = 0
        while k < events.count {
            let position = events[k].0
            while k < events.count, events[k].0 == position {
                covered += events[k].1
                inside += events[k].2
                k += 1
            }
            if inside > 0, covered < bestCount {
                best = position
                bestCount = covered
                if covered == 0 { break }
            }
        }
        return best
    }

    /// The rules among `candidates` that together cover all of rule `i`'s
    /// box; nil if they do not, or if the work went over budget.
    ///
    /// Depth first: a piece that a candidate contains is done; a piece no
    /// candidate touches proves the rule reachable (stop); otherwise the piece
    /// is split along a field of the first candidate that cuts it, into the
    /// part inside that candidate and the part outside, and both are checked
    /// with only the candidates that still touch them.
    func cover(_ i: Int, by candidates: [Int]) -> [Int]? {
        var used: [Int] = []
        var work = 0
        var stack: [(PacketBox, [Int])] = [(boxes[i], candidates)]
        while let (piece, alive) = stack.popLast() {
            work += alive.count + 1
            if work > Checker.boxBudget { return nil }
            var touching: [Int] = []
            var whole: Int?
            for j in alive where boxes[j].intersects(piece) {
                touching.append(j)
                if whole == nil, boxes[j].contains(piece) { whole = j }
            }
            guard let first = touching.first else { return nil }
            if let whole {
                if !used.contains(whole) { used.append(whole) }
                continue
            }
            let cutter = boxes[first]
            for field in 0..<PacketBox.fieldCount {
                let outside = piece.fields[field].subtracting(cutter.fields[field])
                guard !outside.isEmpty else { continue }
                var inner = piece
                inner.fields[field] = piece.fields[field].intersection(cutter.fields[field])
                var outer = piece
                outer.fields[field] = outside
                stack.append((inner, touching))
                stack.append((outer, Array(touching.dropFirst())))
                break
            }
        }
        return used.sorted()
    }

    /// Drops rules from `used` that the others make unnecessary, so the notes
    /// name only rules that matter.
    func minimized(_ i: Int, _ used: [Int]) -> [Int] {
        guard used.count > 1, used.count <= 16 else { return used }
        var kept = used
        for j in used.reversed() {
            let without = kept.filter { $0 != j }
            if cover(i, by: without) != nil { kept = without }
        }
        return kept
    }
}

/// The rules inserted so far, found by one field's interval (a lane of the
/// hulls): each interval sits in the bucket of the deepest level of a binary
/// partition of the field where it fits whole (a /24 prefix at level 24, a
/// single port at level 16, a wildcard at level 0). The intervals that
/// overlap a query are among those in the buckets overlapping it, one range
/// of buckets per level: far fewer than all earlier rules unless many rules
/// are wide in this field.
struct HullIndex {
    let lane: Int
    let bits: Int
    /// Per level, bucket number → rules (in insertion order).
    private var levels: [[UInt32: [Int32]]]

    init(lane: Int, bits: Int) {
        self.lane = lane
        self.bits = bits
        levels = Array(repeating: [:], count: bits + 1)
    }

    /// The deepest level at which [lo, hi] lies in one bucket.
    static func level(lo: UInt32, hi: UInt32, bits: Int) -> Int {
        guard lo <= hi else { return bits }  // empty: never queried
        let differing = lo ^ hi
        return bits - (differing == 0 ? 0 : 32 - differing.leadingZeroBitCount)
    }

    mutating func insert(_ rule: Int, lo: UInt32, hi: UInt32) {
        guard lo <= hi else { return }
        let level = HullIndex.level(lo: lo, hi: hi, bits: bits)
        levels[level][bucket(lo, level), default: []].append(Int32(rule))
    }

    /// Calls `body` with every inserted rule whose bucket overlaps [lo, hi]
    /// (a superset of the rules whose interval does).
    func candidates(lo: UInt32, hi: UInt32, _ body: (Int) -> Void) {
        guard lo <= hi else { return }
        for level in 0...bits where !levels[level].isEmpty {
            let first = bucket(lo, level), last = bucket(hi, level)
            let buckets = levels[level]
            if UInt64(last - first) + 1 <= UInt64(buckets.count) {
                var b = first
                while true {
                    if let rules = buckets[b] { for r in rules { body(Int(r)) } }
                    if b == last { break }
                    b += 1
                }
            } else {
                for (b, rules) in buckets where b >= first && b <= last {
                    for r in rules { body(Int(r)) }
                }
            }
        }
    }

    private func bucket(_ value: UInt32, _ level: Int) -> UInt32 {
        let shift = bits - level
        return shift >= 32 ? 0 : value >> UInt32(shift)
    }
}
