package wire

import "strconv"

// Fixed-point scales. Consensus outputs are integers; these constants say
// which integer means 1.0.
const (
	// ScoreOne is the score value meaning 1.0: scores are u64 fixed point
	// with 9 decimal places (1e9 = 1.0), wide enough for any reasonable
	// ratio and cheap in every guest language (no 128-bit arithmetic).
	ScoreOne uint64 = 1_000_000_000
	// U16One is the u16 value meaning 1.0, as in subtensor: weights,
	// incentive, dividends, rank, trust and consensus are u16 proportions.
	U16One uint16 = 65535
)

// Verdict is validate_weights' decision.
type Verdict uint8

// The verdicts. Any other byte is rejected by the decoder.
const (
	// Accept keeps the submitted weights unchanged.
	Accept Verdict = 0
	// Reject refuses the weights; the transaction fails with Reason.
	Reject Verdict = 1
	// Adjust replaces the submitted weights with ValidateWeightsOutput.Weights.
	Adjust Verdict = 2
)

// String names the verdict.
func (v Verdict) String() string {
	switch v {
	case Accept:
		return "accept"
	case Reject:
		return "reject"
	case Adjust:
		return "adjust"
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// WeightEntry is one weight a validator sets on a UID. Value is a u16
// proportion (U16One = 1.0, as subtensor stores weights).
type WeightEntry struct {
	UID   uint16
	Value uint16
}

// ValidateWeightsInput is the input of the chain-side hook validate_weights,
// run when a validator submits set_weights.
type ValidateWeightsInput struct {
	Netuid       uint16
	Block        uint64
	CallerUID    uint16
	CallerHotkey [32]byte
	VersionKey   uint64
	// SubnetN is the number of registered neurons; valid UIDs are 0..SubnetN-1.
	SubnetN uint16
	// Weights are sorted by strictly ascending UID.
	Weights []WeightEntry
}

// ValidateWeightsOutput is validate_weights' result. Weights must be empty
// unless Verdict is Adjust, and are then sorted by strictly ascending UID.
type ValidateWeightsOutput struct {
	Verdict Verdict
	Reason  string
	Weights []WeightEntry
}

// EpochNeuron is one UID's row in on_epoch's input: the epoch inputs
// (stake, activity, permits) and Yuma's outputs for it.
type EpochNeuron struct {
	UID               uint16
	Hotkey            [32]byte
	Stake             uint64 // rao
	Incentive         uint16 // U16One = 1.0
	Dividends         uint16 // U16One = 1.0
	ServerEmission    uint64 // rao, the miner share Yuma gave this UID
	ValidatorEmission uint64 // rao, the validator share Yuma gave this UID
	Active            bool
	ValidatorPermit   bool
}

// OnEpochInput is the input of the chain-side hook on_epoch, run after
// Yuma Consensus for the subnet.
type OnEpochInput struct {
	Netuid      uint16
	Block       uint64
	RaoEmission uint64 // total rao emitted to the subnet this epoch
	// Neurons are sorted by strictly ascending UID.
	Neurons []EpochNeuron
}

// OnEpochOutput is on_epoch's result. When Resplit is false the chain keeps
// Yuma's split and ServerEmission must be empty. When Resplit is true,
// ServerEmission holds one amount per input neuron, in input order; the
// chain checks that its sum equals the sum of the input ServerEmission and
// falls back to Yuma's split (and logs why) if it does not.
type OnEpochOutput struct {
	Resplit        bool
	ServerEmission []uint64
}

// OnRegisterInput is the input of the optional chain-side hook on_register,
// run before a registration is applied.
type OnRegisterInput struct {
	Netuid   uint16
	Block    uint64
	Hotkey   [32]byte
	Coldkey  [32]byte
	UID      uint16 // the UID the registration would take
	BurnPaid uint64 // rao burned (0 for a proof-of-work registration)
}

// OnRegisterOutput is on_register's result. Reason explains a denial.
type OnRegisterOutput struct {
	Allow  bool
	Reason string
}

// ChallengeInput is the input of the node-side entry point challenge, run by
// a validator to create one task for its miners.
type ChallengeInput struct {
	Netuid          uint16
	Block           uint64
	Seed            [32]byte // the only randomness a module should use
	ValidatorHotkey [32]byte
}

// ChallengeOutput is challenge's result: a task, opaque to the host, sent to
// miners, and how long the validator waits for answers.
type ChallengeOutput struct {
	Task          []byte
	TimeoutMillis uint32
}

// SolveInput is the input of the node-side entry point solve, run by a miner
// on a task it received.
type SolveInput struct {
	Netuid      uint16
	Block       uint64
	MinerHotkey [32]byte
	Task        []byte
}

// SolveOutput is solve's result, sent back to the validator.
type SolveOutput struct {
	Response []byte
}

// Response is one miner's answer to a task as the validator saw it. Err is
// non-empty when the miner failed (timeout, transport error) and then
// Response is empty.
type Response struct {
	UID           uint16
	LatencyMicros uint64
	Response      []byte
	Err           string
}

// ScoreInput is the input of the node-side entry point score.
type ScoreInput struct {
	Netuid uint16
	Block  uint64
	Task   []byte
	// Responses are sorted by strictly ascending UID.
	Responses []Response
}

// Score is one UID's score in fixed point (ScoreOne = 1.0).
type Score struct {
	UID   uint16
	Value uint64
}

// ScoreOutput is score's result, sorted by strictly ascending UID. The
// validator turns scores into weights.
type ScoreOutput struct {
	Scores []Score
}

// BlockInfo is what the host function block_info writes.
type BlockInfo struct {
	Netuid     uint16
	Height     uint64
	TimeMillis uint64 // the block's timestamp, agreed by consensus
	Hash       [32]byte
}

// Neuron is one metagraph row as the metagraph host functions write it.
type Neuron struct {
	UID             uint16
	Hotkey          [32]byte
	Coldkey         [32]byte
	Stake           uint64 // rao
	Rank            uint16 // U16One = 1.0, as are Trust..Dividends
	Trust           uint16
	Consensus       uint16
	Incentive       uint16
	Dividends       uint16
	Emission        uint64 // rao in the last epoch
	Active          bool
	ValidatorPermit bool
	LastUpdate      uint64 // block of the last weights set
	RegisteredAt    uint64 // block of registration
}

// Metagraph is a subnet's metagraph: every registered neuron, by ascending UID.
type Metagraph struct {
	Netuid  uint16
	Block   uint64
	Neurons []Neuron
}

// Minimum encoded sizes of list elements, used to bound list counts.
const (
	sizeWeightEntry = 2 + 2
	sizeEpochNeuron = 2 + 32 + 8 + 2 + 2 + 8 + 8 + 1 + 1
	sizeResponse    = 2 + 8 + 4 + 4
	sizeScore       = 2 + 8
	sizeNeuron      = 2 + 32 + 32 + 8 + 2*5 + 8 + 1 + 1 + 8 + 8
)

// message is implemented by every payload type.
type message interface {
	encode(e *Encoder)
	decode(d *Decoder)
}

func encodeMessage(m message) []byte {
	var e Encoder
	m.encode(&e)
	return e.buf
}

// decodeMessage decodes b into m as the payload named name, strictly.
func decodeMessage(b []byte, name string, m message) error {
	d := NewDecoder(b)
	m.decode(d)
	return d.Finish(name)
}

func encodeList[T any](e *Encoder, xs []T, enc func(*Encoder, *T)) {
	e.Count(len(xs))
	for i := range xs {
		enc(e, &xs[i])
	}
}

// decodeList reads a counted list. When uid is not nil the elements must be
// sorted by strictly ascending UID, so a list has one encoding and no UID
// appears twice.
func decodeList[T any](d *Decoder, field string, minSize int, dec func(*Decoder, *T), uid func(*T) uint16) []T {
	n := d.Count(field, minSize)
	if n == 0 {
		return nil
	}
	xs := make([]T, n)
	for i := range xs {
		dec(d, &xs[i])
		if d.err == nil && uid != nil && i > 0 && uid(&xs[i]) <= uid(&xs[i-1]) {
			d.Fail("UID", "UIDs must be strictly ascending: "+strconv.Itoa(int(uid(&xs[i])))+
				" follows "+strconv.Itoa(int(uid(&xs[i-1]))))
		}
		if d.err != nil {
			d.WithinIndex(field, i)
			return nil
		}
	}
	return xs
}

func encWeight(e *Encoder, w *WeightEntry) { e.U16(w.UID); e.U16(w.Value) }
func decWeight(d *Decoder, w *WeightEntry) { w.UID = d.U16("UID"); w.Value = d.U16("Value") }
func weightUID(w *WeightEntry) uint16      { return w.UID }

func (m *ValidateWeightsInput) encode(e *Encoder) {
	e.U16(m.Netuid)
	e.U64(m.Block)
	e.U16(m.CallerUID)
	e.Hash(m.CallerHotkey)
	e.U64(m.VersionKey)
	e.U16(m.SubnetN)
	encodeList(e, m.Weights, encWeight)
}

func (m *ValidateWeightsInput) decode(d *Decoder) {
	m.Netuid = d.U16("Netuid")
	m.Block = d.U64("Block")
	m.CallerUID = d.U16("CallerUID")
	m.CallerHotkey = d.Hash("CallerHotkey")
	m.VersionKey = d.U64("VersionKey")
	m.SubnetN = d.U16("SubnetN")
	m.Weights = decodeList(d, "Weights", sizeWeightEntry, decWeight, weightUID)
}

func (m *ValidateWeightsOutput) encode(e *Encoder) {
	e.U8(uint8(m.Verdict))
	e.String(m.Reason)
	encodeList(e, m.Weights, encWeight)
}

func (m *ValidateWeightsOutput) decode(d *Decoder) {
	m.Verdict = Verdict(d.U8("Verdict"))
	if m.Verdict > Adjust {
		d.Fail("Verdict", "unknown verdict "+strconv.Itoa(int(m.Verdict))+" (want 0 accept, 1 reject, 2 adjust)")
	}
	m.Reason = d.String("Reason")
	m.Weights = decodeList(d, "Weights", sizeWeightEntry, decWeight, weightUID)
	if len(m.Weights) > 0 && m.Verdict != Adjust {
		d.Fail("Weights", "must be empty unless the verdict is adjust (verdict is "+m.Verdict.String()+")")
	}
}

func encEpochNeuron(e *Encoder, n *EpochNeuron) {
	e.U16(n.UID)
	e.Hash(n.Hotkey)
	e.U64(n.Stake)
	e.U16(n.Incentive)
	e.U16(n.Dividends)
	e.U64(n.ServerEmission)
	e.U64(n.ValidatorEmission)
	e.Bool(n.Active)
	e.Bool(n.ValidatorPermit)
}

func decEpochNeuron(d *Decoder, n *EpochNeuron) {
	n.UID = d.U16("UID")
	n.Hotkey = d.Hash("Hotkey")
	n.Stake = d.U64("Stake")
	n.Incentive = d.U16("Incentive")
	n.Dividends = d.U16("Dividends")
	n.ServerEmission = d.U64("ServerEmission")
	n.ValidatorEmission = d.U64("ValidatorEmission")
	n.Active = d.Bool("Active")
	n.ValidatorPermit = d.Bool("ValidatorPermit")
}

func epochNeuronUID(n *EpochNeuron) uint16 { return n.UID }

func (m *OnEpochInput) encode(e *Encoder) {
	e.U16(m.Netuid)
	e.U64(m.Block)
	e.U64(m.RaoEmission)
	encodeList(e, m.Neurons, encEpochNeuron)
}

func (m *OnEpochInput) decode(d *Decoder) {
	m.Netuid = d.U16("Netuid")
	m.Block = d.U64("Block")
	m.RaoEmission = d.U64("RaoEmission")
	m.Neurons = decodeList(d, "Neurons", sizeEpochNeuron, decEpochNeuron, epochNeuronUID)
}

func encU64(e *Encoder, v *uint64) { e.U64(*v) }
func decU64(d *Decoder, v *uint64) { *v = d.U64("") }

func (m *OnEpochOutput) encode(e *Encoder) {
	e.Bool(m.Resplit)
	encodeList(e, m.ServerEmission, encU64)
}

func (m *OnEpochOutput) decode(d *Decoder) {
	m.Resplit = d.Bool("Resplit")
	m.ServerEmission = decodeList(d, "ServerEmission", 8, decU64, nil)
	if !m.Resplit && len(m.ServerEmission) > 0 {
		d.Fail("ServerEmission", "must be empty when Resplit is false")
	}
}

func (m *OnRegisterInput) encode(e *Encoder) {
	e.U16(m.Netuid)
	e.U64(m.Block)
	e.Hash(m.Hotkey)
	e.Hash(m.Coldkey)
	e.U16(m.UID)
	e.U64(m.BurnPaid)
}

func (m *OnRegisterInput) decode(d *Decoder) {
	m.Netuid = d.U16("Netuid")
	m.Block = d.U64("Block")
	m.Hotkey = d.Hash("Hotkey")
	m.Coldkey = d.Hash("Coldkey")
	m.UID = d.U16("UID")
	m.BurnPaid = d.U64("BurnPaid")
}

func (m *OnRegisterOutput) encode(e *Encoder) {
	e.Bool(m.Allow)
	e.String(m.Reason)
}

func (m *OnRegisterOutput) decode(d *Decoder) {
	m.Allow = d.Bool("Allow")
	m.Reason = d.String("Reason")
}

func (m *ChallengeInput) encode(e *Encoder) {
	e.U16(m.Netuid)
	e.U64(m.Block)
	e.Hash(m.Seed)
	e.Hash(m.ValidatorHotkey)
}

func (m *ChallengeInput) decode(d *Decoder) {
	m.Netuid = d.U16("Netuid")
	m.Block = d.U64("Block")
	m.Seed = d.Hash("Seed")
	m.ValidatorHotkey = d.Hash("ValidatorHotkey")
}

func (m *ChallengeOutput) encode(e *Encoder) {
	e.Blob(m.Task)
	e.U32(m.TimeoutMillis)
}

func (m *ChallengeOutput) decode(d *Decoder) {
	m.Task = d.Blob("Task")
	m.TimeoutMillis = d.U32("TimeoutMillis")
}

func (m *SolveInput) encode(e *Encoder) {
	e.U16(m.Netuid)
	e.U64(m.Block)
	e.Hash(m.MinerHotkey)
	e.Blob(m.Task)
}

func (m *SolveInput) decode(d *Decoder) {
	m.Netuid = d.U16("Netuid")
	m.Block = d.U64("Block")
	m.MinerHotkey = d.Hash("MinerHotkey")
	m.Task = d.Blob("Task")
}

func (m *SolveOutput) encode(e *Encoder) { e.Blob(m.Response) }
func (m *SolveOutput) decode(d *Decoder) { m.Response = d.Blob("Response") }

func encResponse(e *Encoder, r *Response) {
	e.U16(r.UID)
	e.U64(r.LatencyMicros)
	e.Blob(r.Response)
	e.String(r.Err)
}

func decResponse(d *Decoder, r *Response) {
	r.UID = d.U16("UID")
	r.LatencyMicros = d.U64("LatencyMicros")
	r.Response = d.Blob("Response")
	r.Err = d.String("Err")
}

func responseUID(r *Response) uint16 { return r.UID }

func (m *ScoreInput) encode(e *Encoder) {
	e.U16(m.Netuid)
	e.U64(m.Block)
	e.Blob(m.Task)
	encodeList(e, m.Responses, encResponse)
}

func (m *ScoreInput) decode(d *Decoder) {
	m.Netuid = d.U16("Netuid")
	m.Block = d.U64("Block")
	m.Task = d.Blob("Task")
	m.Responses = decodeList(d, "Responses", sizeResponse, decResponse, responseUID)
}

func encScore(e *Encoder, s *Score) { e.U16(s.UID); e.U64(s.Value) }
func decScore(d *Decoder, s *Score) { s.UID = d.U16("UID"); s.Value = d.U64("Value") }
func scoreUID(s *Score) uint16      { return s.UID }

func (m *ScoreOutput) encode(e *Encoder) { encodeList(e, m.Scores, encScore) }
func (m *ScoreOutput) decode(d *Decoder) {
	m.Scores = decodeList(d, "Scores", sizeScore, decScore, scoreUID)
}

func (m *BlockInfo) encode(e *Encoder) {
	e.U16(m.Netuid)
	e.U64(m.Height)
	e.U64(m.TimeMillis)
	e.Hash(m.Hash)
}

func (m *BlockInfo) decode(d *Decoder) {
	m.Netuid = d.U16("Netuid")
	m.Height = d.U64("Height")
	m.TimeMillis = d.U64("TimeMillis")
	m.Hash = d.Hash("Hash")
}

func encNeuron(e *Encoder, n *Neuron) {
	e.U16(n.UID)
	e.Hash(n.Hotkey)
	e.Hash(n.Coldkey)
	e.U64(n.Stake)
	e.U16(n.Rank)
	e.U16(n.Trust)
	e.U16(n.Consensus)
	e.U16(n.Incentive)
	e.U16(n.Dividends)
	e.U64(n.Emission)
	e.Bool(n.Active)
	e.Bool(n.ValidatorPermit)
	e.U64(n.LastUpdate)
	e.U64(n.RegisteredAt)
}

func decNeuron(d *Decoder, n *Neuron) {
	n.UID = d.U16("UID")
	n.Hotkey = d.Hash("Hotkey")
	n.Coldkey = d.Hash("Coldkey")
	n.Stake = d.U64("Stake")
	n.Rank = d.U16("Rank")
	n.Trust = d.U16("Trust")
	n.Consensus = d.U16("Consensus")
	n.Incentive = d.U16("Incentive")
	n.Dividends = d.U16("Dividends")
	n.Emission = d.U64("Emission")
	n.Active = d.Bool("Active")
	n.ValidatorPermit = d.Bool("ValidatorPermit")
	n.LastUpdate = d.U64("LastUpdate")
	n.RegisteredAt = d.U64("RegisteredAt")
}

func neuronUID(n *Neuron) uint16 { return n.UID }

func (m *Neuron) encode(e *Encoder) { encNeuron(e, m) }
func (m *Neuron) decode(d *Decoder) { decNeuron(d, m) }

func (m *Metagraph) encode(e *Encoder) {
	e.U16(m.Netuid)
	e.U64(m.Block)
	encodeList(e, m.Neurons, encNeuron)
}

func (m *Metagraph) decode(d *Decoder) {
	m.Netuid = d.U16("Netuid")
	m.Block = d.U64("Block")
	m.Neurons = decodeList(d, "Neurons", sizeNeuron, decNeuron, neuronUID)
}
