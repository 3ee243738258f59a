// Package matmul is the payload of the "matmul" runner job: the one format
// the proof-of-compute module (examples/pocsubnet/module, compiled to
// wasip1) sends and the workers (examples/runners/matmul-cpu in Go,
// examples/runners/matmul-gpu/worker.py in Python) answer. It is pure Go with
// no dependencies beyond the standard library, so the module and the Go
// worker share this one implementation; the Python worker is held to it byte
// for byte by the golden vectors in testdata/vectors.json.
//
// Job (the runner's input), all integers u32 little-endian:
//
//	n, k, m, p | A: n×k entries, row-major | B: k×m entries, row-major
//
// with n, m ≥ 1, 1 ≤ k ≤ MaxInner, 2 ≤ p ≤ MaxModulus and every entry < p.
// Result (the runner's output):
//
//	n, m | C: n×m entries, row-major, C = A·B mod p
//
// The bounds keep every dot product below 2^53 ((2^16-1)² · 2^21 < 2^53), so
// the sums are exact in uint64 and in a float64 GPU kernel alike.
package matmul

import (
	"encoding/binary"
	"fmt"
)

// Limits on a job's shape and modulus (see the package documentation).
const (
	// MaxModulus is the largest modulus p.
	MaxModulus = 1 << 16
	// MaxInner is the largest inner dimension k.
	MaxInner = 1 << 21
	// JobHeaderBytes is the size of a job's header n, k, m, p.
	JobHeaderBytes = 16
	// ResultHeaderBytes is the size of a result's header n, m.
	ResultHeaderBytes = 8
)

// Job is one multiplication: A (N×K) times B (K×M), modulo P, both
// row-major.
type Job struct {
	N, K, M, P uint32
	A, B       []uint32
}

// Result is a job's product C (N×M, row-major), reduced modulo the job's P.
type Result struct {
	N, M uint32
	C    []uint32
}

// Check reports the first way j breaks the format's rules: its shape, its
// modulus, the lengths of A and B, or an entry not below P. Error texts are
// the workers' (the Python worker spells "≥" and "≤" as ">=" and "<=").
func (j Job) Check() error {
	if err := checkHeader(j.N, j.K, j.M, j.P); err != nil {
		return err
	}
	if uint64(len(j.A)) != uint64(j.N)*uint64(j.K) || uint64(len(j.B)) != uint64(j.K)*uint64(j.M) {
		return fmt.Errorf("matmul: A has %d entries and B %d; n=%d k=%d m=%d needs %d and %d",
			len(j.A), len(j.B), j.N, j.K, j.M, uint64(j.N)*uint64(j.K), uint64(j.K)*uint64(j.M))
	}
	for _, mat := range []struct {
		name string
		v    []uint32
	}{{"A", j.A}, {"B", j.B}} {
		for i, v := range mat.v {
			if v >= j.P {
				return fmt.Errorf("matmul: entry %s[%d] is %d, not below p=%d", mat.name, i, v, j.P)
			}
		}
	}
	return nil
}

func checkHeader(n, k, m, p uint32) error {
	if n == 0 || m == 0 || k == 0 || k > MaxInner {
		return fmt.Errorf("matmul: shape n=%d k=%d m=%d: each must be ≥ 1 and k ≤ %d", n, k, m, MaxInner)
	}
	if p < 2 || p > MaxModulus {
		return fmt.Errorf("matmul: modulus p=%d is outside 2..%d", p, MaxModulus)
	}
	return nil
}

// JobBytes is the encoded size of a job of shape n×k·k×m.
func JobBytes(n, k, m uint32) uint64 {
	return JobHeaderBytes + 4*(uint64(n)*uint64(k)+uint64(k)*uint64(m))
}

// EncodeJob returns j's encoding. It does not check j; DecodeJob does.
func EncodeJob(j Job) []byte {
	out := make([]byte, 0, JobHeaderBytes+4*(len(j.A)+len(j.B)))
	for _, v := range [4]uint32{j.N, j.K, j.M, j.P} {
		out = binary.LittleEndian.AppendUint32(out, v)
	}
	return appendU32s(appendU32s(out, j.A), j.B)
}

