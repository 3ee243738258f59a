package block

import (
	"fmt"

	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/types"
)

// Status is the outcome of a transaction in a block.
type Status uint8

// Statuses. A failed tx paid its fee and consumed its nonce but its call had
// no effect; an invalid tx (bad signature, nonce or fee, possible only in a
// block from a faulty proposer) had no effect at all.
const (
	StatusSuccess Status = 0
	StatusFailed  Status = 1
	StatusInvalid Status = 2
)

var statusNames = [...]string{"success", "failed", "invalid"}

// String returns "success", "failed" or "invalid".
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status %d", s)
}

// Attr is one key/value attribute of an event.
type Attr struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Event is something a call or block hook reports (ABCI-style: a type and
// ordered attributes).
type Event struct {
	Type  string `json:"type"`
	Attrs []Attr `json:"attrs,omitempty"`
}

// Receipt records what happened to one transaction of a block.
type Receipt struct {
	TxHash types.Hash
	Height uint64
	Index  uint32
	Status Status
	Error  string
	Fee    uint64 // rao charged (and burned)
	Events []Event
}

// Encode returns the receipt's canonical encoding.
func (rc *Receipt) Encode() []byte {
	w := codec.NewWriter(128)
	w.Bytes32(rc.TxHash)
	w.U64(rc.Height)
	w.U32(rc.Index)
	w.U8(uint8(rc.Status))
	w.String(rc.Error)
	w.U64(rc.Fee)
	encodeEvents(w, rc.Events)
	return w.Bytes()
}

func encodeEvents(w *codec.Writer, events []Event) {
	w.U32(uint32(len(events)))
	for _, e := range events {
		w.String(e.Type)
		w.U32(uint32(len(e.Attrs)))
		for _, a := range e.Attrs {
			w.String(a.Key)
			w.String(a.Value)
		}
	}
}

func decodeEvents(r *codec.Reader) []Event {
	var out []Event
	n := r.Len(MaxEvents, "event count")
	for i := 0; i < n && r.Err() == nil; i++ {
		e := Event{Type: r.String(MaxStringSize, "event type")}
		m := r.Len(MaxAttrs, "attr count")
		for j := 0; j < m && r.Err() == nil; j++ {
			e.Attrs = append(e.Attrs, Attr{Key: r.String(MaxStringSize, "attr key"), Value: r.String(MaxStringSize, "attr value")})
		}
		out = append(out, e)
	}
	return out
}

// EncodeEvents encodes a list of events (block-level hook events).
func EncodeEvents(events []Event) []byte {
	w := codec.NewWriter(64)
	encodeEvents(w, events)
	return w.Bytes()
}

// DecodeEvents parses EncodeEvents' output.
func DecodeEvents(b []byte) ([]Event, error) {
	r := codec.NewReader(b)
	ev := decodeEvents(r)
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("decode events: %w", err)
	}
	return ev, nil
}

// DecodeReceipt parses a canonical receipt encoding.
func DecodeReceipt(b []byte) (*Receipt, error) {
	r := codec.NewReader(b)
	rc := &Receipt{TxHash: r.Bytes32(), Height: r.U64(), Index: r.U32()}
	rc.Status = Status(r.U8())
	if r.Err() == nil && int(rc.Status) >= len(statusNames) {
		r.Fail(fmt.Errorf("unknown receipt status %d", rc.Status))
	}
	rc.Error = r.String(MaxStringSize, "receipt error")
	rc.Fee = r.U64()
	rc.Events = decodeEvents(r)
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("decode receipt: %w", err)
	}
	return rc, nil
}
