// Command minimal is the Go SDK's glue test module: it registers only score
// (and fails on purpose for some inputs), so the test sees every kind of
// result the exports produce.
package main

import (
	"errors"

	"github.com/taorun/taorun/sdk-wasm/go/tao"
)

func init() {
	tao.HandleScore(func(in tao.ScoreInput) (tao.ScoreOutput, error) {
		switch string(in.Task) {
		case "error":
			return tao.ScoreOutput{}, errors.New("cannot score this task")
		case "panic":
			var m map[string]int
			m["x"] = 1 // a runtime panic, recovered by the SDK
		case "unsorted":
			return tao.ScoreOutput{Scores: []tao.Score{{UID: 2}, {UID: 1}}}, nil
		case "block":
			b := tao.CurrentBlock()
			return tao.ScoreOutput{Scores: []tao.Score{{UID: 0, Value: b.Height}}}, nil
		case "state":
			tao.StateSet([]byte("k"), []byte("v")) // no effect node-side
			_, ok := tao.StateGet([]byte("k"))
			return tao.ScoreOutput{Scores: []tao.Score{{UID: 0, Value: map[bool]uint64{false: 0, true: 1}[ok]}}}, nil
		case "abort":
			tao.Fail("giving up")
		}
		out := tao.ScoreOutput{}
		for _, r := range in.Responses {
			out.Scores = append(out.Scores, tao.Score{UID: r.UID, Value: uint64(len(r.Response))})
		}
		return out, nil
	})
}

func main() {}
