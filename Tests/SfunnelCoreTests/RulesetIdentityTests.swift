import SfunnelCore
import Testing

/// The ruleset's identity in the generated C, which `sfunnelc status` reads
/// back from the kernel (the round trip is tested end to end).
struct RulesetIdentityTests {
    @Test func typeNameCarriesDigestOfTheBytesAndRuleCount() {
        let text = "ip udp dport 2055 actions funnel tcp dport 179 sport 540\nip tcp actions drop\n"
        let file = SourceFile(name: "x.rules", text: text)
        let ruleset = Frontend.load(file).ruleset
        let c = CEmitter.emit(ruleset, source: file, sourceName: "x.rules")
        let name = "sfunnel_ruleset_\(SHA256.hex(Array(text.utf8)))_2_tree"
        #expect(CEmitter.rulesetTypeName(source: file, ruleCount: 2, form: "tree") == name)
        #expect(c.contains("struct \(name) {"))
        #expect(c.contains("#define SF_RULESET_ID struct \(name)\n"))
        #expect(!c.contains("#define SFUNNEL_DEBUG"))
    }

    @Test func oneByteMoreIsAnotherRuleset() {
        let a = SourceFile(name: "a", text: "ip tcp actions drop\n")
        let b = SourceFile(name: "a", text: "ip tcp actions drop \n")
        #expect(CEmitter.rulesetTypeName(source: a, ruleCount: 1, form: "tree")
                != CEmitter.rulesetTypeName(source: b, ruleCount: 1, form: "tree"))
    }

    @Test func debugTurnsOnTheTrace() {
        let file = SourceFile(name: "x.rules", text: "ip tcp actions drop\n")
        let c = CEmitter.emit(Frontend.load(file).ruleset, source: file, sourceName: "x.rules", debug: true)
        #expect(c.contains("#define SFUNNEL_DEBUG 1\n"))
        #expect(c.contains("bpf_printk("))
    }
}

/// The form in the identity is the plan's: what `status` shows.
@Test(arguments: [(Strategy.tree, TreeForm.code, "tree"), (.tree, .table, "tables"), (.linear, .auto, "chain")])
func identityNamesTheForm(strategy: Strategy, form: TreeForm, name: String) {
    let file = SourceFile(name: "x.rules", text: "ip udp dport 2055 actions funnel tcp dport 179 sport 540\n")
    let ruleset = Frontend.load(file).ruleset
    let plan = CEmitter.plan(ruleset, strategy: strategy, form: form)
    let c = CEmitter.emit(ruleset, source: file, sourceName: "x.rules", plan: plan)
    #expect(c.contains("#define SF_RULESET_ID struct sfunnel_ruleset_\(SHA256.hex(file.bytes))_1_\(name)\n"))
}
