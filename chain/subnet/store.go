package subnet

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/consensus/fixed"
)

// Field bytes of the per-subnet records. See the package comment for the
// whole key layout.
const (
	subInfo   byte = 0x00 // 0x10 netuid ‖ 0x00: Info
	subParam  byte = 0x01 // 0x10 netuid ‖ 0x01 ‖ param id: u64
	subN      byte = 0x02 // 0x10 netuid ‖ 0x02: neuron count u64
	neuronRec byte = 0x00 // 0x11 netuid ‖ uid ‖ 0x00: Neuron
	neuronRes byte = 0x01 // 0x11 netuid ‖ uid ‖ 0x01: Result

	poolTAO      byte = 0x01 // SubnetTAO (rao)
	poolAlphaIn  byte = 0x02 // SubnetAlphaIn (alpha-rao)
	poolAlphaOut byte = 0x03 // SubnetAlphaOut (alpha-rao)
	poolMoving   byte = 0x04 // moving price, I96F32 bits (16 bytes)

	epLastEpoch  byte = 0x01 // LastEpochBlock (= LastMechanismStepBlock)
	epSinceStep  byte = 0x02 // BlocksSinceLastStep
	epIndex      byte = 0x03 // SubnetEpochIndex
	epPendServer byte = 0x04 // PendingServerEmission
	epPendValid  byte = 0x05 // PendingValidatorEmission
	epPendRoot   byte = 0x06 // PendingRootAlphaDivs
	epPendOwner  byte = 0x07 // PendingOwnerCut
	epBurn       byte = 0x08 // registration burn (rao)
	epRegBlock   byte = 0x09 // block of the last registration
	epRegCount   byte = 0x0A // registrations in that block
	// epProtocolAlpha is the alpha the chain buy bought and the protocol
	// holds (SubnetProtocolAlpha); it counts in SubnetAlphaOut.
	epProtocolAlpha byte = 0x0B

	// reservedIndex is the uid / netuid value that is never a real one; keys
	// use it for maps that live beside the per-uid or per-subnet records.
	reservedIndex uint16 = 0xFFFF
)

// Global keys (netuid 0xFFFF in the subnet space, never a real netuid).
var (
	keyLastLock      = state.Key(state.PrefixSubnet, state.BE16(reservedIndex), []byte{0x01})
	keyLastLockBlock = state.Key(state.PrefixSubnet, state.BE16(reservedIndex), []byte{0x02})
	keyNetuids       = state.Key(state.PrefixSubnet, state.BE16(reservedIndex), []byte{0x03})
)

func subnetKey(netuid uint16, field byte, rest ...byte) []byte {
	return state.Key(state.PrefixSubnet, state.BE16(netuid), []byte{field}, rest)
}
func neuronKey(netuid, uid uint16, field byte) []byte {
	return state.Key(state.PrefixNeuron, state.BE16(netuid), state.BE16(uid), []byte{field})
}
func uidKey(netuid uint16, hotkey types.AccountID) []byte {
	return state.Key(state.PrefixNeuron, state.BE16(netuid), state.BE16(reservedIndex), hotkey[:])
}
func stakeKey(hotkey, coldkey types.AccountID, netuid uint16) []byte {
	return state.Key(state.PrefixStake, hotkey[:], coldkey[:], state.BE16(netuid))
}
func hotkeyTotalKey(hotkey types.AccountID, netuid uint16) []byte {
	return state.Key(state.PrefixStake, hotkey[:], state.BE16(netuid))
}
func ownerKey(hotkey types.AccountID) []byte { return state.Key(state.PrefixStake, hotkey[:]) }
func takeKey(hotkey types.AccountID) []byte {
	return state.Key(state.PrefixStake, hotkey[:], []byte{'t'})
}
func poolKey(netuid uint16, field byte) []byte {
	return state.Key(state.PrefixPool, state.BE16(netuid), []byte{field})
}
func weightsKey(netuid, uid uint16) []byte {
	return state.Key(state.PrefixWeights, state.BE16(netuid), state.BE16(uid))
}
func commitKey(netuid uint16, hotkey types.AccountID) []byte {
	return state.Key(state.PrefixWeights, state.BE16(netuid), state.BE16(reservedIndex), hotkey[:])
}
func bondsKey(netuid, uid uint16) []byte {
	return state.Key(state.PrefixBonds, state.BE16(netuid), state.BE16(uid))
}
func epochKey(netuid uint16, field byte) []byte {
	return state.Key(state.PrefixEpoch, state.BE16(netuid), []byte{field})
}

