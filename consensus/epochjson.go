package consensus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ParseEpochInput reads the JSON input of `taorun sim epoch` (one object; see
// cmd/taorun/sim.go for the format). Absent keys and nulls take subtensor's defaults
// (DefaultHyperparameters, tempo 360, activity_cutoff max(1, 13889*tempo/1000),
// tao_weight DefaultTaoWeight, no owner); a missing or null row is empty. Unknown keys,
// wrong types, out-of-range numbers, rows of the wrong count and out-of-range or
// duplicate uids are errors that name the field, e.g. "neurons[3].stake: ...".
func ParseEpochInput(r io.Reader) (*EpochInput, error) {
	dec := json.NewDecoder(r)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("input: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("input: unexpected data after the JSON object")
	}
	in := &EpochInput{Tempo: 360, TaoWeight: DefaultTaoWeight, Params: DefaultHyperparameters()}
	top, err := object("input", raw, "block", "tempo", "rao_emission", "activity_cutoff",
		"last_mechanism_step_block", "owner_uid", "tao_weight", "hyperparameters", "neurons",
		"weights", "bonds", "commit_blocks")
	if err != nil {
		return nil, err
	}
	var cutoff *uint64
	var owner *uint64
	fields := []struct {
		key string
		dst any
	}{
		{"block", &in.Block}, {"tempo", &in.Tempo}, {"rao_emission", &in.RaoEmission},
		{"activity_cutoff", &cutoff}, {"last_mechanism_step_block", &in.LastMechanismStepBlock},
		{"owner_uid", &owner}, {"tao_weight", &in.TaoWeight},
	}
	for _, f := range fields {
		if err := scalar(f.key, top[f.key], f.dst); err != nil {
			return nil, err
		}
	}
	if cutoff != nil {
		in.ActivityCutoff = *cutoff
	} else {
		in.ActivityCutoff = ActivityCutoff(DefaultActivityCutoffFactorMilli, in.Tempo)
	}
	if owner != nil {
		if *owner > math.MaxUint16 {
			return nil, fmt.Errorf("owner_uid: want an integer in [0, 65535], got %d", *owner)
		}
		in.HasOwner, in.OwnerUID = true, uint16(*owner)
	}
	if err := parseParams(top["hyperparameters"], &in.Params); err != nil {
		return nil, err
	}
	neurons, err := array("neurons", top["neurons"])
	if err != nil {
		return nil, err
	}
	in.Neurons = make([]Neuron, len(neurons))
	for i, nr := range neurons {
		if err := parseNeuron(fmt.Sprintf("neurons[%d]", i), nr, &in.Neurons[i]); err != nil {
			return nil, err
		}
	}
	if in.Weights, err = parseRows("weights", top["weights"]); err != nil {
		return nil, err
	}
	if in.Bonds, err = parseRows("bonds", top["bonds"]); err != nil {
		return nil, err
	}
	if cb, err := array("commit_blocks", top["commit_blocks"]); err != nil {
		return nil, err
	} else if cb != nil {
		in.CommitBlocks = make([]uint64, len(cb))
		for i, c := range cb {
			in.CommitBlocks[i] = math.MaxUint64
			if err := scalar(fmt.Sprintf("commit_blocks[%d]", i), c, &in.CommitBlocks[i]); err != nil {
				return nil, err
			}
		}
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return in, nil
}

func parseParams(raw json.RawMessage, p *Hyperparameters) error {
	const path = "hyperparameters"
	obj, err := object(path, raw, "kappa", "bonds_penalty", "bonds_moving_average", "yuma3_enabled",
		"liquid_alpha_enabled", "alpha_low", "alpha_high", "alpha_sigmoid_steepness",
		"max_allowed_validators", "stake_threshold", "commit_reveal_enabled")
	if err != nil || obj == nil {
		return err
	}
	fields := []struct {
		key string
		dst any
	}{
		{"kappa", &p.Kappa}, {"bonds_penalty", &p.BondsPenalty},
		{"bonds_moving_average", &p.BondsMovingAverage}, {"yuma3_enabled", &p.Yuma3Enabled},
		{"liquid_alpha_enabled", &p.LiquidAlphaEnabled}, {"alpha_low", &p.AlphaLow},
		{"alpha_high", &p.AlphaHigh}, {"alpha_sigmoid_steepness", &p.AlphaSigmoidSteepness},
		{"max_allowed_validators", &p.MaxAllowedValidators}, {"stake_threshold", &p.StakeThreshold},
		{"commit_reveal_enabled", &p.CommitRevealEnabled},
	}
	for _, f := range fields {
		if err := scalar(path+"."+f.key, obj[f.key], f.dst); err != nil {
			return err
		}
	}
	return nil
}

func parseNeuron(path string, raw json.RawMessage, nr *Neuron) error {
	obj, err := object(path, raw, "stake", "tao_stake", "last_update", "block_at_registration", "validator_permit")
	if err != nil || obj == nil {
		return err
	}
	fields := []struct {
		key string
		dst any
	}{
		{"stake", &nr.Stake}, {"tao_stake", &nr.TaoStake}, {"last_update", &nr.LastUpdate},
		{"block_at_registration", &nr.BlockAtRegistration}, {"validator_permit", &nr.ValidatorPermit},
	}
	for _, f := range fields {
		if err := scalar(path+"."+f.key, obj[f.key], f.dst); err != nil {
			return err
		}
	}
	return nil
}

// parseRows reads rows of [uid, value] pairs; a null row is empty.
func parseRows(path string, raw json.RawMessage) ([][]WeightEntry, error) {
	rows, err := array(path, raw)
	if err != nil || rows == nil {
		return nil, err
	}
	out := make([][]WeightEntry, len(rows))
	for i, r := range rows {
		rp := fmt.Sprintf("%s[%d]", path, i)
		entries, err := array(rp, r)
		if err != nil {
			return nil, err
		}
		out[i] = make([]WeightEntry, len(entries))
		for k, e := range entries {
			ep := fmt.Sprintf("%s[%d]", rp, k)
			pair, err := array(ep, e)
			if err != nil {
				return nil, err
			}
			if len(pair) != 2 {
				return nil, fmt.Errorf("%s: want a pair [uid, value], got %d elements", ep, len(pair))
			}
			if isNull(pair[0]) || isNull(pair[1]) {
				return nil, fmt.Errorf("%s: want a pair [uid, value], got null", ep)
			}
			if err := scalar(ep+"[0]", pair[0], &out[i][k].UID); err != nil {
				return nil, err
			}
			if err := scalar(ep+"[1]", pair[1], &out[i][k].Value); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// object decodes a JSON object (nil for absent or null) and rejects keys not in allowed.
func object(path string, raw json.RawMessage, allowed ...string) (map[string]json.RawMessage, error) {
	if isNull(raw) {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("%s: want an object, got %s", path, kind(raw))
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report the first unknown key deterministically
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("%s: unknown key %q", path, k)
		}
	}
	return obj, nil
}

// array decodes a JSON array (nil for absent or null).
func array(path string, raw json.RawMessage) ([]json.RawMessage, error) {
	if isNull(raw) {
		return nil, nil
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil || arr == nil {
		return nil, fmt.Errorf("%s: want an array, got %s", path, kind(raw))
	}
	return arr, nil
}

// scalar decodes a boolean or an integer into dst (a pointer to bool, uint16, int16,
// uint64 or *uint64); absent or null leaves dst unchanged.
func scalar(path string, raw json.RawMessage, dst any) error {
	if isNull(raw) {
		return nil
	}
	t := string(bytes.TrimSpace(raw))
	if b, ok := dst.(*bool); ok {
		switch t {
		case "true", "false":
			*b = t == "true"
			return nil
		}
		return fmt.Errorf("%s: want true or false, got %s", path, kind(raw))
	}
	var lo, hi int64
	var hiU uint64
	switch dst.(type) {
	case *uint16:
		hiU = math.MaxUint16
	case *int16:
		lo, hi = math.MinInt16, math.MaxInt16
	case *uint64, **uint64:
		hiU = math.MaxUint64
	default:
		panic(fmt.Sprintf("scalar: unsupported destination %T", dst))
	}
	if hiU == 0 {
		v, err := strconv.ParseInt(t, 10, 64)
		if err != nil || v < lo || v > hi {
			return fmt.Errorf("%s: want an integer in [%d, %d], got %s", path, lo, hi, kind(raw))
		}
		*dst.(*int16) = int16(v)
		return nil
	}
	v, err := strconv.ParseUint(t, 10, 64)
	if err != nil || v > hiU {
		return fmt.Errorf("%s: want an integer in [0, %d], got %s", path, hiU, kind(raw))
	}
	switch d := dst.(type) {
	case *uint16:
		*d = uint16(v)
	case *uint64:
		*d = v
	case **uint64:
		*d = &v
	}
	return nil
}

// kind describes a JSON value for an error message: the number or literal itself, or
// its type.
func kind(raw json.RawMessage) string {
	t := strings.TrimSpace(string(raw))
	switch {
	case t == "":
		return "nothing"
	case t[0] == '{':
		return "an object"
	case t[0] == '[':
		return "an array"
	case t[0] == '"':
		return "a string"
	case len(t) > 40:
		return t[:40] + "..."
	}
	return t
}

// epochOutputJSON is the JSON form of EpochOutput (bonds as [uid, value] pairs).
type epochOutputJSON struct {
	StakeWeight       []uint16      `json:"stake_weight"`
	Consensus         []uint16      `json:"consensus"`
	Incentive         []uint16      `json:"incentive"`
	Dividends         []uint16      `json:"dividends"`
	ValidatorTrust    []uint16      `json:"validator_trust"`
	Emission          []uint64      `json:"emission"`
	ServerEmission    []uint64      `json:"server_emission"`
	ValidatorEmission []uint64      `json:"validator_emission"`
	Active            []bool        `json:"active"`
	ValidatorPermit   []bool        `json:"validator_permit"`
	Bonds             [][][2]uint16 `json:"bonds"`
}

// MarshalJSON writes the output of `taorun sim epoch`: one object of arrays indexed by
// uid, bonds as rows of [uid, value] pairs. Arrays are never null.
func (o *EpochOutput) MarshalJSON() ([]byte, error) {
	j := epochOutputJSON{
		StakeWeight: nonNil(o.StakeWeight), Consensus: nonNil(o.Consensus),
		Incentive: nonNil(o.Incentive), Dividends: nonNil(o.Dividends),
		ValidatorTrust: nonNil(o.ValidatorTrust), Emission: nonNil(o.Emission),
		ServerEmission: nonNil(o.ServerEmission), ValidatorEmission: nonNil(o.ValidatorEmission),
		Active: nonNil(o.Active), ValidatorPermit: nonNil(o.ValidatorPermit),
		Bonds: make([][][2]uint16, len(o.Bonds)),
	}
	for i, row := range o.Bonds {
		j.Bonds[i] = make([][2]uint16, len(row))
		for k, e := range row {
			j.Bonds[i][k] = [2]uint16{e.UID, e.Value}
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes (unknown keys are errors).
func (o *EpochOutput) UnmarshalJSON(b []byte) error {
	var j epochOutputJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return err
	}
	*o = EpochOutput{
		StakeWeight: j.StakeWeight, Consensus: j.Consensus, Incentive: j.Incentive,
		Dividends: j.Dividends, ValidatorTrust: j.ValidatorTrust, Emission: j.Emission,
		ServerEmission: j.ServerEmission, ValidatorEmission: j.ValidatorEmission,
		Active: j.Active, ValidatorPermit: j.ValidatorPermit,
		Bonds: make([][]WeightEntry, len(j.Bonds)),
	}
	for i, row := range j.Bonds {
		o.Bonds[i] = make([]WeightEntry, len(row))
		for k, p := range row {
			o.Bonds[i][k] = WeightEntry{p[0], p[1]}
		}
	}
	return nil
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
