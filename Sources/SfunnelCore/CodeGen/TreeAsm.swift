/// A decision tree's nodes as BPF assembly, for one `asm volatile`
/// statement in the generated C (`TreeEmitter`: the whole tree;
/// `TableEmitter`: its leading fields, before the table walk).
///
/// Why assembly and not C: clang spends about 0.3 ms on each edge of a
/// tree written as C (ipc1_1k, 31k edges: 11.7 s as one function) to
/// produce the search it was given; assembly it only assembles. Per node,
/// a binary search of the edges' lower bounds with unsigned 32-bit
/// comparisons of the node's field (forward jumps over the left half),
/// and per edge a jump to the child's block or to the action's. Each
/// action's block sets the output register and jumps to the end.
///
/// Every field is an input operand in a register of its own, read before
/// the statement: no load from the stack inside the tree. (The kernel's
/// stack liveness analysis, 6.17+, took 24 s to load a 56k-edge tree that
/// re-read its fields from the stack at each node, and 0.8 s as it is.)
/// The verifier narrows a field's range along each path, but each field
/// is tested at most once on a path and is dead below its node, so states
/// arriving at a shared node by different paths still compare equal.
///
/// Jumps: a conditional jump reaches ±32,767 instructions (16-bit offset);
/// every instruction here is one slot, so positions are exact. A
/// conditional jump out of reach becomes the opposite test jumping over a
/// `gotol` (32-bit offset, -mcpu=v4); an unconditional one is `gotol` when
/// out of reach.
struct TreeAsm {
    /// A comparison of a field's register with a constant.
    struct Condition {
        var register: String
        var op: String
        var value: String

        var negated: Condition {
            let ops = ["<": ">=", ">=": "<", "==": "!=", "!=": "=="]
            return Condition(register: register, op: ops[op]!, value: value)
        }

        var text: String { "\(register) \(op) \(value)" }
    }

    /// What one line of the statement is.
    enum Item {
        case label(String)
        /// An instruction without a jump.
        case insn(String)
        /// `if <condition> goto` (nil: an unconditional jump) `label`.
        case jump(condition: Condition?, label: String)
        case comment(String)
    }

    static let reach = 32_767

    private var items: [Item] = []
    private var searchLabels = 0

    /// The fields the statement tests (each an input operand).
    private var fields = Set<DecisionTree.Field>()

    private mutating func label(_ l: String) { items.append(.label(l)) }
    private mutating func insn(_ s: String) { items.append(.insn(s)) }
    private mutating func jump(_ label: String, if condition: Condition? = nil) {
        items.append(.jump(condition: condition, label: label))
    }
    private mutating func comment(_ s: String) { items.append(.comment(s)) }

    /// A fresh label inside a node's search.
    private mutating func searchLabel() -> String {
        searchLabels += 1
        return ".Ls\(searchLabels - 1)_%="
    }

    static func nodeLabel(_ n: Int) -> String { ".Ln\(n)_%=" }
    static func exitLabel(_ k: Int) -> String { ".Lx\(k)_%=" }
    static let endLabel = ".Lend_%="

    /// The statement for `nodes` of `tree` (parents first; packets enter at
    /// `nodes[0]`), written with its padding: each packet leaves it with
    /// the `__u32` variable `output` set to `value(target)` for the place
    /// outside `nodes` it reached (one block per distinct value, in order of
    /// first use, commented with `describe(value)`), after which `tail`
    /// runs (instructions that may read `inputs`, fields beyond those the
    /// nodes test). Returns whether it needs -mcpu=v4.
    static func emitStatement(tree: DecisionTree, nodes: [Int], output: String,
                              value: (DecisionTree.Target) -> UInt32, describe: (UInt32) -> String?,
                              tail: [String] = [], inputs: Set<DecisionTree.Field> = [],
                              into out: inout CodePrinter) -> Bool {
        var number: [Int: Int] = [:]
        for (i, n) in nodes.enumerated() { number[n] = i }
        var exitNumber: [UInt32: Int] = [:]
        var exits: [UInt32] = []
        func label(_ t: DecisionTree.Target) -> String {
            if case .node(let n) = t, let i = number[n] { return nodeLabel(i) }
            let v = value(t)
            if exitNumber[v] == nil {
                exitNumber[v] = exits.count
                exits.append(v)
            }
            return exitLabel(exitNumber[v]!)
        }
        var code = TreeAsm()
        for n in nodes {
            code.label(nodeLabel(number[n]!))
            code.search(tree.nodes[n].field, tree.nodes[n].edges) { label($0.target) }
        }
        for (k, v) in exits.enumerated() {
            code.label(exitLabel(k))
            if let what = describe(v) { code.comment(what) }
            code.insn("%[\(output)] = \(literal(v, hex: v > 0xffff))")
            if k + 1 < exits.count { code.jump(endLabel) }
        }
        code.label(endLabel)
        for insn in tail { code.insn(insn) }
        out.line("asm volatile(")
        let (instructions, farJumps) = code.render(into: &out, reach: TreeEmitter.jumpReach)
        // Early clobber: `output` is written before `tail` reads inputs.
        out.line(": [\(output)] \"=&w\"(\(output))")
        out.line(": " + operands(code.fields.union(inputs)) + ");")
        pad(instructions, into: &out)
        return farJumps || instructions > TreeEmitter.v4Instructions
    }

