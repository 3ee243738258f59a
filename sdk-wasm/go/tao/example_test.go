package tao_test

import (
	"bytes"
	"fmt"

	"github.com/taorun/taorun/sdk-wasm/go/tao"
)

// A score handler gives each miner 1.0 for echoing the task and 0 otherwise.
// Invoke runs it on encoded bytes exactly as the module's score export does,
// which is how handlers are unit-tested without building wasm.
func ExampleHandleScore() {
	tao.HandleScore(func(in tao.ScoreInput) (tao.ScoreOutput, error) {
		var out tao.ScoreOutput
		for _, r := range in.Responses {
			s := tao.Score{UID: r.UID}
			if r.Err == "" && bytes.Equal(r.Response, in.Task) {
				s.Value = tao.ScoreOne
			}
			out.Scores = append(out.Scores, s)
		}
		return out, nil
	})

	in := tao.ScoreInput{Task: []byte("ping"), Responses: []tao.Response{
		{UID: 1, Response: []byte("ping")},
		{UID: 2, Response: []byte("pong")},
	}}
	encoded, err := tao.Invoke("score", in.Encode())
	if err != nil {
		panic(err)
	}
	var out tao.ScoreOutput
	if err := out.Decode(encoded); err != nil {
		panic(err)
	}
	fmt.Println(out.Scores)
	// Output: [{1 1000000000} {2 0}]
}

// An on_epoch hook re-splits emission without breaking conservation.
func ExampleSplitProportional() {
	split, ok := tao.SplitProportional(100, []uint64{1, 1, 1})
	fmt.Println(split, ok)
	// Output: [34 33 33] true
}

// Validators turn scores into u16 weights, the best miner getting U16One.
func ExampleScoresToWeights() {
	fmt.Println(tao.ScoresToWeights([]tao.Score{{UID: 0, Value: tao.ScoreOne / 4}, {UID: 3, Value: tao.ScoreOne}}))
	// Output: [{0 16383} {3 65535}]
}

// Ratio turns a count into a fixed-point score.
func ExampleRatio() {
	fmt.Println(tao.Ratio(3, 4), tao.MulScore(tao.Ratio(3, 4), tao.ScoreOne/2))
	// Output: 750000000 375000000
}
