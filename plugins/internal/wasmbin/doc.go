// Package wasmbin decodes and encodes the WebAssembly binary format, as far
// as the upload pipeline needs: the module header and section framing,
// LEB128, the sections the policy reads or rewrites (type, import,
// function, table, memory, global, export, start, code), and one opcode
// table covering exactly the instructions the policy allows (MVP,
// mutable globals, sign extension, saturating truncation, multi-value,
// bulk memory, reference-types encoding), with each opcode's immediates,
// operand-stack effect and cost class. Instructions, types and limits of
// rejected proposals (SIMD, threads, tail calls, exceptions, GC,
// memory64, multi-memory, wide arithmetic, table mutation) are decoded only
// far enough to name them in a *BannedOpError.
//
// Invariants:
//   - Decode never panics, whatever the input; every error names the
//     offset and the item that is wrong. Vector lengths are checked against
//     the bytes left before anything is allocated.
//   - Decode followed by Module.Encode reproduces the input byte for byte:
//     every section keeps its raw bytes (non-minimal LEB128 included), and
//     callers replace whole sections with SetSection.
//   - AppendInstr writes the canonical (minimal LEB128) encoding; decoding
//     it yields an equal Instr.
//   - Nothing here iterates a map, so all output is deterministic.
//   - Decode checks structure, not types: full validation is the engine's
//     job, done before anything trusts the indices.
package wasmbin
