package runtime

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Error kinds. Every error in a Result wraps exactly one of them, so callers
// classify with errors.Is. The kinds and the messages are the same on every
// engine for the same module, input and gas.
var (
	// ErrOutOfGas: the gas limit was reached; the whole limit counts as used.
	ErrOutOfGas = errors.New("out of gas")
	// ErrStackOverflow: the instrumented stack budget ran out (or, for a
	// module whose own budget is too generous, the engine's stack limit).
	ErrStackOverflow = errors.New("stack overflow")
	// ErrGuest: the entry point returned an error (bit 63 of its result);
	// the message is the guest's text.
	ErrGuest = errors.New("guest error")
	// ErrNotImplemented: the entry point reported that the module does not
	// implement it (bits 63 and 62 of its result); the message is the
	// guest's text.
	ErrNotImplemented = errors.New("entry point not implemented")
	// ErrTrap: any other trap (unreachable, division by zero, out-of-bounds
	// access, proc_exit, ...), with an engine-independent message.
	ErrTrap = errors.New("trap")
	// ErrHost: a host function failed; the message is its error text.
	ErrHost = errors.New("host error")
	// ErrABI: the exchange of bytes broke ABI v1: a missing or mistyped
	// export, an input or output over its cap, or an output outside memory.
	ErrABI = errors.New("abi violation")
)

// Error is the error type of Result.Err and of instantiation failures.
type Error struct {
	// Kind is one of the Err* kinds above.
	Kind error
	// Message says what went wrong; for ErrGuest it is the guest's own text.
	Message string
}

// Error returns "kind: message".
func (e *Error) Error() string {
	if e.Message == "" {
		return e.Kind.Error()
	}
	return e.Kind.Error() + ": " + e.Message
}

// Unwrap returns the kind, so errors.Is(err, ErrOutOfGas) works.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, msg string) *Error {
	if !utf8.ValidString(msg) {
		msg = strings.ToValidUTF8(msg, "\uFFFD")
	}
	return &Error{Kind: kind, Message: msg}
}
