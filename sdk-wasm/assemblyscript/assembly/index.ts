// AssemblyScript guest SDK for taorun subnet modules, ABI v1.
//
// The same surface as the Go SDK (sdk-wasm/go/tao): typed payload classes,
// the wire encoding (docs/abi.md; byte-for-byte the Go package abi/wire,
// checked against abi/wire/testdata), the ABI glue and the host functions as
// plain functions. A module's entry file re-exports the ABI exports and
// wraps its handlers:
//
//   import { ScoreInput, ScoreOutput, handleScore } from "taorun-sdk";
//   export { tao_abi_v1, alloc, dealloc } from "taorun-sdk";
//   export function score(ptr: u32, len: u32): u64 { return handleScore(ptr, len, myScore); }
//
// Build with `--runtime stub --use abort=assembly/index/taoAbort --disable simd`
// (scripts/build-as.sh). Invariants: the SDK never uses floats, randomness or
// a clock; decoding is strict (the Go decoder's rules); output buffers come
// from heap.alloc and stay valid until the host calls dealloc.

// ---------------------------------------------------------------- constants

/** The score meaning 1.0: scores are u64 scaled by 1e9. */
export const ScoreOne: u64 = 1_000_000_000;
/** The u16 proportion meaning 1.0 (weights, incentive, dividends). */
export const U16One: u16 = 65535;

/** validate_weights verdicts. */
export const Accept: u8 = 0;
export const Reject: u8 = 1;
export const Adjust: u8 = 2;

/** Log levels of env.log. */
export const LevelDebug: u32 = 0;
export const LevelInfo: u32 = 1;
export const LevelWarn: u32 = 2;
export const LevelError: u32 = 3;

/** Host status codes (a host function's negative result is -status). */
export const StatusUnavailable: i64 = 1;
export const StatusRunnerFailed: i64 = 2;
export const StatusNotFound: i64 = 3;

const ResultError: u64 = (<u64>1) << 63;
const ResultNotImplemented: u64 = (<u64>1) << 62;

// ------------------------------------------------------------- host imports

// @ts-ignore: decorator
@external("env", "log")
declare function env_log(level: u32, ptr: usize, len: u32): void;
// @ts-ignore: decorator
@external("env", "abort")
declare function env_abort(ptr: usize, len: u32): void;
// @ts-ignore: decorator
@external("env", "block_info")
declare function env_block_info(out: usize, cap: u32): i64;
// @ts-ignore: decorator
@external("env", "sha256")
declare function env_sha256(ptr: usize, len: u32, out: usize): void;
// @ts-ignore: decorator
@external("env", "blake2b")
declare function env_blake2b(ptr: usize, len: u32, out: usize): void;
// @ts-ignore: decorator
@external("env", "gas_left")
declare function env_gas_left(): i64;
// @ts-ignore: decorator
@external("env", "state_get")
declare function env_state_get(key: usize, keyLen: u32, out: usize, cap: u32): i64;
// @ts-ignore: decorator
@external("env", "state_set")
declare function env_state_set(key: usize, keyLen: u32, val: usize, valLen: u32): void;
// @ts-ignore: decorator
@external("env", "state_remove")
declare function env_state_remove(key: usize, keyLen: u32): void;
// @ts-ignore: decorator
@external("env", "metagraph")
declare function env_metagraph(out: usize, cap: u32): i64;
// @ts-ignore: decorator
@external("env", "runner_invoke")
declare function env_runner_invoke(name: usize, nameLen: u32, inp: usize, inLen: u32): i64;
// @ts-ignore: decorator
@external("env", "runner_result")
declare function env_runner_result(out: usize, cap: u32): i64;

// ------------------------------------------------------------------ helpers

function bytesPtr(b: Uint8Array): usize {
  return b.dataStart;
}

function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

/** Runs a host call with the caller-buffer protocol; null for a negative result. */
function readBuffer(call: (out: usize, cap: u32) => i64): Uint8Array | null {
  let buf = new Uint8Array(256);
  let n = call(buf.dataStart, <u32>buf.length);
  if (n < 0) return null;
  if (n > <i64>buf.length) {
    buf = new Uint8Array(<i32>n);
    if (call(buf.dataStart, <u32>buf.length) != n) fail("tao: host changed a result's length between two reads");
  }
  return buf.subarray(0, <i32>n);
}

// ------------------------------------------------------------ host functions

/** Writes msg to the host's bounded log for this call. */
export function log(level: u32, msg: string): void {
  const b = utf8(msg);
  env_log(level, bytesPtr(b), <u32>b.length);
}