// rw is a state accessor with a sticky error: reads after a failure return
// zero values, and the first error is reported by err. It keeps the
// operations free of per-read error plumbing; every operation checks rw.err
// before deciding anything from what it read.
type rw struct {
	o   *state.Overlay
	err error
	// below, when set, is the state under o's own writes, for reads that
	// are known not to depend on them (see atomicallyPrefetched). Prefix
	// iteration on it skips the scan of o's pending writes.
	below state.Reader
	// mods runs the subnet module hooks of the operation (nil: none).
	mods ModuleHooks
	// epochTimer is Hooked.EpochTimer (nil: none).
	epochTimer func(netuid uint16) (done func())
}

func (s *rw) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

func (s *rw) get(key []byte) ([]byte, bool) {
	if s.err != nil {
		return nil, false
	}
	v, ok, err := s.o.Get(key)
	if err != nil {
		s.fail(err)
		return nil, false
	}
	return v, ok
}

func (s *rw) u64(key []byte) uint64 {
	if s.err != nil {
		return 0
	}
	v, err := state.GetU64(s.o, key)
	s.fail(err)
	return v
}

func (s *rw) setU64(key []byte, v uint64) { state.SetU64(s.o, key, v) }

// addU64 adds d to the u64 at key, failing on overflow.
func (s *rw) addU64(key []byte, d uint64) {
	v := s.u64(key)
	if v+d < v {
		s.fail(fmt.Errorf("%w: u64 at %x overflows", ErrCorrupt, key))
		return
	}
	s.setU64(key, v+d)
}

// subU64 subtracts d from the u64 at key, failing on underflow (corrupt
// state: callers check amounts first).
func (s *rw) subU64(key []byte, d uint64) {
	v := s.u64(key)
	if v < d {
		s.fail(fmt.Errorf("%w: u64 at %x is %d, cannot take %d", ErrCorrupt, key, v, d))
		return
	}
	s.setU64(key, v-d)
}

func (s *rw) account(key []byte) (types.AccountID, bool) {
	var id types.AccountID
	v, ok := s.get(key)
	if !ok {
		return id, false
	}
	if len(v) != len(id) {
		s.fail(fmt.Errorf("%w: value at %x is %d bytes, want 32", ErrCorrupt, key, len(v)))
		return id, false
	}
	copy(id[:], v)
	return id, true
}

func (s *rw) iterate(prefix []byte, fn func(k, v []byte) error) {
	if s.err != nil {
		return
	}
	s.fail(s.o.Iterate(prefix, fn))
}

// iterateBelow is iterate on s.below (s.o when unset).
func (s *rw) iterateBelow(prefix []byte, fn func(k, v []byte) error) {
	if s.err != nil {
		return
	}
	if s.below == nil {
		s.fail(s.o.Iterate(prefix, fn))
		return
	}
	s.fail(s.below.Iterate(prefix, fn))
}

// decode runs dec over the value at key (absent: ok false).
func (s *rw) decode(key []byte, dec func(r *codec.Reader)) bool {
	v, ok := s.get(key)
	if !ok {
		return false
	}
	r := codec.NewReader(v)
	dec(r)
	if err := r.Done(); err != nil {
		s.fail(fmt.Errorf("%w: value at %x: %v", ErrCorrupt, key, err))
		return false
	}
	return true
}

