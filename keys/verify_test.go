package keys

import (
	"fmt"
	"testing"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
)

// signed returns n signatures by distinct keys over distinct messages.
func signed(tb testing.TB, n int) ([]PublicKey, [][]byte, []Signature) {
	tb.Helper()
	pubs := make([]PublicKey, n)
	msgs := make([][]byte, n)
	sigs := make([]Signature, n)
	for i := range n {
		var seed [32]byte
		seed[0], seed[1] = byte(i), byte(i>>8)
		k := FromSeed(seed)
		pubs[i] = k.Public()
		msgs[i] = fmt.Appendf(nil, "transfer %d", i)
		sigs[i] = k.Sign(msgs[i])
	}
	return pubs, msgs, sigs
}

func TestVerifyBatch(t *testing.T) {
	for _, n := range []int{0, 1, 2, 63, 64, 65, 200} {
		pubs, msgs, sigs := signed(t, n)
		if !VerifyBatch(pubs, msgs, sigs) {
			t.Errorf("n=%d: valid batch rejected", n)
		}
		if n == 0 {
			continue
		}
		for _, bad := range []int{0, n / 2, n - 1} {
			tampered := append([]Signature{}, sigs...)
			tampered[bad][5] ^= 1
			if VerifyBatch(pubs, msgs, tampered) {
				t.Errorf("n=%d: batch with bad signature %d accepted", n, bad)
			}
			wrongMsg := append([][]byte{}, msgs...)
			wrongMsg[bad] = []byte("other")
			if VerifyBatch(pubs, wrongMsg, sigs) {
				t.Errorf("n=%d: batch with wrong message %d accepted", n, bad)
			}
		}
		if VerifyBatch(pubs[1:], msgs, sigs) {
			t.Errorf("n=%d: mismatched lengths accepted", n)
		}
	}
	// Swapping two signatures keeps every component valid in isolation but
	// must still fail, since each pairs with the wrong key.
	pubs, msgs, sigs := signed(t, 4)
	sigs[0], sigs[1] = sigs[1], sigs[0]
	if VerifyBatch(pubs, msgs, sigs) {
		t.Error("batch with swapped signatures accepted")
	}
}

func BenchmarkVerify(b *testing.B) {
	pubs, msgs, sigs := signed(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		if !pubs[0].Verify(msgs[0], sigs[0]) {
			b.Fatal("invalid")
		}
	}
}

func BenchmarkSign(b *testing.B) {
	k := Dev("Alice")
	msg := []byte("transfer 1 TAO")
	for b.Loop() {
		k.Sign(msg)
	}
}

// BenchmarkVerifyBatch reports the cost per signature of batches of 1024
// (ns/op is per batch; see sig/s).
func BenchmarkVerifyBatch(b *testing.B) {
	const n = 1024
	pubs, msgs, sigs := signed(b, n)
	b.ReportAllocs()
	for b.Loop() {
		if !VerifyBatch(pubs, msgs, sigs) {
			b.Fatal("invalid")
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "sig/s")
}

// BenchmarkVerifyChunk measures single-core batch verification of one chunk.
func BenchmarkVerifyChunk(b *testing.B) {
	pubs, msgs, sigs := signed(b, batchChunk)
	for b.Loop() {
		if !verifyChunk(pubs, msgs, sigs) {
			b.Fatal("invalid")
		}
	}
	b.ReportMetric(float64(batchChunk*b.N)/b.Elapsed().Seconds(), "sig/s")
}

// TestVerifyMatchesSchnorrkel cross-checks Verify and VerifyBatch against
// go-schnorrkel's own verifier (an independent implementation of the same
// equation) on valid signatures and on every single-bit corruption of one.
func TestVerifyMatchesSchnorrkel(t *testing.T) {
	k := Dev("Alice")
	msg := []byte("cross-check")
	sig := k.Sign(msg)
	pub := k.Public()
	reference := func(p PublicKey, s Signature) bool {
		pk, err := schnorrkel.NewPublicKey(p)
		if err != nil {
			return false
		}
		var ss schnorrkel.Signature
		if ss.Decode(s) != nil {
			return false
		}
		ok, err := pk.Verify(&ss, schnorrkel.NewSigningContext([]byte("substrate"), msg))
		return err == nil && ok
	}
	check := func(p PublicKey, s Signature, what string) {
		want := reference(p, s)
		if got := p.Verify(msg, s); got != want {
			t.Errorf("%s: Verify = %v, schnorrkel = %v", what, got, want)
		}
		// In a batch with a valid signature the result must be the same.
		if got := VerifyBatch([]PublicKey{pub, p}, [][]byte{msg, msg}, []Signature{sig, s}); got != want {
			t.Errorf("%s: VerifyBatch = %v, schnorrkel = %v", what, got, want)
		}
	}
	check(pub, sig, "valid")
	for bit := range 512 {
		s := sig
		s[bit/8] ^= 1 << (bit % 8)
		check(pub, s, fmt.Sprintf("signature bit %d flipped", bit))
	}
	for bit := range 256 {
		p := pub
		p[bit/8] ^= 1 << (bit % 8)
		check(p, sig, fmt.Sprintf("public key bit %d flipped", bit))
	}
	// A signature by go-schnorrkel's own signer verifies here.
	mini, _ := Dev("Bob").Seed()
	msk, _ := schnorrkel.NewMiniSecretKeyFromRaw(mini)
	theirs, err := msk.ExpandEd25519().Sign(schnorrkel.NewSigningContext([]byte("substrate"), msg))
	if err != nil {
		t.Fatal(err)
	}
	if !Dev("Bob").Public().Verify(msg, theirs.Encode()) {
		t.Error("signature from go-schnorrkel's signer rejected")
	}
}