/** Stops the module with msg (the host traps the call). Never returns. */
export function fail(msg: string): void {
  const b = utf8(msg);
  env_abort(bytesPtr(b), <u32>b.length);
  unreachable();
}

/** AssemblyScript's abort, remapped with --use abort=assembly/index/taoAbort. */
export function taoAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let msg = message !== null ? message : "abort";
  if (fileName !== null) msg += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  fail(msg);
}

/** The block this call runs in. */
export function currentBlock(): BlockInfo {
  const b = readBuffer((out: usize, cap: u32): i64 => env_block_info(out, cap));
  const d = new Decoder(b !== null ? b.dataStart : 0, b !== null ? <u32>b.length : 0);
  const info = BlockInfo.decode(d);
  if (d.finish("BlockInfo") !== null) fail("tao: host wrote an invalid block_info: " + d.error!);
  return info;
}

/** The subnet's metagraph; null outside chain-side hooks. */
export function currentMetagraph(): Metagraph | null {
  const b = readBuffer((out: usize, cap: u32): i64 => env_metagraph(out, cap));
  if (b === null) return null;
  const d = new Decoder(b.dataStart, <u32>b.length);
  const m = Metagraph.decode(d);
  if (d.finish("Metagraph") !== null) fail("tao: host wrote an invalid metagraph: " + d.error!);
  return m;
}

/** SHA-256 of data, computed by the host. */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  env_sha256(bytesPtr(data), <u32>data.length, out.dataStart);
  return out;
}

/** BLAKE2b-256 of data, computed by the host. */
export function blake2b(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  env_blake2b(bytesPtr(data), <u32>data.length, out.dataStart);
  return out;
}

/** Gas this call may still use. */
export function gasLeft(): u64 {
  return <u64>env_gas_left();
}

// The key of the state_get call in progress (AssemblyScript has no closures).
let stateKey: Uint8Array = new Uint8Array(0);

/** Reads key from module storage (chain-side hooks); null when absent. */
export function stateGet(key: Uint8Array): Uint8Array | null {
  stateKey = key;
  return readBuffer((out: usize, cap: u32): i64 => env_state_get(stateKey.dataStart, <u32>stateKey.length, out, cap));
}

/** Stores value under key in module storage (chain-side hooks). */
export function stateSet(key: Uint8Array, value: Uint8Array): void {
  env_state_set(bytesPtr(key), <u32>key.length, bytesPtr(value), <u32>value.length);
}

/** Deletes key from module storage (chain-side hooks). */
export function stateRemove(key: Uint8Array): void {
  env_state_remove(bytesPtr(key), <u32>key.length);
}

/** The status of the last runnerInvoke: 0 on success, else a Status* code. */
export let runnerStatus: i64 = 0;
/** The runner's error text after a runnerInvoke that failed with StatusRunnerFailed. */
export let runnerError: string = "";

/**
 * Runs input on the node's runner called name and waits (node-side entry
 * points only). On failure it returns null and sets runnerStatus
 * (StatusUnavailable in a chain-side hook or without such a runner) and,
 * for StatusRunnerFailed, runnerError.
 */
export function runnerInvoke(name: string, input: Uint8Array): Uint8Array | null {
  const n = utf8(name);
  const r = env_runner_invoke(bytesPtr(n), <u32>n.length, bytesPtr(input), <u32>input.length);
  runnerStatus = r < 0 ? -r : 0;
  runnerError = "";
  if (r == -StatusRunnerFailed) {
    const msg = readBuffer((out: usize, cap: u32): i64 => env_runner_result(out, cap));
    if (msg !== null) runnerError = String.UTF8.decodeUnsafe(msg.dataStart, msg.length);
  }
  if (r < 0) return null;
  return readBuffer((out: usize, cap: u32): i64 => env_runner_result(out, cap));
}

// ------------------------------------------------------------------ encoder

/** Appends values in the v1 wire encoding into a heap buffer. */
export class Encoder {
  ptr: usize = 0;
  len: u32 = 0;
  cap: u32 = 0;

  private reserve(n: u32): usize {
    if (this.len + n > this.cap) {
      let cap = max<u32>(this.cap << 1, max<u32>(this.len + n, 64));
      this.ptr = this.ptr == 0 ? heap.alloc(cap) : heap.realloc(this.ptr, cap);
      this.cap = cap;
    }
    const at = this.ptr + this.len;
    this.len += n;
    return at;
  }