// Info is a subnet's registration record.
type Info struct {
	OwnerColdkey types.AccountID
	OwnerHotkey  types.AccountID
	// RegisteredAt is the block the subnet was created (its first emission block).
	RegisteredAt uint64
	// LockCost is the TAO (rao) the owner paid to create it; it seeded the pool.
	LockCost uint64
}

func (in *Info) encode() []byte {
	w := codec.NewWriter(80)
	w.Fixed(in.OwnerColdkey[:])
	w.Fixed(in.OwnerHotkey[:])
	w.U64(in.RegisteredAt)
	w.U64(in.LockCost)
	return w.Bytes()
}

func (s *rw) info(netuid uint16) (Info, bool) {
	var in Info
	ok := s.decode(subnetKey(netuid, subInfo), func(r *codec.Reader) {
		in.OwnerColdkey, in.OwnerHotkey = r.Bytes32(), r.Bytes32()
		in.RegisteredAt, in.LockCost = r.U64(), r.U64()
	})
	return in, ok
}

// Axon is a neuron's advertised endpoint.
type Axon struct {
	Version  uint32
	IP       [16]byte
	Port     uint16
	IPType   uint8
	Protocol uint8
	Block    uint64 // block it was served at
}

// Neuron is the registration record of one uid.
type Neuron struct {
	Hotkey, Coldkey     types.AccountID
	BlockAtRegistration uint64
	LastUpdate          uint64 // block of the last weights update (registration block at first)
	Axon                Axon
}

func (n *Neuron) encode() []byte {
	w := codec.NewWriter(128)
	w.Fixed(n.Hotkey[:])
	w.Fixed(n.Coldkey[:])
	w.U64(n.BlockAtRegistration)
	w.U64(n.LastUpdate)
	a := &n.Axon
	w.U32(a.Version)
	w.Fixed(a.IP[:])
	w.U16(a.Port)
	w.U8(a.IPType)
	w.U8(a.Protocol)
	w.U64(a.Block)
	return w.Bytes()
}

func (n *Neuron) read(r *codec.Reader) {
	n.Hotkey, n.Coldkey = r.Bytes32(), r.Bytes32()
	n.BlockAtRegistration, n.LastUpdate = r.U64(), r.U64()
	a := &n.Axon
	a.Version = r.U32()
	copy(a.IP[:], r.Fixed(16))
	a.Port, a.IPType, a.Protocol, a.Block = r.U16(), r.U8(), r.U8(), r.U64()
}

// decodeWith runs dec over v and requires it to consume v exactly.
func decodeWith(v []byte, dec func(r *codec.Reader)) error {
	r := codec.NewReader(v)
	dec(r)
	return r.Done()
}

func decodeNeuron(v []byte) (n Neuron, err error) {
	err = decodeWith(v, n.read)
	return
}

func (s *rw) neuron(netuid, uid uint16) (Neuron, bool) {
	var n Neuron
	ok := s.decode(neuronKey(netuid, uid, neuronRec), n.read)
	return n, ok
}

func (s *rw) setNeuron(netuid, uid uint16, n *Neuron) {
	s.o.Set(neuronKey(netuid, uid, neuronRec), n.encode())
}

// Result is what the last epoch stored for one uid (the metagraph columns).
type Result struct {
	StakeWeight, Consensus, Incentive, Dividends, ValidatorTrust uint16
	// Emission is the uid's alpha emission in the last epoch (alpha-rao).
	Emission        uint64
	Active          bool
	ValidatorPermit bool
}

func (r *Result) encode() []byte {
	w := codec.NewWriter(24)
	for _, v := range []uint16{r.StakeWeight, r.Consensus, r.Incentive, r.Dividends, r.ValidatorTrust} {
		w.U16(v)
	}
	w.U64(r.Emission)
	w.Bool(r.Active)
	w.Bool(r.ValidatorPermit)
	return w.Bytes()
}

func (res *Result) read(r *codec.Reader) {
	res.StakeWeight, res.Consensus, res.Incentive, res.Dividends, res.ValidatorTrust = r.U16(), r.U16(), r.U16(), r.U16(), r.U16()
	res.Emission, res.Active, res.ValidatorPermit = r.U64(), r.Bool(), r.Bool()
}

