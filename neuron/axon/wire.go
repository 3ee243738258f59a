package axon

import (
	"crypto/sha3"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/taorun/taorun/keys"
)

// Header names, as Bittensor spells them (see the package doc). Go's
// http.Header canonicalises the case; HTTP header names are case-insensitive.
const (
	HeaderName              = "name"
	HeaderTimeout           = "timeout"
	HeaderBodyHash          = "computed_body_hash"
	HeaderDendriteHotkey    = "bt_header_dendrite_hotkey"
	HeaderDendriteNonce     = "bt_header_dendrite_nonce"
	HeaderDendriteUUID      = "bt_header_dendrite_uuid"
	HeaderDendriteVersion   = "bt_header_dendrite_version"
	HeaderDendriteSignature = "bt_header_dendrite_signature"
	HeaderAxonHotkey        = "bt_header_axon_hotkey"
	HeaderAxonNonce         = "bt_header_axon_nonce"
	HeaderAxonUUID          = "bt_header_axon_uuid"
	HeaderAxonSignature     = "bt_header_axon_signature"
	HeaderAxonStatusCode    = "bt_header_axon_status_code"
	HeaderAxonStatusMessage = "bt_header_axon_status_message"
	HeaderAxonProcessTime   = "bt_header_axon_process_time"
)

// Protocol constants.
const (
	// AllowedDelta is Bittensor's ALLOWED_DELTA: the slack, on top of the
	// request timeout, within which a nonce is fresh.
	AllowedDelta = 4 * time.Second
	// DefaultTimeout is the timeout assumed when a request has no timeout
	// header (Bittensor's Synapse default, 12 s).
	DefaultTimeout = 12 * time.Second
	// ProtocolVersion is sent as bt_header_dendrite_version: Bittensor
	// 7.2.0 as an integer, the version from which Bittensor axons apply the
	// nonce rules this package implements.
	ProtocolVersion = 7002000
	// maxHeaderTimeout bounds the parsed timeout so it converts to a
	// time.Duration without overflow.
	maxHeaderTimeout = 24 * time.Hour
	// maxUUIDLen bounds a dendrite or axon uuid.
	maxUUIDLen = 64
)

// ErrMalformedHeaders is wrapped by every ParseHeaders error.
var ErrMalformedHeaders = errors.New("malformed request headers")

// RequestHeaders are the signed terminal fields of a request.
type RequestHeaders struct {
	// Synapse is the name header; the request path is authoritative.
	Synapse string
	// Timeout is the caller's timeout (DefaultTimeout when absent).
	Timeout time.Duration
	// BodyHash is the lower-case hex sha3-256 of the body (BodyHash).
	BodyHash string
	// DendriteHotkey is the caller.
	DendriteHotkey keys.PublicKey
	// DendriteNonce is a nanosecond Unix timestamp, increasing per caller session.
	DendriteNonce int64
	// DendriteUUID identifies the caller's session (endpoint key with the hotkey).
	DendriteUUID string
	// DendriteSignature signs Message().
	DendriteSignature keys.Signature
	// AxonHotkey is the hotkey of the axon the request is addressed to.
	AxonHotkey keys.PublicKey
}

// headerField parses one header into RequestHeaders and writes it back.
type headerField struct {
	name     string
	required bool
	parse    func(v string, h *RequestHeaders) error
	format   func(h *RequestHeaders) string
}

// headerFields is the request header table: ParseHeaders and Write both walk it.
var headerFields = []headerField{
	{HeaderName, false,
		func(v string, h *RequestHeaders) error {
			if !ValidSynapseName(v) {
				return fmt.Errorf("synapse name %q is not [A-Za-z_][A-Za-z0-9_]*", truncate(v))
			}
			h.Synapse = v
			return nil
		},
		func(h *RequestHeaders) string { return h.Synapse }},
	{HeaderTimeout, false,
		func(v string, h *RequestHeaders) (err error) { h.Timeout, err = ParseTimeout(v); return err },
		func(h *RequestHeaders) string { return FormatTimeout(h.Timeout) }},
	{HeaderBodyHash, true,
		func(v string, h *RequestHeaders) error {
			if len(v) != 2*sha3.New256().Size() || strings.ToLower(v) != v {
				return fmt.Errorf("body hash %q is not 64 lower-case hex digits", truncate(v))
			}
			if _, err := hex.DecodeString(v); err != nil {
				return fmt.Errorf("body hash %q is not 64 lower-case hex digits", truncate(v))
			}
			h.BodyHash = v
			return nil
		},
		func(h *RequestHeaders) string { return h.BodyHash }},
	{HeaderDendriteHotkey, true,
		func(v string, h *RequestHeaders) (err error) { h.DendriteHotkey, err = parseHotkey(v); return err },
		func(h *RequestHeaders) string { return h.DendriteHotkey.SS58() }},
	{HeaderDendriteNonce, true,
		func(v string, h *RequestHeaders) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("nonce %q is not a positive decimal nanosecond timestamp", truncate(v))
			}
			h.DendriteNonce = n
			return nil
		},
		func(h *RequestHeaders) string { return strconv.FormatInt(h.DendriteNonce, 10) }},
	{HeaderDendriteUUID, true,
		func(v string, h *RequestHeaders) error {
			if err := checkUUID(v); err != nil {
				return err
			}
			h.DendriteUUID = v
			return nil
		},
		func(h *RequestHeaders) string { return h.DendriteUUID }},
	{HeaderDendriteSignature, true,
		func(v string, h *RequestHeaders) (err error) {
			h.DendriteSignature, err = ParseSignature(v)
			return err
		},
		func(h *RequestHeaders) string { return FormatSignature(h.DendriteSignature) }},
	{HeaderAxonHotkey, true,
		func(v string, h *RequestHeaders) (err error) { h.AxonHotkey, err = parseHotkey(v); return err },
		func(h *RequestHeaders) string { return h.AxonHotkey.SS58() }},
}