  u8(v: u8): void { store<u8>(this.reserve(1), v); }
  bool(v: bool): void { this.u8(v ? 1 : 0); }
  u16(v: u16): void { store<u16>(this.reserve(2), v); }
  u32(v: u32): void { store<u32>(this.reserve(4), v); }
  u64(v: u64): void { store<u64>(this.reserve(8), v); }
  count(n: i32): void { this.u32(<u32>n); }
  hash(v: Uint8Array): void {
    if (v.length != 32) fail("tao: a hash field must hold 32 bytes, has " + v.length.toString());
    memory.copy(this.reserve(32), v.dataStart, 32);
  }
  blob(v: Uint8Array): void {
    this.count(v.length);
    memory.copy(this.reserve(<u32>v.length), v.dataStart, v.length);
  }
  string(s: string): void { this.blob(utf8(s)); }

  /** The encoded bytes as a fresh array (for tests and nested payloads). */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.len);
    memory.copy(out.dataStart, this.ptr, this.len);
    return out;
  }
}

// ------------------------------------------------------------------ decoder

/**
 * Strict v1 decoder over (ptr, len). The first error sticks in `error`
 * ("Field.Path: message", as the Go decoder words it) and later reads
 * return zero values.
 */
export class Decoder {
  ptr: usize;
  end: usize;
  error: string | null = null;

  constructor(ptr: usize, len: u32) {
    this.ptr = ptr;
    this.end = ptr + len;
  }

  remaining(): u32 { return <u32>(this.end - this.ptr); }

  failField(field: string, msg: string): void {
    if (this.error === null) this.error = field.length > 0 ? field + ": " + msg : ": " + msg;
  }

  /** Prefixes the path of a recorded error. */
  within(prefix: string): void {
    const e = this.error;
    if (e === null) return;
    this.error = e.startsWith(": ") ? prefix + e : prefix + "." + e;
  }

  withinIndex(list: string, i: i32): void {
    if (this.error !== null) this.within(list + "[" + i.toString() + "]");
  }

  /** Ends decoding value `what`: rejects trailing bytes, returns the error text or null. */
  finish(what: string): string | null {
    if (this.error === null && this.ptr != this.end) {
      this.failField("", this.remaining().toString() + " trailing bytes after the last field");
    }
    this.within(what);
    const e = this.error;
    if (e !== null) this.error = "wire: " + e;
    return this.error;
  }

  private take(field: string, n: u32): usize {
    if (this.error !== null) return 0;
    if (n > this.remaining()) {
      this.failField(field, "needs " + n.toString() + " bytes, only " + this.remaining().toString() + " left");
      return 0;
    }
    const at = this.ptr;
    this.ptr += n;
    return at;
  }

  u8(field: string): u8 { const p = this.take(field, 1); return p == 0 ? 0 : load<u8>(p); }
  bool(field: string): bool {
    const v = this.u8(field);
    if (v > 1) this.failField(field, "boolean byte is " + v.toString() + ", want 0 or 1");
    return v == 1;
  }
  u16(field: string): u16 { const p = this.take(field, 2); return p == 0 ? 0 : load<u16>(p); }
  u32(field: string): u32 { const p = this.take(field, 4); return p == 0 ? 0 : load<u32>(p); }
  u64(field: string): u64 { const p = this.take(field, 8); return p == 0 ? 0 : load<u64>(p); }
  hash(field: string): Uint8Array {
    const out = new Uint8Array(32);
    const p = this.take(field, 32);
    if (p != 0) memory.copy(out.dataStart, p, 32);
    return out;
  }
  count(field: string, minElem: u32): i32 {
    const n = this.u32(field);
    if (this.error !== null) return 0;
    if (<u64>n * <u64>minElem > <u64>this.remaining()) {
      this.failField(field, "count " + n.toString() + " needs at least " + (<u64>n * <u64>minElem).toString() +
        " bytes, only " + this.remaining().toString() + " left");
      return 0;
    }
    return <i32>n;
  }
  blob(field: string): Uint8Array {
    const n = this.count(field, 1);
    const out = new Uint8Array(n);
    const p = this.take(field, <u32>n);
    if (p != 0 && n > 0) memory.copy(out.dataStart, p, n);
    return out;
  }
  string(field: string): string {
    const n = this.count(field, 1);
    const p = this.take(field, <u32>n);
    if (p == 0 || n == 0) return "";
    if (!validUTF8(p, <u32>n)) {
      this.failField(field, "string is not valid UTF-8");
      return "";
    }
    return String.UTF8.decodeUnsafe(p, n);
  }

