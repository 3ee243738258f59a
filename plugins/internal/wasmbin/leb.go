package wasmbin

import (
	"errors"
	"fmt"
)

// ErrUnexpectedEOF is wrapped by every decode error caused by input that ends
// in the middle of an item.
var ErrUnexpectedEOF = errors.New("unexpected end of input")

// Reader reads WebAssembly binary primitives from a byte slice. It never
// panics: every method returns an error naming the item and offset that is
// wrong.
type Reader struct {
	buf []byte
	off int
	// base is added to offsets in error messages so that a Reader over a
	// section payload reports offsets within the whole module.
	base int
}

// NewReader returns a Reader over b whose error offsets start at base.
func NewReader(b []byte, base int) *Reader { return &Reader{buf: b, base: base} }

// Offset is the position of the next unread byte within the Reader's slice.
func (r *Reader) Offset() int { return r.off }

// Pos is the position of the next unread byte within the whole module.
func (r *Reader) Pos() int { return r.base + r.off }

// Len is the number of unread bytes.
func (r *Reader) Len() int { return len(r.buf) - r.off }

// Bytes returns the underlying slice.
func (r *Reader) Bytes() []byte { return r.buf }

func (r *Reader) errf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", r.Pos(), fmt.Sprintf(format, args...))
}

func (r *Reader) eof(what string) error {
	return fmt.Errorf("at offset %d: %s: %w", r.Pos(), what, ErrUnexpectedEOF)
}

// Byte reads one byte.
func (r *Reader) Byte(what string) (byte, error) {
	if r.off >= len(r.buf) {
		return 0, r.eof(what)
	}
	b := r.buf[r.off]
	r.off++
	return b, nil
}

// Take reads n raw bytes (a sub-slice, not a copy).
func (r *Reader) Take(n int, what string) ([]byte, error) {
	if n < 0 || n > r.Len() {
		return nil, r.eof(what)
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b, nil
}

// U32 reads an unsigned LEB128 of at most 32 bits (at most 5 bytes, unused
// high bits zero), as the spec requires.
func (r *Reader) U32(what string) (uint32, error) {
	v, err := r.uleb(32, what)
	return uint32(v), err
}

// U64 reads an unsigned LEB128 of at most 64 bits.
func (r *Reader) U64(what string) (uint64, error) { return r.uleb(64, what) }

func (r *Reader) uleb(bits uint, what string) (uint64, error) {
	var v uint64
	var shift uint
	for {
		if r.off >= len(r.buf) {
			return 0, r.eof(what)
		}
		b := r.buf[r.off]
		r.off++
		if shift+7 > bits && b>>(bits-shift) != 0 {
			// The last allowed byte may only use the bits that fit.
			return 0, r.errf("%s: integer too large (more than %d bits)", what, bits)
		}
		v |= uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			return v, nil
		}
		shift += 7
		if shift >= bits {
			return 0, r.errf("%s: integer representation too long", what)
		}
	}
}

// S32 reads a signed LEB128 of at most 32 bits.
func (r *Reader) S32(what string) (int32, error) {
	v, err := r.sleb(32, what)
	return int32(v), err
}

// S33 reads a signed 33-bit LEB128 (block types).
func (r *Reader) S33(what string) (int64, error) { return r.sleb(33, what) }

// S64 reads a signed LEB128 of at most 64 bits.
func (r *Reader) S64(what string) (int64, error) { return r.sleb(64, what) }

func (r *Reader) sleb(bits uint, what string) (int64, error) {
	var v int64
	var shift uint
	for {
		if r.off >= len(r.buf) {
			return 0, r.eof(what)
		}
		b := r.buf[r.off]
		r.off++
		if shift+7 >= bits {
			// Last byte: the unused bits must all equal the sign bit.
			rem := bits - shift // value bits left, 1..7
			if b&0x80 != 0 {
				return 0, r.errf("%s: integer representation too long", what)
			}
			mask := byte(0x7f) &^ (1<<(rem-1) - 1) // sign bit and the unused bits
			if hi := b & mask; hi != 0 && hi != mask {
				return 0, r.errf("%s: integer too large (more than %d bits)", what, bits)
			}
			v |= int64(b&0x7f) << shift
			shift += 7
			if shift < 64 && b&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
		v |= int64(b&0x7f) << shift
		shift += 7
		if b&0x80 == 0 {
			if shift < 64 && b&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
	}
}

// Name reads a length-prefixed name. It does not check that the name is
// UTF-8; the pipeline's wazero validation, before and after, does.
func (r *Reader) Name(what string) (string, error) {
	n, err := r.U32(what + " length")
	if err != nil {
		return "", err
	}
	b, err := r.Take(int(n), what)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// AppendU32 appends the minimal unsigned LEB128 encoding of v.
func AppendU32(b []byte, v uint32) []byte { return AppendU64(b, uint64(v)) }

// AppendU64 appends the minimal unsigned LEB128 encoding of v.
func AppendU64(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// AppendS64 appends the minimal signed LEB128 encoding of v (also used for
// s32 and s33 values).
func AppendS64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// AppendName appends a length-prefixed name.
func AppendName(b []byte, s string) []byte {
	b = AppendU32(b, uint32(len(s)))
	return append(b, s...)
}