// ParseHeaders reads the request terminal fields from h. Every error wraps
// ErrMalformedHeaders and names the header at fault. It does not verify the
// signature; see Verify.
func ParseHeaders(h http.Header) (RequestHeaders, error) {
	out := RequestHeaders{Timeout: DefaultTimeout}
	for _, f := range headerFields {
		v := h.Get(f.name)
		if v == "" {
			if f.required {
				return RequestHeaders{}, fmt.Errorf("%w: header %s is missing", ErrMalformedHeaders, f.name)
			}
			continue
		}
		if err := f.parse(v, &out); err != nil {
			return RequestHeaders{}, fmt.Errorf("%w: header %s: %v", ErrMalformedHeaders, f.name, err)
		}
	}
	return out, nil
}

// Write sets every request header of rh on h, plus the dendrite version.
// Empty optional fields are left out.
func (rh *RequestHeaders) Write(h http.Header) {
	for _, f := range headerFields {
		if v := f.format(rh); v != "" {
			h.Set(f.name, v)
		}
	}
	h.Set(HeaderDendriteVersion, strconv.Itoa(ProtocolVersion))
}

// Message is the byte string the dendrite signs:
// "{nonce}.{dendrite_hotkey}.{axon_hotkey}.{uuid}.{body_hash}".
func (rh *RequestHeaders) Message() []byte {
	return fmt.Appendf(nil, "%d.%s.%s.%s.%s", rh.DendriteNonce, rh.DendriteHotkey.SS58(),
		rh.AxonHotkey.SS58(), rh.DendriteUUID, rh.BodyHash)
}

// Sign fills DendriteHotkey and DendriteSignature by signing Message with kp.
func (rh *RequestHeaders) Sign(kp *keys.Keypair) {
	rh.DendriteHotkey = kp.Public()
	rh.DendriteSignature = kp.Sign(rh.Message())
}

// Verify reports whether DendriteSignature is DendriteHotkey's signature of Message.
func (rh *RequestHeaders) Verify() bool {
	return rh.DendriteHotkey.Verify(rh.Message(), rh.DendriteSignature)
}

// ResponseMessage is the byte string an axon signs on a 200 response:
// "{axon_nonce}.{dendrite_hotkey}.{axon_hotkey}.{axon_uuid}.{dendrite_nonce}.{response_body_hash}".
func ResponseMessage(axonNonce int64, dendrite, axon keys.PublicKey, axonUUID string, dendriteNonce int64, bodyHash string) []byte {
	return fmt.Appendf(nil, "%d.%s.%s.%s.%d.%s", axonNonce, dendrite.SS58(), axon.SS58(), axonUUID, dendriteNonce, bodyHash)
}

// BodyHash is the body hash of the wire format: lower-case hex sha3-256 of
// the raw body bytes.
func BodyHash(body []byte) string {
	sum := sha3.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// ValidSynapseName reports whether s can name a synapse: ASCII letters,
// digits and '_', not starting with a digit, 1 to 128 bytes.
func ValidSynapseName(s string) bool {
	if len(s) == 0 || len(s) > 128 || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ParseTimeout parses a timeout header: seconds as a positive finite decimal
// float, at most one day.
func ParseTimeout(v string) (time.Duration, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || f <= 0 || f > maxHeaderTimeout.Seconds() {
		return 0, fmt.Errorf("timeout %q is not a positive number of seconds up to %v", truncate(v), maxHeaderTimeout)
	}
	d := time.Duration(f * float64(time.Second))
	if d <= 0 {
		return 0, fmt.Errorf("timeout %q rounds to zero", truncate(v))
	}
	return d, nil
}

// FormatTimeout writes d as the timeout header does (seconds, shortest float).
func FormatTimeout(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// ParseSignature parses "0x"-prefixed (or bare) hex of a 64-byte signature.
func ParseSignature(v string) (keys.Signature, error) {
	var sig keys.Signature
	b, err := hex.DecodeString(strings.TrimPrefix(v, "0x"))
	if err != nil || len(b) != len(sig) {
		return sig, fmt.Errorf("signature %q is not 0x + 128 hex digits", truncate(v))
	}
	copy(sig[:], b)
	return sig, nil
}

// FormatSignature writes sig as Bittensor does: "0x" + lower-case hex.
func FormatSignature(sig keys.Signature) string { return "0x" + hex.EncodeToString(sig[:]) }

// checkUUID checks a dendrite or axon uuid: 1 to 64 of [0-9A-Za-z-]. Dots
// are excluded because the uuid is a field of the dotted signed message.
func checkUUID(v string) error {
	ok := len(v) > 0 && len(v) <= maxUUIDLen
	for i := 0; ok && i < len(v); i++ {
		c := v[i]
		ok = c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	if !ok {
		return fmt.Errorf("uuid %q is not 1 to %d of [0-9A-Za-z-]", truncate(v), maxUUIDLen)
	}
	return nil
}

// ParseUUID returns v if it is a valid uuid field (see checkUUID), else an error naming it.
func ParseUUID(v string) (string, error) { return v, checkUUID(v) }

// parseHotkey parses an SS58 (prefix 42) hotkey.
func parseHotkey(v string) (keys.PublicKey, error) {
	if len(v) > 64 {
		return keys.PublicKey{}, fmt.Errorf("hotkey %q is %d bytes, too long for an SS58 address", truncate(v), len(v))
	}
	return keys.ParseSS58(v)
}

// truncate shortens attacker-supplied text quoted in error messages.
func truncate(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
