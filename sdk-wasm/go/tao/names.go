package tao

import "github.com/taorun/taorun/abi"

// entryNames are the export names of the entry points, indexed by entry.
var entryNames = [numEntries]string{
	entryValidateWeights: abi.EntryValidateWeights,
	entryOnEpoch:         abi.EntryOnEpoch,
	entryOnRegister:      abi.EntryOnRegister,
	entryChallenge:       abi.EntryChallenge,
	entrySolve:           abi.EntrySolve,
	entryScore:           abi.EntryScore,
	entryInit:            abi.EntryInit,
}

// packResult packs an entry point's result; err selects the flag bits.
func packResult(ptr uint32, n int, err error) uint64 {
	_, notImpl := err.(notImplementedError)
	return abi.PackResult(ptr, uint32(n), err != nil, notImpl)
}

// statusOf turns a host function's i64 result into (length, status): a
// non-negative value is a length, a negative one is -status (abi.Status*).
func statusOf(r int64) (int, int32) {
	if r < 0 {
		return 0, int32(-r)
	}
	return int(r), 0
}
