// Package sim runs multi-epoch Yuma Consensus scenarios for incentive design: a scenario
// names neurons with stakes and either hidden miner qualities or validator weight
// strategies (honest, copier, colluding, explicit schedules, and "every k epochs" for late
// or outdated validators); Run feeds each epoch's bonds and validator permits into the
// next, exactly as the chain does, and records every epoch's outputs. Result renders
// per-epoch tables, a summary, JSON, and a plot of incentive and dividends per uid over
// the epochs as SVG (written by hand) or PNG (one shared layout; the PNG's only
// dependency is the bitmap font of golang.org/x/image).
//
// The epoch itself is consensus.Epoch, the chain's bit-exact implementation; the
// simulator is a tool, not consensus code. Invariants:
//   - Reproducible: weight generation is integer-only (stakes, qualities and noise are
//     quantised once, when the scenario is parsed) and driven by one seeded PCG generator
//     drawn in uid order, so a scenario file yields the same bits on every platform.
//     Floats appear only in parsing and in reporting (proportions, means, plots).
//   - Run never modifies its Scenario; every EpochRecord holds vectors of one entry per
//     neuron, and stored weight rows are max-upscaled to u16 as set_weights stores them.
//   - ParseScenario rejects unknown keys and out-of-range values with an error naming
//     the field, so a scenario that parses always runs.
package sim
