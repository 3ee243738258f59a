package abi

import (
	"fmt"
	"testing"
)

// TestValTypeString pins the names of the number types and, for any other
// byte, fmt's "valtype(%#x)" form (the engines render signatures with it).
func TestValTypeString(t *testing.T) {
	names := map[ValType]string{I32: "i32", I64: "i64", F32: "f32", F64: "f64"}
	for i := range 256 {
		v := ValType(i)
		want, ok := names[v]
		if !ok {
			want = fmt.Sprintf("valtype(%#x)", byte(i))
		}
		if got := v.String(); got != want {
			t.Errorf("ValType(%#x).String() = %q, want %q", i, got, want)
		}
	}
}
