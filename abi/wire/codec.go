package wire

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// Error is a decoding failure. Field is the dotted path of the value that
// could not be read (for example "ScoreInput.Responses[2].Err"), so a module
// author or host operator can tell exactly which part of a payload is wrong.
type Error struct {
	Field string
	Msg   string
}

// Error implements the error interface.
func (e *Error) Error() string { return "wire: " + e.Field + ": " + e.Msg }

// Encoder appends values in the v1 wire encoding. The zero value is ready to
// use. Encoding cannot fail: every Go value of the payload types has exactly
// one encoding (strings must hold valid UTF-8, or the decoder rejects them).
type Encoder struct {
	buf []byte
}

// NewEncoder returns an Encoder whose buffer has room for sizeHint bytes.
func NewEncoder(sizeHint int) *Encoder {
	return &Encoder{buf: make([]byte, 0, sizeHint)}
}

// Bytes returns the encoded bytes. The slice aliases the encoder's buffer.
func (e *Encoder) Bytes() []byte { return e.buf }

// U8 appends one byte.
func (e *Encoder) U8(v uint8) { e.buf = append(e.buf, v) }

// Bool appends 1 for true and 0 for false.
func (e *Encoder) Bool(v bool) {
	if v {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

// U16 appends v as 2 little-endian bytes.
func (e *Encoder) U16(v uint16) { e.buf = binary.LittleEndian.AppendUint16(e.buf, v) }

// U32 appends v as 4 little-endian bytes.
func (e *Encoder) U32(v uint32) { e.buf = binary.LittleEndian.AppendUint32(e.buf, v) }

// U64 appends v as 8 little-endian bytes.
func (e *Encoder) U64(v uint64) { e.buf = binary.LittleEndian.AppendUint64(e.buf, v) }

// Hash appends 32 raw bytes (no length prefix): keys, hashes and seeds.
func (e *Encoder) Hash(v [32]byte) { e.buf = append(e.buf, v[:]...) }

// Count appends a list length as a u32. Callers then append n elements.
func (e *Encoder) Count(n int) { e.U32(uint32(n)) }

// Blob appends a u32 length followed by the bytes.
func (e *Encoder) Blob(v []byte) {
	e.Count(len(v))
	e.buf = append(e.buf, v...)
}

// String appends a u32 length followed by the string's bytes (UTF-8).
func (e *Encoder) String(v string) {
	e.Count(len(v))
	e.buf = append(e.buf, v...)
}

// Decoder reads values in the v1 wire encoding from one buffer. It is strict:
// every read checks the remaining length, booleans and enumerations must hold
// a defined value, strings must be valid UTF-8, list counts must fit in the
// bytes left, and Finish rejects trailing bytes. The first failure sticks:
// later reads return zero values and Err reports the first error.
type Decoder struct {
	buf []byte
	off int
	err *Error
}

// NewDecoder returns a Decoder reading b. The decoder copies every byte
// string it returns, so b may be reused once decoding is done.
func NewDecoder(b []byte) *Decoder { return &Decoder{buf: b} }

// Err returns the first decoding error, or nil.
func (d *Decoder) Err() error {
	if d.err == nil {
		return nil
	}
	return d.err
}

// Fail records a decoding error for field unless one is already recorded.
// Payload decoders use it for semantic checks (an unknown enumeration value,
// unsorted UIDs).
func (d *Decoder) Fail(field, msg string) {
	if d.err == nil {
		d.err = &Error{Field: field, Msg: msg}
	}
}

// Within prefixes the path of a recorded error with prefix, so an error
// raised deep inside a list element names the whole path. It does nothing
// when there is no error, which keeps the success path free of allocation.
func (d *Decoder) Within(prefix string) {
	if d.err == nil {
		return
	}
	if d.err.Field == "" {
		d.err.Field = prefix
	} else {
		d.err.Field = prefix + "." + d.err.Field
	}
}

// WithinIndex is Within for list elements: it prefixes "list[i]".
func (d *Decoder) WithinIndex(list string, i int) {
	if d.err != nil {
		d.Within(list + "[" + strconv.Itoa(i) + "]")
	}
}

// Remaining returns the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// Finish ends decoding the value named what (a type name such as
// "ScoreInput"): it records an error if bytes are left over, prefixes the
// path of any error with what, and returns Err. Calling it once after the
// last field means no two distinct byte strings decode to the same value.
func (d *Decoder) Finish(what string) error {
	if d.err == nil && d.off != len(d.buf) {
		d.Fail("", strconv.Itoa(len(d.buf)-d.off)+" trailing bytes after the last field")
	}
	d.Within(what)
	return d.Err()
}

// take returns the next n bytes, or nil with an error recorded for field.
func (d *Decoder) take(field string, n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.buf)-d.off {
		d.Fail(field, "needs "+strconv.Itoa(n)+" bytes, only "+strconv.Itoa(len(d.buf)-d.off)+" left")
		return nil
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b
}

// U8 reads one byte.
func (d *Decoder) U8(field string) uint8 {
	b := d.take(field, 1)
	if b == nil {
		return 0
	}
	return b[0]
}

// Bool reads one byte that must be 0 or 1.
func (d *Decoder) Bool(field string) bool {
	v := d.U8(field)
	if v > 1 {
		d.Fail(field, "boolean byte is "+strconv.Itoa(int(v))+", want 0 or 1")
		return false
	}
	return v == 1
}

// U16 reads 2 little-endian bytes.
func (d *Decoder) U16(field string) uint16 {
	b := d.take(field, 2)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(b)
}

// U32 reads 4 little-endian bytes.
func (d *Decoder) U32(field string) uint32 {
	b := d.take(field, 4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// U64 reads 8 little-endian bytes.
func (d *Decoder) U64(field string) uint64 {
	b := d.take(field, 8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// Hash reads 32 raw bytes.
func (d *Decoder) Hash(field string) (v [32]byte) {
	copy(v[:], d.take(field, 32))
	return v
}

// Count reads a u32 list length and checks that count elements of at least
// minElem bytes each fit in the bytes left, so a forged count can never make
// the decoder allocate more than the input's size. It returns 0 on error.
func (d *Decoder) Count(field string, minElem int) int {
	n := d.U32(field)
	if d.err != nil {
		return 0
	}
	if minElem < 1 {
		minElem = 1
	}
	if uint64(n)*uint64(minElem) > uint64(d.Remaining()) {
		d.Fail(field, "count "+strconv.FormatUint(uint64(n), 10)+" needs at least "+
			strconv.FormatUint(uint64(n)*uint64(minElem), 10)+" bytes, only "+strconv.Itoa(d.Remaining())+" left")
		return 0
	}
	return int(n)
}

// Blob reads a u32 length and that many bytes, returned as a fresh copy
// (nil when the length is 0).
func (d *Decoder) Blob(field string) []byte {
	n := d.Count(field, 1)
	if n == 0 {
		return nil
	}
	b := d.take(field, n)
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// String reads a u32 length and that many bytes, which must be valid UTF-8.
func (d *Decoder) String(field string) string {
	n := d.Count(field, 1)
	b := d.take(field, n)
	if b == nil {
		return ""
	}
	if !utf8.Valid(b) {
		d.Fail(field, "string is not valid UTF-8")
		return ""
	}
	return string(b)
}
