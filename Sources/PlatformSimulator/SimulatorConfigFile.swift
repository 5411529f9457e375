/// The `--config FILE` of `platform-sim`: `{"simulator": {…SimulatorConfiguration…}, "seed": {…SimulatorSeed…}}`,
/// both optional.
public struct SimulatorConfigFile: Sendable, Codable {
    public var simulator: SimulatorConfiguration
    public var seed: SimulatorSeed?

    public init(simulator: SimulatorConfiguration = SimulatorConfiguration(), seed: SimulatorSeed? = nil) {
        self.simulator = simulator
        self.seed = seed
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        simulator = try container.decodeIfPresent(SimulatorConfiguration.self, forKey: .simulator)
            ?? SimulatorConfiguration()
        seed = try container.decodeIfPresent(SimulatorSeed.self, forKey: .seed)
    }
}
