package engine

// TrapCode names a trap independently of the engine that raised it.
type TrapCode uint8

// Trap codes. Every engine maps its own trap kinds onto these, so both engines
// report the same text for the same fault.
const (
	// TrapUnknown is a trap this package has no name for.
	TrapUnknown TrapCode = iota
	// TrapUnreachable is the unreachable instruction.
	TrapUnreachable
	// TrapDivideByZero is integer division or remainder by zero.
	TrapDivideByZero
	// TrapIntegerOverflow is signed division overflow or a trapping
	// float-to-int conversion out of range.
	TrapIntegerOverflow
	// TrapInvalidConversion is a trapping float-to-int conversion of NaN.
	TrapInvalidConversion
	// TrapOutOfBounds is a memory access outside linear memory.
	TrapOutOfBounds
	// TrapTableAccess is call_indirect through an index outside the table or
	// a null entry.
	TrapTableAccess
	// TrapIndirectCallType is call_indirect with a mismatched signature.
	TrapIndirectCallType
	// TrapStackOverflow is the engine's own native stack limit.
	TrapStackOverflow
	// TrapHost is a host function that returned an error (see Trap.Cause).
	TrapHost
)

var trapText = [...]string{
	TrapUnknown:           "unknown trap",
	TrapUnreachable:       "unreachable executed",
	TrapDivideByZero:      "integer divide by zero",
	TrapIntegerOverflow:   "integer overflow",
	TrapInvalidConversion: "invalid conversion to integer",
	TrapOutOfBounds:       "out of bounds memory access",
	TrapTableAccess:       "invalid table access",
	TrapIndirectCallType:  "indirect call type mismatch",
	TrapStackOverflow:     "engine stack limit reached",
	TrapHost:              "host function failed",
}

// String returns the engine-independent description of the trap.
func (c TrapCode) String() string {
	if int(c) < len(trapText) {
		return trapText[c]
	}
	return trapText[TrapUnknown]
}

// Trap is a trap raised while a guest ran.
type Trap struct {
	Code TrapCode
	// Cause is the host function's error for TrapHost, otherwise the engine's
	// own error (kept for debugging; its text differs between engines).
	Cause error
}

// Error returns the engine-independent description.
func (t *Trap) Error() string {
	if t.Code == TrapHost && t.Cause != nil {
		return t.Cause.Error()
	}
	return t.Code.String()
}

// Unwrap returns the cause.
func (t *Trap) Unwrap() error { return t.Cause }
