// A test-only module: each rt_* export decodes one payload type strictly and
// re-encodes it, or returns the decoder's error text. The Go test
// (sdk-wasm/assemblyscript/as_test.go) runs it on the golden vectors and on
// corrupted copies of them, requiring the same bytes and the same error
// texts as the Go package abi/wire.
import {
  BlockInfo, ChallengeInput, ChallengeOutput, Decoder, Encoder, Metagraph, OnEpochInput, OnEpochOutput,
  OnRegisterInput, OnRegisterOutput, ScoreInput, ScoreOutput, SolveInput, SolveOutput, ValidateWeightsInput,
  ValidateWeightsOutput, dealloc, errorResult, outputResult,
} from "../assembly/index";

export { tao_abi_v1, alloc, dealloc } from "../assembly/index";

function rt<T>(ptr: u32, len: u32, name: string, dec: (d: Decoder) => T): u64 {
  const d = new Decoder(ptr, len);
  const v = dec(d);
  const err = d.finish(name);
  if (err !== null) {
    dealloc(ptr, len);
    return errorResult(err);
  }
  const e = new Encoder();
  v.encode(e);
  dealloc(ptr, len);
  return outputResult(e);
}

export function rt_validate_weights_input(p: u32, n: u32): u64 {
  return rt<ValidateWeightsInput>(p, n, "ValidateWeightsInput", (d: Decoder): ValidateWeightsInput => ValidateWeightsInput.decode(d));
}
export function rt_validate_weights_output(p: u32, n: u32): u64 {
  return rt<ValidateWeightsOutput>(p, n, "ValidateWeightsOutput", (d: Decoder): ValidateWeightsOutput => ValidateWeightsOutput.decode(d));
}
export function rt_on_epoch_input(p: u32, n: u32): u64 {
  return rt<OnEpochInput>(p, n, "OnEpochInput", (d: Decoder): OnEpochInput => OnEpochInput.decode(d));
}
export function rt_on_epoch_output(p: u32, n: u32): u64 {
  return rt<OnEpochOutput>(p, n, "OnEpochOutput", (d: Decoder): OnEpochOutput => OnEpochOutput.decode(d));
}
export function rt_on_register_input(p: u32, n: u32): u64 {
  return rt<OnRegisterInput>(p, n, "OnRegisterInput", (d: Decoder): OnRegisterInput => OnRegisterInput.decode(d));
}
export function rt_on_register_output(p: u32, n: u32): u64 {
  return rt<OnRegisterOutput>(p, n, "OnRegisterOutput", (d: Decoder): OnRegisterOutput => OnRegisterOutput.decode(d));
}
export function rt_challenge_input(p: u32, n: u32): u64 {
  return rt<ChallengeInput>(p, n, "ChallengeInput", (d: Decoder): ChallengeInput => ChallengeInput.decode(d));
}
export function rt_challenge_output(p: u32, n: u32): u64 {
  return rt<ChallengeOutput>(p, n, "ChallengeOutput", (d: Decoder): ChallengeOutput => ChallengeOutput.decode(d));
}
export function rt_solve_input(p: u32, n: u32): u64 {
  return rt<SolveInput>(p, n, "SolveInput", (d: Decoder): SolveInput => SolveInput.decode(d));
}
export function rt_solve_output(p: u32, n: u32): u64 {
  return rt<SolveOutput>(p, n, "SolveOutput", (d: Decoder): SolveOutput => SolveOutput.decode(d));
}
export function rt_score_input(p: u32, n: u32): u64 {
  return rt<ScoreInput>(p, n, "ScoreInput", (d: Decoder): ScoreInput => ScoreInput.decode(d));
}
export function rt_score_output(p: u32, n: u32): u64 {
  return rt<ScoreOutput>(p, n, "ScoreOutput", (d: Decoder): ScoreOutput => ScoreOutput.decode(d));
}
export function rt_block_info(p: u32, n: u32): u64 {
  return rt<BlockInfo>(p, n, "BlockInfo", (d: Decoder): BlockInfo => BlockInfo.decode(d));
}
export function rt_metagraph(p: u32, n: u32): u64 {
  return rt<Metagraph>(p, n, "Metagraph", (d: Decoder): Metagraph => Metagraph.decode(d));
}
