package frame

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Handler runs a worker's jobs: inputs holds one input for a job frame and
// several for a batch frame; it returns one output per input, or an error
// per failed input (errs may be nil when all succeed).
type Handler func(inputs [][]byte) (outputs [][]byte, errs []error)

// Serve is a worker's main loop: it writes the hello frame, then answers
// frames from in on out until in ends (returning nil) or breaks. Jobs run
// one at a time, in order; cancel frames are ignored because a job is never
// pending while Serve reads. Payloads over maxPayload are answered with an
// error frame.
func Serve(in io.Reader, out io.Writer, hello Header, maxPayload uint64, handle Handler) error {
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriterSize(out, 64<<10)
	hello.Kind = KindHello
	if err := Write(w, &hello); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write hello frame: %w", err)
	}
	for {
		h, p, err := Read(r, maxPayload)
		var big *PayloadTooLargeError
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.As(err, &big):
			err = Write(w, &Header{ID: h.ID, Kind: KindError, Error: big.Error()})
		case err != nil:
			return err
		default:
			reply, ok := answers[h.Kind]
			if !ok {
				reply = unknownKind
			}
			err = reply(w, h, p, handle)
		}
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			return fmt.Errorf("write reply: %w", err)
		}
	}
}

// answers maps a request kind to the function that answers it.
var answers = map[string]func(w *bufio.Writer, h *Header, p []byte, handle Handler) error{
	KindJob:   answerJob,
	KindBatch: answerBatch,
	KindHealth: func(w *bufio.Writer, h *Header, _ []byte, _ Handler) error {
		return Write(w, &Header{ID: h.ID, Kind: KindHealth})
	},
	KindCancel: func(*bufio.Writer, *Header, []byte, Handler) error { return nil },
}

// unknownKind answers a frame of a kind this worker does not know.
func unknownKind(w *bufio.Writer, h *Header, _ []byte, _ Handler) error {
	return Write(w, &Header{ID: h.ID, Kind: KindError, Error: fmt.Sprintf("unknown frame kind %q", h.Kind)})
}

// answerJob runs a single job.
func answerJob(w *bufio.Writer, h *Header, p []byte, handle Handler) error {
	outs, errs := handle([][]byte{p})
	if len(errs) > 0 && errs[0] != nil {
		return Write(w, &Header{ID: h.ID, Kind: KindError, Error: errs[0].Error()})
	}
	if len(outs) != 1 {
		return Write(w, &Header{ID: h.ID, Kind: KindError, Error: fmt.Sprintf("worker returned %d outputs for one job", len(outs))})
	}
	return Write(w, &Header{ID: h.ID, Kind: KindResult}, outs[0])
}

// answerBatch runs a batch and answers with per-item sizes and errors.
func answerBatch(w *bufio.Writer, h *Header, p []byte, handle Handler) error {
	inputs, err := SplitSizes(p, h.Sizes)
	if err != nil {
		return Write(w, &Header{ID: h.ID, Kind: KindError, Error: err.Error()})
	}
	outs, errs := handle(inputs)
	if len(outs) != len(inputs) {
		return Write(w, &Header{ID: h.ID, Kind: KindError, Error: fmt.Sprintf("worker returned %d outputs for %d inputs", len(outs), len(inputs))})
	}
	res := &Header{ID: h.ID, Kind: KindResult, Sizes: make([]int, len(outs))}
	for i := range outs {
		if i < len(errs) && errs[i] != nil {
			if res.Errors == nil {
				res.Errors = make([]string, len(outs))
			}
			res.Errors[i] = errs[i].Error()
			outs[i] = nil
		}
		res.Sizes[i] = len(outs[i])
	}
	return Write(w, res, outs...)
}