  /** Records the strictly-ascending-UID rule's violation for element i. */
  checkAscending(list: string, i: i32, prev: u16, uid: u16): void {
    if (this.error === null && i > 0 && uid <= prev) {
      this.failField("UID", "UIDs must be strictly ascending: " + uid.toString() + " follows " + prev.toString());
    }
    this.withinIndex(list, i);
  }
}

/** Go's utf8.Valid: shortest forms only, no surrogates, at most U+10FFFF. */
function validUTF8(p: usize, n: u32): bool {
  let i: u32 = 0;
  while (i < n) {
    const c = <u32>load<u8>(p + i);
    if (c < 0x80) { i++; continue; }
    let need: u32 = 0;
    let lo: u32 = 0x80, hi: u32 = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c == 0xe0) { need = 2; lo = 0xa0; }
    else if (c == 0xed) { need = 2; hi = 0x9f; }
    else if (c >= 0xe1 && c <= 0xef) need = 2;
    else if (c == 0xf0) { need = 3; lo = 0x90; }
    else if (c == 0xf4) { need = 3; hi = 0x8f; }
    else if (c >= 0xf1 && c <= 0xf3) need = 3;
    else return false;
    if (i + need >= n) return false; // truncated sequence
    for (let k: u32 = 1; k <= need; k++) {
      const b = <u32>load<u8>(p + i + k);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf)) return false;
    }
    i += need + 1;
  }
  return true;
}

// ----------------------------------------------------------------- payloads
// Field order and types follow docs/abi.md exactly.

export class WeightEntry {
  uid: u16 = 0;
  value: u16 = 0;
  static create(uid: u16, value: u16): WeightEntry { const w = new WeightEntry(); w.uid = uid; w.value = value; return w; }
  encode(e: Encoder): void { e.u16(this.uid); e.u16(this.value); }
  static decode(d: Decoder): WeightEntry { return WeightEntry.create(d.u16("UID"), d.u16("Value")); }
}

function encodeWeights(e: Encoder, ws: Array<WeightEntry>): void {
  e.count(ws.length);
  for (let i = 0; i < ws.length; i++) ws[i].encode(e);
}

function decodeWeights(d: Decoder): Array<WeightEntry> {
  const n = d.count("Weights", 4);
  const out = new Array<WeightEntry>();
  for (let i = 0; i < n; i++) {
    const w = WeightEntry.decode(d);
    d.checkAscending("Weights", i, i > 0 ? out[i - 1].uid : 0, w.uid);
    if (d.error !== null) return [];
    out.push(w);
  }
  return out;
}

export class ValidateWeightsInput {
  netuid: u16 = 0;
  block: u64 = 0;
  callerUid: u16 = 0;
  callerHotkey: Uint8Array = new Uint8Array(32);
  versionKey: u64 = 0;
  subnetN: u16 = 0;
  weights: Array<WeightEntry> = [];
  encode(e: Encoder): void {
    e.u16(this.netuid); e.u64(this.block); e.u16(this.callerUid); e.hash(this.callerHotkey);
    e.u64(this.versionKey); e.u16(this.subnetN); encodeWeights(e, this.weights);
  }
  static decode(d: Decoder): ValidateWeightsInput {
    const m = new ValidateWeightsInput();
    m.netuid = d.u16("Netuid"); m.block = d.u64("Block"); m.callerUid = d.u16("CallerUID");
    m.callerHotkey = d.hash("CallerHotkey"); m.versionKey = d.u64("VersionKey"); m.subnetN = d.u16("SubnetN");
    m.weights = decodeWeights(d);
    return m;
  }
}

export class ValidateWeightsOutput {
  verdict: u8 = Accept;
  reason: string = "";
  weights: Array<WeightEntry> = [];
  static accept(): ValidateWeightsOutput { return new ValidateWeightsOutput(); }
  static reject(reason: string): ValidateWeightsOutput {
    const o = new ValidateWeightsOutput(); o.verdict = Reject; o.reason = reason; return o;
  }
  static adjust(weights: Array<WeightEntry>, reason: string): ValidateWeightsOutput {
    const o = new ValidateWeightsOutput(); o.verdict = Adjust; o.reason = reason; o.weights = weights; return o;
  }
  encode(e: Encoder): void { e.u8(this.verdict); e.string(this.reason); encodeWeights(e, this.weights); }
  static decode(d: Decoder): ValidateWeightsOutput {
    const m = new ValidateWeightsOutput();
    m.verdict = d.u8("Verdict");
    if (m.verdict > Adjust) d.failField("Verdict", "unknown verdict " + m.verdict.toString() + " (want 0 accept, 1 reject, 2 adjust)");
    m.reason = d.string("Reason");
    m.weights = decodeWeights(d);
    if (m.weights.length > 0 && m.verdict != Adjust) {
      d.failField("Weights", "must be empty unless the verdict is adjust (verdict is " + (m.verdict == Accept ? "accept" : "reject") + ")");
    }
    return m;
  }
}

