package tao

import "github.com/taorun/taorun/abi/wire"

// Payload types, shared with the host through package wire so both sides
// encode identically. They are aliases: a tao.ScoreInput is a
// wire.ScoreInput.
type (
	// ValidateWeightsInput is validate_weights' input.
	ValidateWeightsInput = wire.ValidateWeightsInput
	// ValidateWeightsOutput is validate_weights' result; build it with
	// AcceptWeights, RejectWeights or AdjustWeights.
	ValidateWeightsOutput = wire.ValidateWeightsOutput
	// WeightEntry is one (UID, u16 weight) pair.
	WeightEntry = wire.WeightEntry
	// Verdict is validate_weights' decision.
	Verdict = wire.Verdict
	// OnEpochInput is on_epoch's input: the epoch's inputs and Yuma's outputs.
	OnEpochInput = wire.OnEpochInput
	// EpochNeuron is one UID's row in OnEpochInput.
	EpochNeuron = wire.EpochNeuron
	// OnEpochOutput is on_epoch's result; build it with KeepEmission or
	// ResplitEmission.
	OnEpochOutput = wire.OnEpochOutput
	// OnRegisterInput is on_register's input.
	OnRegisterInput = wire.OnRegisterInput
	// OnRegisterOutput is on_register's result; build it with AllowRegistration
	// or DenyRegistration.
	OnRegisterOutput = wire.OnRegisterOutput
	// ChallengeInput is challenge's input.
	ChallengeInput = wire.ChallengeInput
	// ChallengeOutput is challenge's result.
	ChallengeOutput = wire.ChallengeOutput
	// SolveInput is solve's input.
	SolveInput = wire.SolveInput
	// SolveOutput is solve's result.
	SolveOutput = wire.SolveOutput
	// ScoreInput is score's input.
	ScoreInput = wire.ScoreInput
	// Response is one miner's answer inside ScoreInput.
	Response = wire.Response
	// ScoreOutput is score's result.
	ScoreOutput = wire.ScoreOutput
	// Score is one UID's fixed-point score (ScoreOne = 1.0).
	Score = wire.Score
	// BlockInfo describes the block a call runs in.
	BlockInfo = wire.BlockInfo
	// Neuron is one metagraph row.
	Neuron = wire.Neuron
	// Metagraph is a subnet's metagraph.
	Metagraph = wire.Metagraph
)

// Verdicts and fixed-point scales, re-exported from package wire.
const (
	// Accept keeps the submitted weights.
	Accept = wire.Accept
	// Reject refuses the submitted weights.
	Reject = wire.Reject
	// Adjust replaces the submitted weights.
	Adjust = wire.Adjust
	// ScoreOne is the score meaning 1.0 (scores are u64 scaled by 1e9).
	ScoreOne = wire.ScoreOne
	// U16One is the u16 proportion meaning 1.0 (weights, incentive, …).
	U16One = wire.U16One
)

// AcceptWeights is the validate_weights result that keeps the weights.
func AcceptWeights() ValidateWeightsOutput { return ValidateWeightsOutput{Verdict: Accept} }

// RejectWeights is the validate_weights result that refuses the weights;
// the set_weights transaction fails with reason.
func RejectWeights(reason string) ValidateWeightsOutput {
	return ValidateWeightsOutput{Verdict: Reject, Reason: reason}
}

// AdjustWeights is the validate_weights result that stores weights instead
// of the submitted ones. weights must be sorted by strictly ascending UID.
func AdjustWeights(weights []WeightEntry, reason string) ValidateWeightsOutput {
	return ValidateWeightsOutput{Verdict: Adjust, Reason: reason, Weights: weights}
}

// KeepEmission is the on_epoch result that keeps Yuma's split.
func KeepEmission() OnEpochOutput { return OnEpochOutput{} }

// ResplitEmission is the on_epoch result that replaces the miners' server
// emission with serverEmission, one amount per input neuron in input order.
// Its sum must equal the input's total server emission, or the chain keeps
// Yuma's split.
func ResplitEmission(serverEmission []uint64) OnEpochOutput {
	return OnEpochOutput{Resplit: true, ServerEmission: serverEmission}
}

// AllowRegistration is the on_register result that lets a registration proceed.
func AllowRegistration() OnRegisterOutput { return OnRegisterOutput{Allow: true} }

// DenyRegistration is the on_register result that refuses a registration.
func DenyRegistration(reason string) OnRegisterOutput {
	return OnRegisterOutput{Reason: reason}
}
