package axon

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/taorun/taorun/keys"
)

// signedHeaders returns valid, signed request headers from //Alice to //Bob.
func signedHeaders(body []byte) RequestHeaders {
	rh := RequestHeaders{Synapse: "Dummy", Timeout: 1500 * time.Millisecond, BodyHash: BodyHash(body),
		DendriteNonce: 1_700_000_000_123_456_789, DendriteUUID: "2c7d8f9e-0000-4000-8000-000000000001",
		AxonHotkey: keys.Dev("Bob").Public()}
	rh.Sign(keys.Dev("Alice"))
	return rh
}

func TestBodyHashIsSHA3OfRawBytes(t *testing.T) {
	// sha3-256("") — also Bittensor's body_hash of a Synapse without required_hash_fields.
	if got, want := BodyHash(nil), "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"; got != want {
		t.Fatalf("BodyHash(empty) = %s, want %s", got, want)
	}
	if got, want := BodyHash([]byte("abc")), "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"; got != want {
		t.Fatalf("BodyHash(abc) = %s, want %s", got, want)
	}
}

func TestMessageFormat(t *testing.T) {
	rh := signedHeaders([]byte("x"))
	want := "1700000000123456789." + keys.Dev("Alice").Public().SS58() + "." + keys.Dev("Bob").Public().SS58() +
		".2c7d8f9e-0000-4000-8000-000000000001." + BodyHash([]byte("x"))
	if string(rh.Message()) != want {
		t.Fatalf("Message() = %q, want %q", rh.Message(), want)
	}
	if !rh.Verify() {
		t.Fatal("freshly signed headers do not verify")
	}
	rh.DendriteNonce++
	if rh.Verify() {
		t.Fatal("headers verify after the nonce changed")
	}
}

func TestHeadersRoundTrip(t *testing.T) {
	rh := signedHeaders([]byte("payload"))
	h := http.Header{}
	rh.Write(h)
	if h.Get(HeaderDendriteVersion) != "7002000" {
		t.Fatalf("dendrite version header = %q", h.Get(HeaderDendriteVersion))
	}
	got, err := ParseHeaders(h)
	if err != nil {
		t.Fatal(err)
	}
	if got != rh {
		t.Fatalf("round trip changed headers:\n got %+v\nwant %+v", got, rh)
	}
}

func TestParseHeadersRejects(t *testing.T) {
	cases := []struct {
		header, value, wantInErr string
	}{
		{HeaderDendriteSignature, "", "bt_header_dendrite_signature is missing"},
		{HeaderDendriteSignature, "0xabcd", "not 0x + 128 hex digits"},
		{HeaderDendriteNonce, "-5", "positive decimal"},
		{HeaderDendriteNonce, "12ab", "positive decimal"},
		{HeaderDendriteHotkey, "5notanaddress", "bt_header_dendrite_hotkey"},
		{HeaderAxonHotkey, strings.Repeat("5", 200), "too long"},
		{HeaderDendriteUUID, "a.b", "uuid"},
		{HeaderBodyHash, strings.Repeat("A", 64), "lower-case hex"},
		{HeaderTimeout, "NaN", "timeout"},
		{HeaderTimeout, "0", "timeout"},
		{HeaderTimeout, "1e300", "timeout"},
		{HeaderName, "1Bad", "synapse name"},
	}
	for _, c := range cases {
		h := http.Header{}
		rh := signedHeaders(nil)
		rh.Write(h)
		h.Set(c.header, c.value)
		if c.value == "" {
			h.Del(c.header)
		}
		_, err := ParseHeaders(h)
		if !errors.Is(err, ErrMalformedHeaders) || !strings.Contains(err.Error(), c.wantInErr) {
			t.Errorf("%s=%q: err = %v, want ErrMalformedHeaders mentioning %q", c.header, c.value, err, c.wantInErr)
		}
	}
}

func TestDefaultTimeoutWhenAbsent(t *testing.T) {
	h := http.Header{}
	rh := signedHeaders(nil)
	rh.Write(h)
	h.Del(HeaderTimeout)
	got, err := ParseHeaders(h)
	if err != nil || got.Timeout != DefaultTimeout {
		t.Fatalf("timeout = %v, %v; want %v", got.Timeout, err, DefaultTimeout)
	}
}

func TestNonceSourceStrictlyIncreases(t *testing.T) {
	var n NonceSource
	last := int64(0)
	for range 10000 {
		v := n.Next()
		if v <= last {
			t.Fatalf("nonce %d after %d", v, last)
		}
		last = v
	}
}

func FuzzParseHeaders(f *testing.F) {
	rh := signedHeaders([]byte("seed"))
	h := http.Header{}
	rh.Write(h)
	f.Add(h.Get(HeaderName), h.Get(HeaderTimeout), h.Get(HeaderBodyHash), h.Get(HeaderDendriteHotkey),
		h.Get(HeaderDendriteNonce), h.Get(HeaderDendriteUUID), h.Get(HeaderDendriteSignature), h.Get(HeaderAxonHotkey))
	f.Add("", "-1", "zz", "", "0", "", "0x", "")
	f.Fuzz(func(t *testing.T, name, timeout, hash, dhot, nonce, uuid, sig, ahot string) {
		in := http.Header{}
		for k, v := range map[string]string{HeaderName: name, HeaderTimeout: timeout, HeaderBodyHash: hash,
			HeaderDendriteHotkey: dhot, HeaderDendriteNonce: nonce, HeaderDendriteUUID: uuid,
			HeaderDendriteSignature: sig, HeaderAxonHotkey: ahot} {
			in.Set(k, v)
		}
		got, err := ParseHeaders(in)
		if err != nil {
			if !errors.Is(err, ErrMalformedHeaders) {
				t.Fatalf("error does not wrap ErrMalformedHeaders: %v", err)
			}
			return
		}
		// Whatever parses must survive a write/parse round trip unchanged.
		out := http.Header{}
		got.Write(out)
		again, err := ParseHeaders(out)
		if err != nil || again != got {
			t.Fatalf("round trip of %+v gave %+v, %v", got, again, err)
		}
	})
}