export class EpochNeuron {
  uid: u16 = 0;
  hotkey: Uint8Array = new Uint8Array(32);
  stake: u64 = 0;
  incentive: u16 = 0;
  dividends: u16 = 0;
  serverEmission: u64 = 0;
  validatorEmission: u64 = 0;
  active: bool = false;
  validatorPermit: bool = false;
  encode(e: Encoder): void {
    e.u16(this.uid); e.hash(this.hotkey); e.u64(this.stake); e.u16(this.incentive); e.u16(this.dividends);
    e.u64(this.serverEmission); e.u64(this.validatorEmission); e.bool(this.active); e.bool(this.validatorPermit);
  }
  static decode(d: Decoder): EpochNeuron {
    const n = new EpochNeuron();
    n.uid = d.u16("UID"); n.hotkey = d.hash("Hotkey"); n.stake = d.u64("Stake"); n.incentive = d.u16("Incentive");
    n.dividends = d.u16("Dividends"); n.serverEmission = d.u64("ServerEmission");
    n.validatorEmission = d.u64("ValidatorEmission"); n.active = d.bool("Active"); n.validatorPermit = d.bool("ValidatorPermit");
    return n;
  }
}

export class OnEpochInput {
  netuid: u16 = 0;
  block: u64 = 0;
  raoEmission: u64 = 0;
  neurons: Array<EpochNeuron> = [];
  encode(e: Encoder): void {
    e.u16(this.netuid); e.u64(this.block); e.u64(this.raoEmission);
    e.count(this.neurons.length);
    for (let i = 0; i < this.neurons.length; i++) this.neurons[i].encode(e);
  }
  static decode(d: Decoder): OnEpochInput {
    const m = new OnEpochInput();
    m.netuid = d.u16("Netuid"); m.block = d.u64("Block"); m.raoEmission = d.u64("RaoEmission");
    const n = d.count("Neurons", 64);
    for (let i = 0; i < n; i++) {
      const x = EpochNeuron.decode(d);
      d.checkAscending("Neurons", i, i > 0 ? m.neurons[i - 1].uid : 0, x.uid);
      if (d.error !== null) { m.neurons = []; break; }
      m.neurons.push(x);
    }
    return m;
  }
}

export class OnEpochOutput {
  resplit: bool = false;
  serverEmission: Array<u64> = [];
  static keep(): OnEpochOutput { return new OnEpochOutput(); }
  static resplitWith(serverEmission: Array<u64>): OnEpochOutput {
    const o = new OnEpochOutput(); o.resplit = true; o.serverEmission = serverEmission; return o;
  }
  encode(e: Encoder): void {
    e.bool(this.resplit);
    e.count(this.serverEmission.length);
    for (let i = 0; i < this.serverEmission.length; i++) e.u64(this.serverEmission[i]);
  }
  static decode(d: Decoder): OnEpochOutput {
    const m = new OnEpochOutput();
    m.resplit = d.bool("Resplit");
    const n = d.count("ServerEmission", 8);
    for (let i = 0; i < n; i++) m.serverEmission.push(d.u64(""));
    if (!m.resplit && m.serverEmission.length > 0) d.failField("ServerEmission", "must be empty when Resplit is false");
    return m;
  }
}

export class OnRegisterInput {
  netuid: u16 = 0;
  block: u64 = 0;
  hotkey: Uint8Array = new Uint8Array(32);
  coldkey: Uint8Array = new Uint8Array(32);
  uid: u16 = 0;
  burnPaid: u64 = 0;
  encode(e: Encoder): void {
    e.u16(this.netuid); e.u64(this.block); e.hash(this.hotkey); e.hash(this.coldkey); e.u16(this.uid); e.u64(this.burnPaid);
  }
  static decode(d: Decoder): OnRegisterInput {
    const m = new OnRegisterInput();
    m.netuid = d.u16("Netuid"); m.block = d.u64("Block"); m.hotkey = d.hash("Hotkey"); m.coldkey = d.hash("Coldkey");
    m.uid = d.u16("UID"); m.burnPaid = d.u64("BurnPaid");
    return m;
  }
}

