package tao

import (
	"errors"
	"fmt"
)

// entry indexes the entry points the SDK exports.
type entry int

const (
	entryValidateWeights entry = iota
	entryOnEpoch
	entryOnRegister
	entryChallenge
	entrySolve
	entryScore
	entryInit
	numEntries
)

// handler runs one entry point on its encoded input and returns the encoded
// output.
type handler func(input []byte) ([]byte, error)

// handlers holds what the module registered, indexed by entry. Modules
// register from init functions, which run during _initialize, before the
// host makes any call, so no locking is needed (a wasm guest has one thread).
var handlers [numEntries]handler

// ErrNotImplemented is matched (with errors.Is) by the error an entry point
// returns when the module registered no handler for it.
var ErrNotImplemented = errors.New("entry point not implemented by this module")

type notImplementedError struct{ entry string }

func (e notImplementedError) Error() string {
	return "entry point " + e.entry + " not implemented by this module"
}

func (e notImplementedError) Is(target error) bool { return target == ErrNotImplemented }

// decoder is a pointer to a payload type.
type decoder[T any] interface {
	*T
	Decode([]byte) error
}

// register installs fn for e, wrapping it in the decoding, encoding and
// output check every entry point shares. The output is decoded again before
// it leaves the module, so an author's mistake (unsorted UIDs, weights on a
// reject) comes back as a clear guest error naming the field instead of a
// rejection the author has to reverse-engineer on the host side.
func register[I any, O interface{ Encode() []byte }, PI decoder[I], PO decoder[O]](e entry, fn func(I) (O, error)) {
	install(e, fn == nil, func(input []byte) ([]byte, error) {
		var in I
		if err := PI(&in).Decode(input); err != nil {
			return nil, err
		}
		out, err := fn(in)
		if err != nil {
			return nil, err
		}
		b := out.Encode()
		var check O
		if err := PO(&check).Decode(b); err != nil {
			return nil, fmt.Errorf("%s returned an invalid result: %w", entryNames[e], err)
		}
		return b, nil
	})
}

// install sets the handler of e. Registering nothing or registering twice is
// a programming error, reported by a panic while the module initialises.
func install(e entry, nilFn bool, h handler) {
	if nilFn {
		panic("tao: nil handler for entry point " + entryNames[e])
	}
	if handlers[e] != nil {
		panic("tao: a handler for entry point " + entryNames[e] + " is already registered")
	}
	handlers[e] = h
}

// HandleValidateWeights registers the chain-side hook validate_weights.
// Call the Handle functions from an init function, once each.
func HandleValidateWeights(fn func(ValidateWeightsInput) (ValidateWeightsOutput, error)) {
	register(entryValidateWeights, fn)
}

// HandleOnEpoch registers the chain-side hook on_epoch.
func HandleOnEpoch(fn func(OnEpochInput) (OnEpochOutput, error)) { register(entryOnEpoch, fn) }

// HandleOnRegister registers the chain-side hook on_register.
func HandleOnRegister(fn func(OnRegisterInput) (OnRegisterOutput, error)) {
	register(entryOnRegister, fn)
}

// HandleChallenge registers the node-side entry point challenge.
func HandleChallenge(fn func(ChallengeInput) (ChallengeOutput, error)) { register(entryChallenge, fn) }

// HandleSolve registers the node-side entry point solve.
func HandleSolve(fn func(SolveInput) (SolveOutput, error)) { register(entrySolve, fn) }

// HandleScore registers the node-side entry point score.
func HandleScore(fn func(ScoreInput) (ScoreOutput, error)) { register(entryScore, fn) }

// HandleInit registers the optional init entry point, which receives the
// module's configuration bytes (their format is the module's own) once per
// node-side instance before any other entry point. Chain-side hooks are not
// initialised this way: they read configuration from module storage.
func HandleInit(fn func(config []byte) error) {
	install(entryInit, fn == nil, func(config []byte) ([]byte, error) { return nil, fn(config) })
}

// Invoke runs the handler registered for the entry point called name on an
// encoded input and returns the encoded output, exactly as the wasm exports
// do. Authors use it to test handlers on the host against byte vectors;
// the host itself never calls it. A panic in the handler becomes an error.
func Invoke(name string, input []byte) ([]byte, error) {
	for e, n := range entryNames {
		if n == name {
			return call(entry(e), input)
		}
	}
	return nil, fmt.Errorf("tao: unknown entry point %q", name)
}

// call runs entry e, turning a missing handler and a panic into errors.
func call(e entry, input []byte) (out []byte, err error) {
	h := handlers[e]
	if h == nil {
		return nil, notImplementedError{entryNames[e]}
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("panic in %s: %v", entryNames[e], r)
		}
	}()
	return h(input)
}
