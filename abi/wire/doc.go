// Package wire is the one binary encoding of ABI v1 payloads: the bytes the
// host and a subnet module exchange through linear memory. The host (chain,
// validator, miner) and the Go guest SDK both compile this package, so the two
// sides cannot drift; the AssemblyScript SDK implements the same grammar and
// is checked against the golden vectors in testdata/.
//
// Consensus-critical: chain-side hooks receive and return these payloads
// inside blocks, so the encoding is deterministic and canonical.
//
// Grammar (docs/abi.md is the normative, language-neutral description):
//
//	u8, u16, u32, u64   fixed width, little-endian
//	bool                one byte, 0 or 1
//	hash                32 raw bytes (keys, hashes, seeds)
//	bytes, string       u32 length, then that many bytes (string: UTF-8)
//	list<T>             u32 count, then count elements
//	struct              its fields in declaration order, no padding, no tags
//
// Invariants:
//   - There are no floats: fractions are fixed point (ScoreOne = 1.0 for
//     scores, U16One = 1.0 for weights and Yuma proportions).
//   - Canonical: Decode accepts exactly the byte strings Encode produces, so
//     Encode(Decode(b)) == b whenever Decode(b) succeeds. Booleans must be 0
//     or 1, enumerations must hold a defined value, strings must be valid
//     UTF-8, lists keyed by UID are strictly ascending, optional lists are
//     empty when their flag says so, and trailing bytes are an error.
//   - Bounded: a list count is checked against the bytes left before anything
//     is allocated, so a decoder never allocates more than about the size of
//     its input, whatever the input claims.
//   - Errors name the field: "wire: ScoreInput.Responses[2].Err: string is
//     not valid UTF-8".
//   - No reflection and no maps: the same code runs on linux/amd64 and inside
//     a GOOS=wasip1 guest.
//
// Decoded byte strings are copies; callers may reuse input buffers.
package wire
