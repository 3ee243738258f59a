package validator

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/keys"
)

// stateVersion is the version of the state file format.
const stateVersion = 1

// minerScore is one UID's moving average, with the hotkey it was earned by.
type minerScore struct {
	UID    uint16 `json:"uid"`
	Hotkey string `json:"hotkey"` // 0x-hex public key
	EMA    uint64 `json:"ema"`    // ScoreOne = 1.0
}

// pendingCommit is a weights commit awaiting its reveal.
type pendingCommit struct {
	Hash       string   `json:"hash"` // 0x-hex
	UIDs       []uint16 `json:"uids"`
	Values     []uint16 `json:"values"`
	Salt       []uint16 `json:"salt"`
	VersionKey uint64   `json:"version_key"`
	Epoch      uint64   `json:"epoch"` // the subnet's epoch index when committed
	Block      uint64   `json:"block"`
}

// fileState is the state file's content. Integers only: it is exact across
// restarts and machines.
type fileState struct {
	Version   int            `json:"version"`
	Netuid    uint16         `json:"netuid"`
	Hotkey    string         `json:"hotkey"`
	Scores    []minerScore   `json:"scores"` // ascending UID
	LastSet   uint64         `json:"last_set_block"`
	LastStep  uint64         `json:"last_step_block"`
	Pending   *pendingCommit `json:"pending_commit,omitempty"`
	StepCount uint64         `json:"steps"`
}

// state is the validator's in-memory state.
type state struct {
	scores   map[uint16]minerScore
	lastSet  uint64 // block of the last weights set or commit
	lastStep uint64
	pending  *pendingCommit
	steps    uint64
}

func newState() *state { return &state{scores: map[uint16]minerScore{}} }

// statePath is the state file for netuid under dir.
func statePath(dir string, netuid uint16) string {
	return filepath.Join(dir, fmt.Sprintf("validator-%d.json", netuid))
}

// loadState reads the state file; a missing file is a fresh state. A file
// for another netuid or hotkey, or one that does not parse, is an error:
// the operator must move it away rather than have scores silently reset.
func loadState(path string, netuid uint16, hotkey keys.PublicKey) (*state, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("validator: reading state: %w", err)
	}
	var f fileState
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("validator: state file %s is corrupt: %w", path, err)
	}
	switch {
	case f.Version != stateVersion:
		return nil, fmt.Errorf("validator: state file %s has version %d, want %d", path, f.Version, stateVersion)
	case f.Netuid != netuid:
		return nil, fmt.Errorf("validator: state file %s is for netuid %d, not %d", path, f.Netuid, netuid)
	case f.Hotkey != hotkey.Hex():
		return nil, fmt.Errorf("validator: state file %s is for hotkey %s, not %s", path, f.Hotkey, hotkey.Hex())
	}
	s := newState()
	for _, m := range f.Scores {
		if _, err := parseHex32(m.Hotkey); err != nil {
			return nil, fmt.Errorf("validator: state file %s: uid %d: %w", path, m.UID, err)
		}
		if m.EMA > wire.ScoreOne {
			return nil, fmt.Errorf("validator: state file %s: uid %d has EMA %d, above ScoreOne", path, m.UID, m.EMA)
		}
		if _, dup := s.scores[m.UID]; dup {
			return nil, fmt.Errorf("validator: state file %s: uid %d twice", path, m.UID)
		}
		s.scores[m.UID] = m
	}
	s.lastSet, s.lastStep, s.pending, s.steps = f.LastSet, f.LastStep, f.Pending, f.StepCount
	return s, nil
}

// save writes the state atomically: a temporary file in the same directory,
// fsynced, renamed over the old one, and the directory fsynced, so a crash
// leaves either the old or the new file, never a torn one.
func (s *state) save(path string, netuid uint16, hotkey keys.PublicKey) error {
	f := fileState{Version: stateVersion, Netuid: netuid, Hotkey: hotkey.Hex(), LastSet: s.lastSet,
		LastStep: s.lastStep, Pending: s.pending, StepCount: s.steps, Scores: []minerScore{}}
	for _, m := range s.scores {
		f.Scores = append(f.Scores, m)
	}
	slices.SortFunc(f.Scores, func(a, b minerScore) int { return int(a.UID) - int(b.UID) })
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("validator: state dir: %w", err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("validator: saving state: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("validator: saving state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("validator: saving state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("validator: saving state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("validator: saving state: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func parseHex32(s string) ([32]byte, error) {
	var out [32]byte
	if len(s) != 66 || s[:2] != "0x" {
		return out, fmt.Errorf("%q is not 0x + 64 hex digits", s)
	}
	if _, err := hex.Decode(out[:], []byte(s[2:])); err != nil {
		return out, fmt.Errorf("%q: %w", s, err)
	}
	return out, nil
}
