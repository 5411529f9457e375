/// SplitMix64: the same sequence from the same seed on every run and machine, so a generated request that
/// breaks the daemon can be made again from the seed the failure prints.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0 ..< bound.
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    /// lower ... upper, over the whole Int64 range if asked.
    mutating func between(_ lower: Int64, _ upper: Int64) -> Int64 {
        precondition(lower <= upper)
        let width = UInt64(bitPattern: upper &- lower)
        let offset = width == .max ? next() : next() % (width + 1)
        return lower &+ Int64(bitPattern: offset)
    }

    /// True once in `times`.
    mutating func oneIn(_ times: Int) -> Bool {
        below(times) == 0
    }

    mutating func pick<Element>(_ elements: [Element]) -> Element {
        elements[below(elements.count)]
    }
}
