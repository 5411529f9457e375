import MetricsCore

/// `SplitMix64` with what the params generator draws: the same sequence from the same seed on every run and machine, so a generated request that
/// breaks the daemon can be made again from the seed the failure prints.
struct SeededRandom {
    private var generator: SplitMix64

    init(seed: UInt64) {
        generator = SplitMix64(seed: seed)
    }

    mutating func next() -> UInt64 {
        generator.next()
    }

    /// 0 ..< bound.
    mutating func below(_ bound: Int) -> Int {
        generator.below(bound)
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
