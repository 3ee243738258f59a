package keys

import (
	"crypto/rand"
	"runtime"
	"sync"
	"sync/atomic"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
	r255 "github.com/gtank/ristretto255"
)

// parsedSig is one signature ready for schnorrkel's verification equation
// s·B = R + h·P, where h is the transcript challenge.
type parsedSig struct {
	p, r *r255.Element
	s, h *r255.Scalar
}

// parseSig decodes a public key and signature as schnorrkel does (canonical
// point and scalar encodings, the marker bit set, the identity rejected as a
// key) and derives the challenge from the Substrate signing transcript.
func parseSig(pub PublicKey, msg []byte, sig Signature) (parsedSig, bool) {
	if pub == (PublicKey{}) || sig[63]&0x80 == 0 {
		return parsedSig{}, false
	}
	ps := parsedSig{p: r255.NewElement(), r: r255.NewElement(), s: r255.NewScalar()}
	if ps.p.Decode(pub[:]) != nil || ps.r.Decode(sig[:32]) != nil {
		return parsedSig{}, false
	}
	sb := sig
	sb[63] &= 0x7f
	if ps.s.Decode(sb[32:]) != nil {
		return parsedSig{}, false
	}
	t := schnorrkel.NewSigningContext(signingContext, msg)
	t.AppendMessage([]byte("proto-name"), []byte("Schnorr-sig"))
	t.AppendMessage([]byte("sign:pk"), pub[:])
	t.AppendMessage([]byte("sign:R"), sig[:32])
	ps.h = r255.NewScalar().FromUniformBytes(t.ExtractBytes([]byte("sign:c"), 64))
	return ps, true
}

// Verify reports whether sig is a valid sr25519 signature of msg by p, with the
// Substrate signing context. Malformed keys or signatures verify as false.
//
// Consensus-critical: the result is a pure function of its inputs.
func (p PublicKey) Verify(msg []byte, sig Signature) bool {
	ps, ok := parseSig(p, msg, sig)
	if !ok {
		return false
	}
	// R' = h·(−P) + s·B must equal R.
	negP := r255.NewElement().Negate(ps.p)
	return r255.NewElement().VarTimeDoubleScalarBaseMult(ps.h, negP, ps.s).Equal(ps.r) == 1
}

// batchChunk is the number of signatures checked by one multi-scalar
// multiplication; chunks are spread over goroutines.
const batchChunk = 64

// VerifyBatch reports whether every sigs[i] is a valid signature of msgs[i] by
// pubs[i]. Slices of different lengths give false; empty input gives true.
// Chunks of signatures are checked together by a random linear combination
// (one multi-scalar multiplication each, about twice the speed of Verify per
// signature) on GOMAXPROCS goroutines. A false result does not say which
// signature is bad; call Verify on each to find it.
//
// Consensus-critical: because ristretto255 has prime order, the batch
// equation holds exactly when every signature verifies, except with
// probability below 2^-128 over the random coefficients, so the result
// equals the conjunction of Verify over the inputs and does not depend on
// scheduling.
func VerifyBatch(pubs []PublicKey, msgs [][]byte, sigs []Signature) bool {
	n := len(pubs)
	if len(msgs) != n || len(sigs) != n {
		return false
	}
	if n <= batchChunk {
		return verifyChunk(pubs, msgs, sigs)
	}
	chunks := (n + batchChunk - 1) / batchChunk
	workers := min(runtime.GOMAXPROCS(0), chunks)
	var (
		bad  atomic.Bool
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !bad.Load() {
				lo := int(next.Add(1)-1) * batchChunk
				if lo >= n {
					return
				}
				hi := min(lo+batchChunk, n)
				if !verifyChunk(pubs[lo:hi], msgs[lo:hi], sigs[lo:hi]) {
					bad.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return !bad.Load()
}

// verifyChunk verifies one chunk on the calling goroutine: with random
// 128-bit z_i it tests
//
//	(Σ z_i s_i)·B − Σ (z_i h_i)·P_i − Σ z_i·R_i = 0,
//
// the random linear combination of the individual equations.
func verifyChunk(pubs []PublicKey, msgs [][]byte, sigs []Signature) bool {
	n := len(pubs)
	switch n {
	case 0:
		return true
	case 1:
		return pubs[0].Verify(msgs[0], sigs[0])
	}
	zbuf := make([]byte, 16*n)
	if _, err := rand.Read(zbuf); err != nil {
		panic("keys: reading randomness: " + err.Error())
	}
	scalars := make([]*r255.Scalar, 0, 2*n+1)
	points := make([]*r255.Element, 0, 2*n+1)
	sumZS := r255.NewScalar()
	for i := range n {
		ps, ok := parseSig(pubs[i], msgs[i], sigs[i])
		if !ok {
			return false
		}
		var zb [32]byte // 128 random bits: always a canonical scalar
		copy(zb[:16], zbuf[16*i:])
		z := r255.NewScalar()
		if z.Decode(zb[:]) != nil {
			panic("keys: 128-bit scalar not canonical")
		}
		sumZS.Add(sumZS, r255.NewScalar().Multiply(z, ps.s))
		zh := r255.NewScalar().Multiply(z, ps.h)
		scalars = append(scalars, zh.Negate(zh), z.Negate(z))
		points = append(points, ps.p, ps.r)
	}
	scalars = append(scalars, sumZS)
	points = append(points, r255.NewElement().Base())
	sum := r255.NewElement().VarTimeMultiScalarMult(scalars, points)
	return sum.Equal(r255.NewElement().Zero()) == 1
}
