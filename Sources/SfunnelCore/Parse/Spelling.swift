/// "Did you mean …?" suggestions for misspelled keywords.
enum Spelling {
    /// The candidate closest to `word` by edit distance (insertions, deletions,
    /// substitutions and swaps of neighbours each count 1; case is ignored), if
    /// it is close enough to be a likely typo: at most 1 edit for words of up
    /// to 4 letters, 2 for longer ones. Ties go to the earlier candidate.
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        let w = Array(word.lowercased().utf8)
        let limit = w.count <= 4 ? 1 : 2
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let d = distance(w, Array(candidate.utf8))
            if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.candidate
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent swaps).
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let width = b.count + 1
        var d = [Int](repeating: 0, count: (a.count + 1) * width)
        for i in 0...a.count { d[i * width] = i }
        for j in 0...b.count { d[j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(d[(i - 1) * width + j] + 1, d[i * width + j - 1] + 1, d[(i - 1) * width + j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    v = min(v, d[(i - 2) * width + j - 2] + 1)
                }
                d[i * width + j] = v
            }
        }
        return d[a.count * width + b.count]
    }
}