    /// The operand holding `field` (its 32-bit register).
    static func register(_ field: DecisionTree.Field) -> String { "%[\(field.name)]" }

    /// The search of `field`'s `edges` (sorted, covering the field) sending
    /// its value to `target(edge)`, a label: a binary search whose halves of
    /// one edge are a jump straight to the edge's target (and one value
    /// between two edges to the same target, an equality).
    ///
    /// A node whose edges are single values except those to one common
    /// target (a port node of many rules) is searched among its single
    /// values only, ending in up to three equality tests and a jump to the
    /// common target: half the values of the plain search, as clang lowers
    /// a `switch` (measured: see docs/performance.md).
    private mutating func search(_ field: DecisionTree.Field, _ edges: [DecisionTree.Edge],
                                 target: (DecisionTree.Edge) -> String) {
        fields.insert(field)
        let register = Self.register(field)
        let hex = field == .saddr || field == .daddr
        if let common = Self.switchDefault(edges) {
            let values = edges.filter { $0.lo == $0.hi && $0.target != common }
            let fallback = target(edges.first { $0.target == common }!)
            switchSearch(values, 0, values.count - 1, register: register, hex: hex, fallback: fallback, target: target)
            return
        }
        search(edges, 0, edges.count - 1, register: register, hex: hex, target: target)
    }

    /// The common target when every edge but single values leads to it and
    /// there are at least 4 single values leading elsewhere; else nil.
    static func switchDefault(_ edges: [DecisionTree.Edge]) -> DecisionTree.Target? {
        var common: DecisionTree.Target?
        for e in edges where e.lo != e.hi {
            if common == nil { common = e.target } else if common != e.target { return nil }
        }
        guard let common else { return nil }
        return edges.filter({ $0.lo == $0.hi && $0.target != common }).count >= 4 ? common : nil
    }

    private mutating func switchSearch(_ values: [DecisionTree.Edge], _ i: Int, _ j: Int, register: String, hex: Bool,
                                       fallback: String, target: (DecisionTree.Edge) -> String) {
        if j - i < 3 {
            for e in values[i...j] {
                jump(target(e), if: Condition(register: register, op: "==", value: Self.literal(e.lo, hex: hex)))
            }
            jump(fallback)
            return
        }
        let mid = (i + j + 1) / 2
        let right = searchLabel()
        jump(right, if: Condition(register: register, op: ">=", value: Self.literal(values[mid].lo, hex: hex)))
        switchSearch(values, i, mid - 1, register: register, hex: hex, fallback: fallback, target: target)
        label(right)
        switchSearch(values, mid, j, register: register, hex: hex, fallback: fallback, target: target)
    }

    private mutating func search(_ edges: [DecisionTree.Edge], _ i: Int, _ j: Int, register: String, hex: Bool,
                                 target: (DecisionTree.Edge) -> String) {
        if i == j {
            jump(target(edges[i]))
            return
        }
        if j - i == 2, edges[i].target == edges[j].target, edges[i + 1].lo == edges[i + 1].hi {
            jump(target(edges[i + 1]), if: Condition(register: register, op: "==", value: Self.literal(edges[i + 1].lo, hex: hex)))
            jump(target(edges[i]))
            return
        }
        let mid = (i + j + 1) / 2
        let bound = Self.literal(edges[mid].lo, hex: hex)
        if mid - 1 == i {
            jump(target(edges[i]), if: Condition(register: register, op: "<", value: bound))
        } else {
            let right = searchLabel()
            jump(right, if: Condition(register: register, op: ">=", value: bound))
            search(edges, i, mid - 1, register: register, hex: hex, target: target)
            label(right)
        }
        search(edges, mid, j, register: register, hex: hex, target: target)
    }

    /// The macros `pad` uses: an empty statement, and 10, 100, 1000 of them.
    static func padMacros(into out: inout CodePrinter) {
        out.line("/* An empty statement, and 10, 100, 1000 of them (see TreeAsm.pad). */")
        out.line("#define SF_PAD1 asm volatile(\"\");")
        for (k, n) in [10, 100, 1000].enumerated() {
            let prev = ["SF_PAD1", "SF_PAD10", "SF_PAD100"][k]
            out.line("#define SF_PAD\(n) " + Array(repeating: prev, count: 10).joined(separator: " "))
        }
        out.line()
    }

