package host

// Costs is a versioned host-function cost table, in gas units (the units of
// the instrumenter's cost table: about one per simple WebAssembly
// instruction). A table is never changed once released; a chain that wants
// other prices adopts a new Version at a block height.
//
// Consensus-critical: every node charges the same table for the same call.
type Costs struct {
	// Version identifies the table; 0 means "unset" in Env.Costs.
	Version uint32
	// Call is charged by every host call before anything else, including
	// calls that a scope makes unavailable.
	Call uint64
	// ReadByte is charged per byte copied from guest memory (inputs, keys,
	// values, log lines, abort messages).
	ReadByte uint64
	// ReturnByte is charged per byte of data a function returns, at the
	// data's full length whether or not it fits the caller's buffer.
	ReturnByte uint64
	// HashByte is charged per byte hashed by sha256 and blake2b.
	HashByte uint64
	// LogByte is charged per byte passed to log, kept or dropped.
	LogByte uint64
	// StorageRead is charged by every state_get.
	StorageRead uint64
	// StorageReadByte is charged per key byte looked up and per value byte
	// found.
	StorageReadByte uint64
	// StorageWrite is charged by every state_set and state_remove.
	StorageWrite uint64
	// StorageWriteByte is charged per key and value byte written by
	// state_set, and per key byte of state_remove.
	StorageWriteByte uint64
}

// HostCostsV1 returns version 1 of the host cost table. It is a function so
// that no caller can change the released prices.
func HostCostsV1() Costs {
	return Costs{
		Version:          1,
		Call:             100,
		ReadByte:         1,
		ReturnByte:       1,
		HashByte:         4,
		LogByte:          4,
		StorageRead:      2_000,
		StorageReadByte:  4,
		StorageWrite:     10_000,
		StorageWriteByte: 50,
	}
}

// Bounds of ABI v1 host functions. Exceeding a storage bound fails the call
// (runtime.ErrHost); log lines beyond the log bounds are dropped.
const (
	// MaxStateKeyBytes bounds a module storage key.
	MaxStateKeyBytes = 256
	// MaxStateValueBytes bounds a module storage value.
	MaxStateValueBytes = 64 << 10
	// MaxLogLines bounds the log lines kept per call.
	MaxLogLines = 100
	// MaxLogBytes bounds the bytes of log lines kept per call, prefixes and
	// newlines included.
	MaxLogBytes = 16 << 10
	// MaxAbortBytes bounds the abort message kept as the guest error; the
	// rest is cut off.
	MaxAbortBytes = 4 << 10
)
