package modules

// Record codec, for the external tests.
var (
	DecodeRecord = decodeRecord
	EncodeRecord = func(r Record) []byte { return r.encode() }
)
