// An example AssemblyScript subnet module: the "echo" subnet. A miner must
// return the task unchanged; the score is 1.0 for an instant echo, falling
// linearly to 0.5 at one second and staying 0.5 after, and 0 for a wrong
// answer or a failure. It is the end-to-end test of the AssemblyScript SDK:
// on abi/wire/testdata/score_input.hex it must produce score_output.hex.
import {
  ChallengeInput, ChallengeOutput, Score, ScoreInput, ScoreOne, ScoreOutput, SolveInput, SolveOutput,
  handleChallenge, handleScore, handleSolve, notImplemented,
} from "../assembly/index";

export { tao_abi_v1, alloc, dealloc } from "../assembly/index";

const fullSpeedMicros: u64 = 1_000_000;

function bytesEqual(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

function scoreAll(inp: ScoreInput): ScoreOutput {
  const out = new ScoreOutput();
  for (let i = 0; i < inp.responses.length; i++) {
    const r = inp.responses[i];
    let v: u64 = 0;
    if (r.err.length == 0 && bytesEqual(r.response, inp.task)) {
      v = ScoreOne / 2;
      if (r.latencyMicros < fullSpeedMicros) v += (ScoreOne / 2) * (fullSpeedMicros - r.latencyMicros) / fullSpeedMicros;
    }
    out.scores.push(Score.create(r.uid, v));
  }
  return out;
}

function challengeFromSeed(inp: ChallengeInput): ChallengeOutput {
  const out = new ChallengeOutput();
  out.task = inp.seed; // the seed itself is the task to echo
  out.timeoutMillis = 1000;
  return out;
}

function echo(inp: SolveInput): SolveOutput {
  const out = new SolveOutput();
  out.response = inp.task;
  return out;
}

export function score(ptr: u32, len: u32): u64 { return handleScore(ptr, len, scoreAll); }
export function challenge(ptr: u32, len: u32): u64 { return handleChallenge(ptr, len, challengeFromSeed); }
export function solve(ptr: u32, len: u32): u64 { return handleSolve(ptr, len, echo); }
// The echo subnet has no chain-side rules: it exports the hook and answers
// "not implemented", which the chain treats as accepting the weights.
export function validate_weights(ptr: u32, len: u32): u64 { return notImplemented("validate_weights", ptr, len); }