    /// After an asm statement of `instructions` instructions, as many empty
    /// statements: clang counts an asm statement as one instruction when it
    /// decides which of its own jumps need `gotol`, and an empty statement
    /// as one too, though it emits nothing.
    static func pad(_ instructions: Int, into out: inout CodePrinter) {
        out.line("/* \(instructions) instructions above: as many empty statements for clang's jump sizes */")
        var pad = instructions
        var words: [String] = []
        for (unit, name) in [(1000, "SF_PAD1000"), (100, "SF_PAD100"), (10, "SF_PAD10"), (1, "SF_PAD1")] {
            words += Array(repeating: name, count: pad / unit)
            pad %= unit
        }
        for k in stride(from: 0, to: words.count, by: 10) {
            out.line(words[k..<min(k + 10, words.count)].joined(separator: " "))
        }
    }

    /// The input operands for `fields`: each in a 32-bit register ("w"),
    /// read from `struct sf_pkt` right before the statement (`SF_FIELD`, a
    /// volatile read: registers that kept them from an earlier statement,
    /// as clang would for the second of two groups' trees, would carry what
    /// that statement's tests taught the verifier past it and keep the
    /// paths' states apart).
    static func operands(_ fields: Set<DecisionTree.Field>) -> String {
        DecisionTree.Field.allCases.filter { fields.contains($0) }
            .map { "[\($0.name)] \"w\"((__u32)SF_FIELD(pkt, \($0.name)))" }.joined(separator: ", ")
    }

    /// Addresses in hex (dotted quads line up in it), ports and protocols in decimal.
    static func literal(_ v: UInt32, hex: Bool) -> String {
        guard hex else { return "\(v)" }
        let h = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - h.count) + h
    }

    /// The instructions, jumps resolved, as C string literals (one per
    /// line, comments between them). A conditional jump out of reach
    /// becomes the opposite test jumping over a `gotol` (found by
    /// relaxation: lengthening one jump can put others out of reach); an
    /// unconditional one is `gotol` when out of reach. Returns the number
    /// of instructions and whether any `gotol` (-mcpu=v4) was needed.
    private func render(into out: inout CodePrinter, reach: Int) -> (instructions: Int, needsV4: Bool) {
        // Whether `label` is among the labels from `index` on (before any instruction).
        func labelFollows(_ label: String, at index: Int) -> Bool {
            var k = index
            while k < self.items.count {
                switch self.items[k] {
                case .label(let m) where m == label: return true
                case .label, .comment: k += 1
                case .insn, .jump: return false
                }
            }
            return false
        }
        // An unconditional jump to the labels right after it is a
        // fall-through; `if c goto A; goto B; A:` is `if !c goto B; A:`.
        var items: [Item] = []
        var k = 0
        while k < self.items.count {
            let item = self.items[k]
            if case .jump(nil, let l) = item, labelFollows(l, at: k + 1) {
                k += 1
                continue
            }
            if case .jump(let c?, let a) = item, k + 1 < self.items.count,
               case .jump(nil, let b) = self.items[k + 1], labelFollows(a, at: k + 2) {
                items.append(.jump(condition: c.negated, label: b))
                k += 2
                continue
            }
            items.append(item)
            k += 1
        }
        var long = Set<Int>()
        var position: [String: Int] = [:]
        var changed = true
        while changed {
            changed = false
            position = [:]
            var pc = 0
            for (k, item) in items.enumerated() {
                switch item {
                case .label(let l): position[l] = pc
                case .insn: pc += 1
                case .jump: pc += long.contains(k) ? 2 : 1
                case .comment: break
                }
            }
            pc = 0
            for (k, item) in items.enumerated() {
                switch item {
                case .insn: pc += 1
                case .jump(let condition, let l):
                    if condition != nil, !long.contains(k), abs(position[l]! - (pc + 1)) > reach {
                        long.insert(k)
                        changed = true
                    }
                    pc += long.contains(k) ? 2 : 1
                case .label, .comment: break
                }
            }
        }
        var needsV4 = false
        var pc = 0
        for (k, item) in items.enumerated() {
            switch item {
            case .label(let l):
                out.line("\"\(l):\\n\"")
            case .insn(let s):
                out.line("\"\t\(s)\\n\"")
                pc += 1
            case .jump(let condition, let l):
                if let condition, long.contains(k) {
                    out.line("\"\tif \(condition.negated.text) goto +1\\n\"")
                    out.line("\"\tgotol \(l)\\n\"")
                    needsV4 = true
                    pc += 2
                } else if let condition {
                    out.line("\"\tif \(condition.text) goto \(l)\\n\"")
                    pc += 1
                } else {
                    let near = abs(position[l]! - (pc + 1)) <= reach
                    if !near { needsV4 = true }
                    out.line("\"\t\(near ? "goto" : "gotol") \(l)\\n\"")
                    pc += 1
                }
            case .comment(let c):
                out.line("/* \(c) */")
            }
        }
        return (pc, needsV4)
    }
}
