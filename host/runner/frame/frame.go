// Package frame is the exec-runner frame protocol shared by the node (package
// runner) and worker programs written in Go: reading and writing frames, and
// Serve, a worker's main loop. The protocol itself is documented in package
// runner.
//
// Invariants: a frame is u32 LE header length, a JSON header of at most
// MaxHeaderBytes, u32 LE payload length, payload; ReadFrame never allocates
// more than the caller's payload cap, and skipping an oversized payload keeps
// the stream in step.
package frame

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// Frame kinds of the exec worker protocol (see package runner).
const (
	KindHello  = "hello"
	KindJob    = "job"
	KindBatch  = "batch"
	KindHealth = "health"
	KindCancel = "cancel"
	KindResult = "result"
	KindError  = "error"
)

// MaxHeaderBytes caps a frame header's length.
const MaxHeaderBytes = 64 << 10

// Header is a frame's JSON header.
type Header struct {
	// ID matches a reply to its request; zero in hello frames.
	ID uint64 `json:"id"`
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Sizes lists the item lengths of a batch request or batch result.
	Sizes []int `json:"sizes,omitempty"`
	// Errors holds per-item failure messages of a batch result ("" = ok).
	Errors []string `json:"errors,omitempty"`
	// Error is the failure message of an error frame.
	Error string `json:"error,omitempty"`
	// MaxBatch is the largest batch a worker accepts (hello frames).
	MaxBatch int `json:"max_batch,omitempty"`
	// Name names the worker program (hello frames).
	Name string `json:"name,omitempty"`
}

// Write writes one frame: header, then the payload parts concatenated.
// It does not flush w.
func Write(w *bufio.Writer, h *Header, payload ...[]byte) error {
	hb, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("encode frame header: %w", err)
	}
	if len(hb) > MaxHeaderBytes {
		return fmt.Errorf("frame header is %d bytes, over the %d-byte cap", len(hb), MaxHeaderBytes)
	}
	total := 0
	for _, p := range payload {
		total += len(p)
	}
	if uint64(total) > 0xFFFFFFFF {
		return fmt.Errorf("frame payload is %d bytes, over the 4 GiB cap", total)
	}
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], uint32(len(hb)))
	w.Write(n[:])
	w.Write(hb)
	binary.LittleEndian.PutUint32(n[:], uint32(total))
	w.Write(n[:])
	for _, p := range payload {
		w.Write(p)
	}
	// bufio.Writer keeps the first error; report it.
	_, err = w.Write(nil)
	return err
}

// PayloadTooLargeError is returned by Read (with the header filled in)
// when a payload is over its cap; the payload has been skipped, so the
// stream stays in step.
type PayloadTooLargeError struct {
	// Size is the payload's announced length.
	Size uint64
	// Cap is the limit it exceeded.
	Cap uint64
}

// Error implements error.
func (e *PayloadTooLargeError) Error() string {
	return fmt.Sprintf("frame payload is %d bytes, over the %d-byte cap", e.Size, e.Cap)
}

// Read reads one frame. A payload longer than maxPayload is skipped
// and reported as *PayloadTooLargeError along with the header; any other
// error leaves the stream unusable.
func Read(r *bufio.Reader, maxPayload uint64) (*Header, []byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, nil, err
	}
	hl := binary.LittleEndian.Uint32(n[:])
	if hl > MaxHeaderBytes {
		return nil, nil, fmt.Errorf("frame header length %d is over the %d-byte cap (not a frame stream?)", hl, MaxHeaderBytes)
	}
	hb := make([]byte, hl)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, nil, fmt.Errorf("read frame header: %w", unexpected(err))
	}
	h := new(Header)
	if err := json.Unmarshal(hb, h); err != nil {
		return nil, nil, fmt.Errorf("frame header %q is not a JSON object: %w", truncate(hb, 80), err)
	}
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, nil, fmt.Errorf("read frame payload length: %w", unexpected(err))
	}
	pl := uint64(binary.LittleEndian.Uint32(n[:]))
	if pl > maxPayload {
		if _, err := r.Discard(int(pl)); err != nil {
			return nil, nil, fmt.Errorf("skip oversized frame payload: %w", unexpected(err))
		}
		return h, nil, &PayloadTooLargeError{Size: pl, Cap: maxPayload}
	}
	p := make([]byte, pl)
	if _, err := io.ReadFull(r, p); err != nil {
		return nil, nil, fmt.Errorf("read frame payload: %w", unexpected(err))
	}
	return h, p, nil
}

// unexpected turns a clean EOF inside a frame into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// truncate returns b cut to at most n bytes, for error messages.
func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// SplitSizes cuts payload into consecutive pieces of the given sizes; the
// sizes must add up to the payload's length exactly.
func SplitSizes(payload []byte, sizes []int) ([][]byte, error) {
	out := make([][]byte, len(sizes))
	off := 0
	for i, s := range sizes {
		if s < 0 || off+s > len(payload) {
			return nil, fmt.Errorf("batch item %d size %d overruns the %d-byte payload", i, s, len(payload))
		}
		out[i] = payload[off : off+s : off+s]
		off += s
	}
	if off != len(payload) {
		return nil, fmt.Errorf("batch sizes add up to %d bytes but the payload is %d", off, len(payload))
	}
	return out, nil
}