export class OnRegisterOutput {
  allow: bool = false;
  reason: string = "";
  static allowed(): OnRegisterOutput { const o = new OnRegisterOutput(); o.allow = true; return o; }
  static denied(reason: string): OnRegisterOutput { const o = new OnRegisterOutput(); o.reason = reason; return o; }
  encode(e: Encoder): void { e.bool(this.allow); e.string(this.reason); }
  static decode(d: Decoder): OnRegisterOutput {
    const m = new OnRegisterOutput();
    m.allow = d.bool("Allow"); m.reason = d.string("Reason");
    return m;
  }
}

export class ChallengeInput {
  netuid: u16 = 0;
  block: u64 = 0;
  seed: Uint8Array = new Uint8Array(32);
  validatorHotkey: Uint8Array = new Uint8Array(32);
  encode(e: Encoder): void { e.u16(this.netuid); e.u64(this.block); e.hash(this.seed); e.hash(this.validatorHotkey); }
  static decode(d: Decoder): ChallengeInput {
    const m = new ChallengeInput();
    m.netuid = d.u16("Netuid"); m.block = d.u64("Block"); m.seed = d.hash("Seed"); m.validatorHotkey = d.hash("ValidatorHotkey");
    return m;
  }
}

export class ChallengeOutput {
  task: Uint8Array = new Uint8Array(0);
  timeoutMillis: u32 = 0;
  encode(e: Encoder): void { e.blob(this.task); e.u32(this.timeoutMillis); }
  static decode(d: Decoder): ChallengeOutput {
    const m = new ChallengeOutput();
    m.task = d.blob("Task"); m.timeoutMillis = d.u32("TimeoutMillis");
    return m;
  }
}

export class SolveInput {
  netuid: u16 = 0;
  block: u64 = 0;
  minerHotkey: Uint8Array = new Uint8Array(32);
  task: Uint8Array = new Uint8Array(0);
  encode(e: Encoder): void { e.u16(this.netuid); e.u64(this.block); e.hash(this.minerHotkey); e.blob(this.task); }
  static decode(d: Decoder): SolveInput {
    const m = new SolveInput();
    m.netuid = d.u16("Netuid"); m.block = d.u64("Block"); m.minerHotkey = d.hash("MinerHotkey"); m.task = d.blob("Task");
    return m;
  }
}

export class SolveOutput {
  response: Uint8Array = new Uint8Array(0);
  encode(e: Encoder): void { e.blob(this.response); }
  static decode(d: Decoder): SolveOutput { const m = new SolveOutput(); m.response = d.blob("Response"); return m; }
}

export class Response {
  uid: u16 = 0;
  latencyMicros: u64 = 0;
  response: Uint8Array = new Uint8Array(0);
  err: string = "";
  encode(e: Encoder): void { e.u16(this.uid); e.u64(this.latencyMicros); e.blob(this.response); e.string(this.err); }
  static decode(d: Decoder): Response {
    const r = new Response();
    r.uid = d.u16("UID"); r.latencyMicros = d.u64("LatencyMicros"); r.response = d.blob("Response"); r.err = d.string("Err");
    return r;
  }
}

export class ScoreInput {
  netuid: u16 = 0;
  block: u64 = 0;
  task: Uint8Array = new Uint8Array(0);
  responses: Array<Response> = [];
  encode(e: Encoder): void {
    e.u16(this.netuid); e.u64(this.block); e.blob(this.task);
    e.count(this.responses.length);
    for (let i = 0; i < this.responses.length; i++) this.responses[i].encode(e);
  }
  static decode(d: Decoder): ScoreInput {
    const m = new ScoreInput();
    m.netuid = d.u16("Netuid"); m.block = d.u64("Block"); m.task = d.blob("Task");
    const n = d.count("Responses", 18);
    for (let i = 0; i < n; i++) {
      const r = Response.decode(d);
      d.checkAscending("Responses", i, i > 0 ? m.responses[i - 1].uid : 0, r.uid);
      if (d.error !== null) { m.responses = []; break; }
      m.responses.push(r);
    }
    return m;
  }
}

export class Score {
  uid: u16 = 0;
  value: u64 = 0;
  static create(uid: u16, value: u64): Score { const s = new Score(); s.uid = uid; s.value = value; return s; }
  encode(e: Encoder): void { e.u16(this.uid); e.u64(this.value); }
}

