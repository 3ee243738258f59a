package wire_test

import (
	"fmt"

	"github.com/taorun/taorun/abi/wire"
)

// A host encodes a payload for a module and strictly decodes the answer.
func Example() {
	in := wire.ScoreOutput{Scores: []wire.Score{{UID: 1, Value: wire.ScoreOne / 2}}}
	b := in.Encode()
	fmt.Printf("%x\n", b)

	var out wire.ScoreOutput
	fmt.Println(out.Decode(b), out.Scores)
	fmt.Println(out.Decode(append(b, 0)))
	// Output:
	// 0100000001000065cd1d00000000
	// <nil> [{1 500000000}]
	// wire: ScoreOutput: 1 trailing bytes after the last field
}

// Modules use Encoder and Decoder for their own formats (tasks, responses,
// storage values), so every byte a module handles follows one grammar.
func ExampleDecoder() {
	var e wire.Encoder
	e.U32(8)       // matrix side
	e.String("mm") // kind
	d := wire.NewDecoder(e.Bytes())
	n, kind := d.U32("N"), d.String("Kind")
	fmt.Println(n, kind, d.Finish("Task"))

	d = wire.NewDecoder([]byte{8, 0})
	d.U32("N")
	fmt.Println(d.Finish("Task"))
	// Output:
	// 8 mm <nil>
	// wire: Task.N: needs 4 bytes, only 2 left
}