func decodeResult(v []byte) (res Result, err error) {
	err = decodeWith(v, res.read)
	return
}

func (s *rw) result(netuid, uid uint16) Result {
	var res Result
	s.decode(neuronKey(netuid, uid, neuronRes), res.read)
	return res
}

// Weight is one sparse entry of a weights or bonds row.
type Weight struct{ UID, Value uint16 }

func encodeRow(row []Weight) []byte {
	w := codec.NewWriter(4 + 4*len(row))
	w.U32(uint32(len(row)))
	for _, e := range row {
		w.U16(e.UID)
		w.U16(e.Value)
	}
	return w.Bytes()
}

func (s *rw) row(key []byte) []Weight {
	var row []Weight
	s.decode(key, func(r *codec.Reader) {
		n := r.Len(int(maxUIDsHardCap), "row")
		if n*4 > r.Remaining() {
			r.Fixed(n * 4)
			return
		}
		row = make([]Weight, n)
		for i := range row {
			row[i] = Weight{r.U16(), r.U16()}
		}
	})
	return row
}

func (s *rw) setRow(key []byte, row []Weight) {
	if len(row) == 0 {
		s.o.Delete(key)
		return
	}
	s.o.Set(key, encodeRow(row))
}

// commit is a pending weights commitment of one hotkey.
type commit struct {
	Hash  types.Hash
	Block uint64 // block of the commit
	Epoch uint64 // subnet epoch index at the commit
}

func (c *commit) read(r *codec.Reader) { c.Hash, c.Block, c.Epoch = r.Bytes32(), r.U64(), r.U64() }

func decodeCommit(v []byte) (c commit, err error) {
	err = decodeWith(v, c.read)
	return
}

func (s *rw) commit(netuid uint16, hotkey types.AccountID) (commit, bool) {
	var c commit
	ok := s.decode(commitKey(netuid, hotkey), c.read)
	return c, ok
}

func (s *rw) setCommit(netuid uint16, hotkey types.AccountID, c commit) {
	w := codec.NewWriter(48)
	w.Bytes32(c.Hash)
	w.U64(c.Block)
	w.U64(c.Epoch)
	s.o.Set(commitKey(netuid, hotkey), w.Bytes())
}

func (s *rw) exists(netuid uint16) bool {
	if netuid == RootNetuid {
		return true
	}
	_, ok := s.get(subnetKey(netuid, subInfo))
	return ok
}

func (s *rw) n(netuid uint16) uint16 { return uint16(s.u64(subnetKey(netuid, subN))) }

func (s *rw) uid(netuid uint16, hotkey types.AccountID) (uint16, bool) {
	v, ok := s.get(uidKey(netuid, hotkey))
	if !ok {
		return 0, false
	}
	if len(v) != 2 {
		s.fail(fmt.Errorf("%w: uid of %s on %d is %d bytes", ErrCorrupt, hotkey.SS58(), netuid, len(v)))
		return 0, false
	}
	return binary.LittleEndian.Uint16(v), true
}

func (s *rw) setUID(netuid uint16, hotkey types.AccountID, uid uint16) {
	s.o.Set(uidKey(netuid, hotkey), binary.LittleEndian.AppendUint16(nil, uid))
}

// movingPrice reads the stored EMA price (I96F32) as U64F64.
func (s *rw) movingPrice(netuid uint16) fixed.U64F64 {
	v, ok := s.get(poolKey(netuid, poolMoving))
	if !ok {
		return fixed.U64F64{}
	}
	if len(v) != 16 {
		s.fail(fmt.Errorf("%w: moving price of %d is %d bytes", ErrCorrupt, netuid, len(v)))
		return fixed.U64F64{}
	}
	p := fixed.I96FromBits(binary.LittleEndian.Uint64(v[8:]), binary.LittleEndian.Uint64(v[:8]))
	return p.SatToU64F64()
}

