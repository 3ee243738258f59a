// Package codec is taorun's canonical binary encoding, used for transactions,
// block headers, receipts and state values.
//
// The format is SCALE-like but simpler, chosen so that every value has exactly
// one encoding:
//
//   - integers are fixed width, little endian (u8, u16, u32, u64, i64);
//   - a bool is one byte, 0 or 1 (any other byte is rejected);
//   - fixed arrays (32-byte account ids and hashes, 64-byte signatures) are raw;
//   - variable byte strings and vectors carry a u32 length prefix and a
//     caller-given maximum, checked before anything is allocated;
//   - strings are length-prefixed bytes that must be valid UTF-8.
//
// Invariants: Decode(Encode(v)) == v, and a Reader built over bytes that are
// not exactly one canonical encoding reports an error (trailing bytes are
// caught by Done). Reader errors are sticky: after the first error every read
// returns zero values and Err/Done return that first error, so decoders can
// read a whole struct and check once. Consensus-critical: changing any rule
// here changes transaction and block hashes.
package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrTrailing is returned by Done when bytes remain after a complete value.
var ErrTrailing = errors.New("codec: trailing bytes after value")

// ErrShort is returned when the input ends in the middle of a value.
var ErrShort = errors.New("codec: unexpected end of input")

// Writer appends canonical encodings to a byte slice.
type Writer struct {
	buf []byte
}

// NewWriter returns a Writer whose buffer has capacity for n bytes.
func NewWriter(n int) *Writer { return &Writer{buf: make([]byte, 0, n)} }

// Bytes returns the encoded bytes (not a copy).
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the number of bytes written so far.
func (w *Writer) Len() int { return len(w.buf) }

// U8 appends one byte.
func (w *Writer) U8(v uint8) { w.buf = append(w.buf, v) }

// U16 appends a little-endian u16.
func (w *Writer) U16(v uint16) { w.buf = binary.LittleEndian.AppendUint16(w.buf, v) }

// U32 appends a little-endian u32.
func (w *Writer) U32(v uint32) { w.buf = binary.LittleEndian.AppendUint32(w.buf, v) }

// U64 appends a little-endian u64.
func (w *Writer) U64(v uint64) { w.buf = binary.LittleEndian.AppendUint64(w.buf, v) }

// I64 appends a little-endian two's-complement i64.
func (w *Writer) I64(v int64) { w.U64(uint64(v)) }

// Bool appends 1 for true and 0 for false.
func (w *Writer) Bool(v bool) {
	if v {
		w.U8(1)
	} else {
		w.U8(0)
	}
}

// Fixed appends raw bytes with no length prefix (for fixed-size arrays).
func (w *Writer) Fixed(b []byte) { w.buf = append(w.buf, b...) }

// Bytes32 appends a 32-byte array.
func (w *Writer) Bytes32(b [32]byte) { w.buf = append(w.buf, b[:]...) }

// VarBytes appends a u32 length prefix and the bytes.
func (w *Writer) VarBytes(b []byte) {
	w.U32(uint32(len(b)))
	w.buf = append(w.buf, b...)
}

// String appends a string as VarBytes.
func (w *Writer) String(s string) {
	w.U32(uint32(len(s)))
	w.buf = append(w.buf, s...)
}

// Reader decodes canonical encodings from a byte slice. See the package
// comment for its error rules.
type Reader struct {
	buf []byte
	off int
	err error
}

// NewReader returns a Reader over b. The Reader does not copy b; byte slices it
// returns are copies, so b may be reused after decoding.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

// Err returns the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Fail records err (if no error was recorded yet), so decoders can report
// semantic problems (e.g. an unknown enum value) through the same path.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Offset returns how many bytes have been consumed.
func (r *Reader) Offset() int { return r.off }

// Remaining returns how many bytes are left.
func (r *Reader) Remaining() int { return len(r.buf) - r.off }

// Done returns the first error, or ErrTrailing if input remains.
func (r *Reader) Done() error {
	if r.err != nil {
		return r.err
	}
	if r.off != len(r.buf) {
		return fmt.Errorf("%w (%d bytes)", ErrTrailing, len(r.buf)-r.off)
	}
	return nil
}

func (r *Reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.buf)-r.off < n {
		r.err = fmt.Errorf("%w reading %s at offset %d", ErrShort, what, r.off)
		return nil
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b
}

// U8 reads one byte.
func (r *Reader) U8() uint8 {
	b := r.take(1, "u8")
	if b == nil {
		return 0
	}
	return b[0]
}

// U16 reads a little-endian u16.
func (r *Reader) U16() uint16 {
	b := r.take(2, "u16")
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(b)
}

// U32 reads a little-endian u32.
func (r *Reader) U32() uint32 {
	b := r.take(4, "u32")
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// U64 reads a little-endian u64.
func (r *Reader) U64() uint64 {
	b := r.take(8, "u64")
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// I64 reads a little-endian i64.
func (r *Reader) I64() int64 { return int64(r.U64()) }

// Bool reads a bool, rejecting bytes other than 0 and 1.
func (r *Reader) Bool() bool {
	v := r.U8()
	if v > 1 {
		r.Fail(fmt.Errorf("codec: bool byte %d is not 0 or 1", v))
		return false
	}
	return v == 1
}

// Fixed reads exactly n raw bytes into a fresh slice.
func (r *Reader) Fixed(n int) []byte {
	b := r.take(n, "fixed bytes")
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// Bytes32 reads a 32-byte array.
func (r *Reader) Bytes32() (out [32]byte) {
	copy(out[:], r.take(32, "32-byte array"))
	return out
}

// Bytes64 reads a 64-byte array.
func (r *Reader) Bytes64() (out [64]byte) {
	copy(out[:], r.take(64, "64-byte array"))
	return out
}

// Len reads a u32 length prefix and checks it against max; what names the
// field in the error.
func (r *Reader) Len(max int, what string) int {
	n := r.U32()
	if r.err != nil {
		return 0
	}
	if uint64(n) > uint64(max) {
		r.Fail(fmt.Errorf("codec: %s length %d exceeds limit %d", what, n, max))
		return 0
	}
	return int(n)
}

// VarBytes reads a length-prefixed byte string of at most max bytes.
func (r *Reader) VarBytes(max int, what string) []byte {
	n := r.Len(max, what)
	if r.err != nil {
		return nil
	}
	b := r.take(n, what)
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// String reads a length-prefixed UTF-8 string of at most max bytes.
func (r *Reader) String(max int, what string) string {
	b := r.VarBytes(max, what)
	if r.err != nil {
		return ""
	}
	if !utf8.Valid(b) {
		r.Fail(fmt.Errorf("codec: %s is not valid UTF-8", what))
		return ""
	}
	return string(b)
}
