package fixed

import "testing"

var (
	sinkI32 I32F32
	sinkI64 I64F64
	sinkI96 I96F32
)

func BenchmarkI32F32Mul(b *testing.B) {
	x, y := I32FromFloat(0.7316), I32FromFloat(123.456)
	for i := 0; i < b.N; i++ {
		x = x.Mul(y).Add(I32FromBits(int64(i)))
	}
	sinkI32 = x
}

func BenchmarkI32F32SatMul(b *testing.B) {
	x, y := I32FromFloat(0.7316), I32FromFloat(123.456)
	for i := 0; i < b.N; i++ {
		x = x.SatMul(y).Add(I32FromBits(int64(i)))
	}
	sinkI32 = x
}

func BenchmarkI32F32Div(b *testing.B) {
	x, y := I32FromFloat(0.7316), I32FromFloat(123.456)
	for i := 0; i < b.N; i++ {
		sinkI32 = x.Div(y.Add(I32FromBits(int64(i))))
	}
}

func BenchmarkI32F32SafeDiv(b *testing.B) {
	x, y := I32FromFloat(0.7316), I32FromFloat(123.456)
	for i := 0; i < b.N; i++ {
		sinkI32 = x.SafeDiv(y.Add(I32FromBits(int64(i))))
	}
}

func BenchmarkI64F64Mul(b *testing.B) {
	x, y := I64FromFloat(0.7316), I64FromFloat(123.456)
	for i := 0; i < b.N; i++ {
		sinkI64 = x.Mul(y)
	}
}

func BenchmarkI64F64SafeDiv(b *testing.B) {
	x, y := I64FromUint(4_889_444), I64FromUint(21_000_000_000_000_000)
	for i := 0; i < b.N; i++ {
		sinkI64 = x.SafeDiv(y)
	}
}

func BenchmarkI96F32SatMul(b *testing.B) {
	x, y := I96FromUint(1_000_000_000), I96FromFloat(0.18)
	for i := 0; i < b.N; i++ {
		sinkI96 = x.SatMul(y)
	}
}

func BenchmarkExpSafe(b *testing.B) {
	x := I32FromFloat(-7.25)
	for i := 0; i < b.N; i++ {
		sinkI32 = ExpSafe(x)
	}
}
