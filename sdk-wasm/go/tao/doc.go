// Package tao is the Go guest SDK for taorun subnet modules (ABI v1).
//
// A module author writes typed handlers and registers them from init; the
// SDK provides the wasm exports, the payload encoding (package
// github.com/taorun/taorun/abi/wire) and the host functions as plain Go
// functions, so no pointer or byte layout is ever visible:
//
//	package main
//
//	import "github.com/taorun/taorun/sdk-wasm/go/tao"
//
//	func init() {
//		tao.HandleScore(score)
//		tao.HandleValidateWeights(validate)
//	}
//
//	func score(in tao.ScoreInput) (tao.ScoreOutput, error) { ... }
//	func validate(in tao.ValidateWeightsInput) (tao.ValidateWeightsOutput, error) { ... }
//
//	func main() {}
//
// Build it as a wasip1 reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o module.wasm .
//
// Entry points. Chain-side hooks run inside blocks, metered, on every node:
// validate_weights (HandleValidateWeights), on_epoch (HandleOnEpoch) and
// on_register (HandleOnRegister). Node-side entry points run in a
// validator's or miner's node: challenge, solve and score (HandleChallenge,
// HandleSolve, HandleScore). init (HandleInit) receives the module's
// configuration. An entry point without a handler answers "not implemented",
// which the host treats as if the module did not have it (docs/abi.md).
//
// Invariants:
//   - The module exports tao_abi_v1, alloc, dealloc and every entry point;
//     buffers handed to the host stay referenced until the host deallocs
//     them, and the input buffer is freed by the guest after each call.
//   - A handler's error, or a panic, becomes the entry point's guest error
//     text. A handler's output is checked with the same strict decoder the
//     host uses before it leaves the module, so a malformed result is
//     reported to the author with the field that is wrong.
//   - Host functions write only into buffers the SDK passes to them; the
//     host never calls back into the module during a host call.
//
// Determinism. Chain-side hooks must give the same result on every node:
// use only their input, state and host functions; no goroutines whose
// interleaving matters, no iteration over Go maps where order matters, and
// integers or the fixed-point helpers (Ratio, MulScore, SplitProportional,
// ScoresToWeights) rather than floats for anything that reaches consensus.
// Randomness comes from ChallengeInput.Seed, never from crypto/rand or time.
//
// Outside wasm (GOOS other than wasip1) the package still builds so that
// handlers can be unit-tested with Invoke; host functions panic there.
package tao