// setMovingPrice stores p as I96F32 (dropping fraction bits below 2^-32, as
// subtensor's storage type does).
func (s *rw) setMovingPrice(netuid uint16, p fixed.U64F64) {
	hi, lo := p.SatToI96F32().Bits()
	if hi == 0 && lo == 0 {
		s.o.Delete(poolKey(netuid, poolMoving))
		return
	}
	b := binary.LittleEndian.AppendUint64(nil, lo)
	s.o.Set(poolKey(netuid, poolMoving), binary.LittleEndian.AppendUint64(b, hi))
}

// netuids returns the registered subnets (root excluded) in ascending order,
// from the list kept under keyNetuids (u16 little endian each), so the
// per-block work reads one key instead of scanning the subnet prefix.
func (s *rw) netuids() []uint16 {
	v, _ := s.get(keyNetuids)
	if len(v)%2 != 0 {
		s.fail(fmt.Errorf("%w: netuid list is %d bytes", ErrCorrupt, len(v)))
		return nil
	}
	out := make([]uint16, len(v)/2)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(v[2*i:])
	}
	return out
}

// addNetuid inserts netuid into the sorted netuid list.
func (s *rw) addNetuid(netuid uint16) {
	list := s.netuids()
	i, _ := slices.BinarySearch(list, netuid)
	list = slices.Insert(list, i, netuid)
	b := make([]byte, 0, 2*len(list))
	for _, n := range list {
		b = binary.LittleEndian.AppendUint16(b, n)
	}
	s.o.Set(keyNetuids, b)
}

// nominatorsKey indexes the coldkeys with stake on (hotkey, netuid), so that
// dividends reach them with exact-key reads instead of a prefix scan.
func nominatorsKey(hotkey types.AccountID, netuid uint16) []byte {
	return state.Key(state.PrefixStake, hotkey[:], state.BE16(netuid), []byte{'n'})
}

// nominators returns the coldkeys staking to hotkey on netuid, ascending.
func (s *rw) nominators(hotkey types.AccountID, netuid uint16) []types.AccountID {
	var out []types.AccountID
	s.decode(nominatorsKey(hotkey, netuid), func(r *codec.Reader) {
		n := r.Len(r.Remaining()/32, "nominators")
		out = make([]types.AccountID, n)
		for i := range out {
			out[i] = r.Bytes32()
		}
	})
	return out
}

func (s *rw) setNominators(hotkey types.AccountID, netuid uint16, list []types.AccountID) {
	if len(list) == 0 {
		s.o.Delete(nominatorsKey(hotkey, netuid))
		return
	}
	w := codec.NewWriter(4 + 32*len(list))
	w.U32(uint32(len(list)))
	for _, c := range list {
		w.Fixed(c[:])
	}
	s.o.Set(nominatorsKey(hotkey, netuid), w.Bytes())
}

// stakesOf calls fn for every (coldkey, alpha) staked to hotkey on netuid, in
// coldkey order.
func (s *rw) stakesOf(hotkey types.AccountID, netuid uint16, fn func(coldkey types.AccountID, alpha uint64)) {
	for _, c := range s.nominators(hotkey, netuid) {
		fn(c, s.u64(stakeKey(hotkey, c, netuid)))
	}
}

// DumpAll returns every entry of this package's prefixes, in key order; tests
// compare dumps to check that failed operations leave state untouched.
func DumpAll(r state.Reader) ([]state.Write, error) {
	var out []state.Write
	for _, p := range ownedPrefixes {
		w, err := state.Dump(r, []byte{p})
		if err != nil {
			return nil, err
		}
		out = append(out, w...)
	}
	return out, nil
}

// ownedPrefixes are the state prefixes this package writes.
var ownedPrefixes = []byte{state.PrefixSubnet, state.PrefixNeuron, state.PrefixStake, state.PrefixPool,
	state.PrefixWeights, state.PrefixBonds, state.PrefixEpoch}