export class ScoreOutput {
  scores: Array<Score> = [];
  encode(e: Encoder): void {
    e.count(this.scores.length);
    for (let i = 0; i < this.scores.length; i++) this.scores[i].encode(e);
  }
  static decode(d: Decoder): ScoreOutput {
    const m = new ScoreOutput();
    const n = d.count("Scores", 10);
    for (let i = 0; i < n; i++) {
      const s = Score.create(d.u16("UID"), d.u64("Value"));
      d.checkAscending("Scores", i, i > 0 ? m.scores[i - 1].uid : 0, s.uid);
      if (d.error !== null) { m.scores = []; break; }
      m.scores.push(s);
    }
    return m;
  }
}

export class BlockInfo {
  netuid: u16 = 0;
  height: u64 = 0;
  timeMillis: u64 = 0;
  hash: Uint8Array = new Uint8Array(32);
  encode(e: Encoder): void { e.u16(this.netuid); e.u64(this.height); e.u64(this.timeMillis); e.hash(this.hash); }
  static decode(d: Decoder): BlockInfo {
    const m = new BlockInfo();
    m.netuid = d.u16("Netuid"); m.height = d.u64("Height"); m.timeMillis = d.u64("TimeMillis"); m.hash = d.hash("Hash");
    return m;
  }
}

export class Neuron {
  uid: u16 = 0;
  hotkey: Uint8Array = new Uint8Array(32);
  coldkey: Uint8Array = new Uint8Array(32);
  stake: u64 = 0;
  rank: u16 = 0;
  trust: u16 = 0;
  consensus: u16 = 0;
  incentive: u16 = 0;
  dividends: u16 = 0;
  emission: u64 = 0;
  active: bool = false;
  validatorPermit: bool = false;
  lastUpdate: u64 = 0;
  registeredAt: u64 = 0;
  encode(e: Encoder): void {
    e.u16(this.uid); e.hash(this.hotkey); e.hash(this.coldkey); e.u64(this.stake); e.u16(this.rank); e.u16(this.trust);
    e.u16(this.consensus); e.u16(this.incentive); e.u16(this.dividends); e.u64(this.emission); e.bool(this.active);
    e.bool(this.validatorPermit); e.u64(this.lastUpdate); e.u64(this.registeredAt);
  }
  static decode(d: Decoder): Neuron {
    const n = new Neuron();
    n.uid = d.u16("UID"); n.hotkey = d.hash("Hotkey"); n.coldkey = d.hash("Coldkey"); n.stake = d.u64("Stake");
    n.rank = d.u16("Rank"); n.trust = d.u16("Trust"); n.consensus = d.u16("Consensus"); n.incentive = d.u16("Incentive");
    n.dividends = d.u16("Dividends"); n.emission = d.u64("Emission"); n.active = d.bool("Active");
    n.validatorPermit = d.bool("ValidatorPermit"); n.lastUpdate = d.u64("LastUpdate"); n.registeredAt = d.u64("RegisteredAt");
    return n;
  }
}

export class Metagraph {
  netuid: u16 = 0;
  block: u64 = 0;
  neurons: Array<Neuron> = [];
  encode(e: Encoder): void {
    e.u16(this.netuid); e.u64(this.block);
    e.count(this.neurons.length);
    for (let i = 0; i < this.neurons.length; i++) this.neurons[i].encode(e);
  }
  static decode(d: Decoder): Metagraph {
    const m = new Metagraph();
    m.netuid = d.u16("Netuid"); m.block = d.u64("Block");
    const n = d.count("Neurons", 110);
    for (let i = 0; i < n; i++) {
      const x = Neuron.decode(d);
      d.checkAscending("Neurons", i, i > 0 ? m.neurons[i - 1].uid : 0, x.uid);
      if (d.error !== null) { m.neurons = []; break; }
      m.neurons.push(x);
    }
    return m;
  }
}

// --------------------------------------------------------------- ABI glue

/** The ABI v1 marker export. Re-export it from the module's entry file. */
export function tao_abi_v1(): void {}

/** alloc(len) -> ptr: a buffer for the host to write an input into. */
export function alloc(len: u32): u32 {
  return <u32>heap.alloc(max<u32>(len, 1));
}

/** dealloc(ptr, len): frees a buffer from alloc or an entry point's output. */
export function dealloc(ptr: u32, len: u32): void {
  if (ptr != 0) heap.free(ptr);
}

// The error a handler set with setError during the current call.
let pendingError: string | null = null;

/** Makes the current entry point return a guest error with msg. */
export function setError(msg: string): void {
  if (pendingError === null) pendingError = msg;
}

/** Packs bytes at (ptr, len) as an entry point result with the given flags. */
function pack(ptr: usize, len: u32, flags: u64): u64 {
  return (<u64>ptr << 32) | <u64>len | flags;
}