// DecodeJob decodes and checks a job. Its length is checked against the
// header before anything is allocated, so a forged header cannot make the
// decoder allocate more than the input's size.
func DecodeJob(b []byte) (Job, error) {
	if len(b) < JobHeaderBytes {
		return Job{}, fmt.Errorf("matmul: input is %d bytes, shorter than the 16-byte header n, k, m, p", len(b))
	}
	j := Job{N: u32(b, 0), K: u32(b, 1), M: u32(b, 2), P: u32(b, 3)}
	if err := checkHeader(j.N, j.K, j.M, j.P); err != nil {
		return Job{}, err
	}
	if want := JobBytes(j.N, j.K, j.M); uint64(len(b)) != want {
		return Job{}, fmt.Errorf("matmul: input is %d bytes; n=%d k=%d m=%d needs %d", len(b), j.N, j.K, j.M, want)
	}
	body := b[JobHeaderBytes:]
	na := int(j.N) * int(j.K)
	j.A = readU32s(body[:4*na])
	j.B = readU32s(body[4*na:])
	if err := j.Check(); err != nil {
		return Job{}, err
	}
	return j, nil
}

// EncodeResult returns r's encoding.
func EncodeResult(r Result) []byte {
	out := make([]byte, 0, ResultHeaderBytes+4*len(r.C))
	out = binary.LittleEndian.AppendUint32(out, r.N)
	out = binary.LittleEndian.AppendUint32(out, r.M)
	return appendU32s(out, r.C)
}

// DecodeResult decodes the result of a job of shape n×·×m modulo p,
// checking that its shape is n×m, its length matches and every entry is
// reduced (below p).
func DecodeResult(b []byte, n, m, p uint32) (Result, error) {
	if len(b) < ResultHeaderBytes {
		return Result{}, fmt.Errorf("matmul: result is %d bytes, shorter than the 8-byte header n, m", len(b))
	}
	r := Result{N: u32(b, 0), M: u32(b, 1)}
	if r.N != n || r.M != m {
		return Result{}, fmt.Errorf("matmul: result shape is %d×%d, want %d×%d", r.N, r.M, n, m)
	}
	if want := ResultHeaderBytes + 4*uint64(n)*uint64(m); uint64(len(b)) != want {
		return Result{}, fmt.Errorf("matmul: result is %d bytes; n=%d m=%d needs %d", len(b), n, m, want)
	}
	r.C = readU32s(b[ResultHeaderBytes:])
	for i, v := range r.C {
		if v >= p {
			return Result{}, fmt.Errorf("matmul: result entry C[%d] is %d, not below p=%d", i, v, p)
		}
	}
	return r, nil
}

// Multiply returns A·B mod P, the reference computation: exact uint64 sums
// (below 2^53 within the limits), reduced once per entry. j must be valid
// (Check or DecodeJob).
func Multiply(j Job) Result {
	n, k, m := int(j.N), int(j.K), int(j.M)
	r := Result{N: j.N, M: j.M, C: make([]uint32, n*m)}
	row := make([]uint64, m)
	for i := range n {
		clear(row)
		for t := range k {
			av := uint64(j.A[i*k+t])
			for c, bv := range j.B[t*m : (t+1)*m] {
				row[c] += av * uint64(bv)
			}
		}
		for c, v := range row {
			r.C[i*m+c] = uint32(v % uint64(j.P))
		}
	}
	return r
}

// FreivaldsRound checks one round of Freivalds' algorithm, A·(B·v) = C·v
// mod P, in O(nk + km + nm) instead of the product's O(nkm). v has M entries
// below P. A wrong C passes a round with probability at most 1/P when P is
// prime and v is uniformly random; the caller draws v. j must be valid and
// c of shape N×M.
func FreivaldsRound(j Job, c Result, v []uint64) bool {
	p := uint64(j.P)
	bv := mulVec(j.B, int(j.K), int(j.M), v, p)
	left := mulVec(j.A, int(j.N), int(j.K), bv, p)
	right := mulVec(c.C, int(j.N), int(j.M), v, p)
	for i := range left {
		if left[i] != right[i] {
			return false
		}
	}
	return true
}

// mulVec returns x·v mod p for a rows×cols matrix x and a vector v of
// entries below p (each term is below 2^32; the running sum is reduced).
func mulVec(x []uint32, rows, cols int, v []uint64, p uint64) []uint64 {
	out := make([]uint64, rows)
	for i := range rows {
		var acc uint64
		for t, xv := range x[i*cols : (i+1)*cols] {
			acc = (acc + uint64(xv)*v[t]) % p
		}
		out[i] = acc
	}
	return out
}

func u32(b []byte, i int) uint32 { return binary.LittleEndian.Uint32(b[4*i:]) }

func appendU32s(out []byte, v []uint32) []byte {
	for _, x := range v {
		out = binary.LittleEndian.AppendUint32(out, x)
	}
	return out
}

func readU32s(b []byte) []uint32 {
	out := make([]uint32, len(b)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out
}