/** An entry point result carrying the guest error msg (for hand-written exports). */
export function errorResult(msg: string, flags: u64 = 0): u64 {
  const b = utf8(msg);
  const p = heap.alloc(max<usize>(<usize>b.length, 1));
  memory.copy(p, b.dataStart, b.length);
  return pack(p, <u32>b.length, ResultError | flags);
}

/**
 * The not-implemented result, for an entry point a module exports but does
 * not handle: the host then behaves as if the export were absent.
 */
export function notImplemented(entry: string, ptr: u32, len: u32): u64 {
  dealloc(ptr, len);
  return errorResult("entry point " + entry + " not implemented by this module", ResultNotImplemented);
}

/** An entry point result carrying an encoder's bytes (for hand-written exports). */
export function outputResult(e: Encoder): u64 {
  return pack(e.ptr, e.len, 0);
}

/**
 * The body of every entry point: decode the input strictly, run the handler,
 * encode its output and check it with the decoder the host uses (so an
 * author's mistake comes back as an error naming the field), free the input.
 */
function handle<I, O>(entry: string, ptr: u32, len: u32, inName: string, outName: string,
  decodeIn: (d: Decoder) => I, decodeOut: (d: Decoder) => O, fn: (inp: I) => O): u64 {
  const d = new Decoder(ptr, len);
  const inp = decodeIn(d);
  const inErr = d.finish(inName);
  let result: u64 = 0;
  if (inErr !== null) {
    result = errorResult(inErr, 0);
  } else {
    pendingError = null;
    const out = fn(inp);
    const err = pendingError;
    pendingError = null;
    if (err !== null) {
      result = errorResult(err, 0);
    } else {
      const e = new Encoder();
      out.encode(e);
      const check = new Decoder(e.ptr, e.len);
      decodeOut(check);
      const outErr = check.finish(outName);
      result = outErr !== null ? errorResult(entry + " returned an invalid result: " + outErr, 0) : outputResult(e);
    }
  }
  dealloc(ptr, len);
  return result;
}

export function handleValidateWeights(ptr: u32, len: u32, fn: (inp: ValidateWeightsInput) => ValidateWeightsOutput): u64 {
  return handle<ValidateWeightsInput, ValidateWeightsOutput>("validate_weights", ptr, len, "ValidateWeightsInput", "ValidateWeightsOutput",
    (d: Decoder): ValidateWeightsInput => ValidateWeightsInput.decode(d), (d: Decoder): ValidateWeightsOutput => ValidateWeightsOutput.decode(d), fn);
}

export function handleOnEpoch(ptr: u32, len: u32, fn: (inp: OnEpochInput) => OnEpochOutput): u64 {
  return handle<OnEpochInput, OnEpochOutput>("on_epoch", ptr, len, "OnEpochInput", "OnEpochOutput",
    (d: Decoder): OnEpochInput => OnEpochInput.decode(d), (d: Decoder): OnEpochOutput => OnEpochOutput.decode(d), fn);
}

export function handleOnRegister(ptr: u32, len: u32, fn: (inp: OnRegisterInput) => OnRegisterOutput): u64 {
  return handle<OnRegisterInput, OnRegisterOutput>("on_register", ptr, len, "OnRegisterInput", "OnRegisterOutput",
    (d: Decoder): OnRegisterInput => OnRegisterInput.decode(d), (d: Decoder): OnRegisterOutput => OnRegisterOutput.decode(d), fn);
}

export function handleChallenge(ptr: u32, len: u32, fn: (inp: ChallengeInput) => ChallengeOutput): u64 {
  return handle<ChallengeInput, ChallengeOutput>("challenge", ptr, len, "ChallengeInput", "ChallengeOutput",
    (d: Decoder): ChallengeInput => ChallengeInput.decode(d), (d: Decoder): ChallengeOutput => ChallengeOutput.decode(d), fn);
}

export function handleSolve(ptr: u32, len: u32, fn: (inp: SolveInput) => SolveOutput): u64 {
  return handle<SolveInput, SolveOutput>("solve", ptr, len, "SolveInput", "SolveOutput",
    (d: Decoder): SolveInput => SolveInput.decode(d), (d: Decoder): SolveOutput => SolveOutput.decode(d), fn);
}

export function handleScore(ptr: u32, len: u32, fn: (inp: ScoreInput) => ScoreOutput): u64 {
  return handle<ScoreInput, ScoreOutput>("score", ptr, len, "ScoreInput", "ScoreOutput",
    (d: Decoder): ScoreInput => ScoreInput.decode(d), (d: Decoder): ScoreOutput => ScoreOutput.decode(d), fn);
}
