package chain

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
)

// Supply constants (yuma-emission.md 3.1; existential deposit as subtensor).
const (
	// RaoPerTAO is the number of rao in one TAO.
	RaoPerTAO = 1_000_000_000
	// MaxSupply is the 21M TAO cap, in rao. Total issuance never exceeds it.
	MaxSupply = 21_000_000 * RaoPerTAO
	// ExistentialDeposit is the smallest nonzero balance a transfer or mint
	// may leave in its recipient (500 rao, subtensor's value). There is no
	// reaping: a sender may spend down to zero and keeps its nonce, so an old
	// transaction can never be replayed against a re-created account.
	ExistentialDeposit = 500
)

// Genesis is the initial state of a chain and its parameters. Its JSON form
// is the genesis file; the genesis block commits to the state it produces.
type Genesis struct {
	ChainID     string           `json:"chainId"`
	Time        int64            `json:"time"`        // genesis block time, Unix ms
	BlockTimeMs int64            `json:"blockTimeMs"` // default block interval for the engine
	Sudo        string           `json:"sudo"`        // SS58 of the sudo account ("" for none)
	Balances    []GenesisBalance `json:"balances"`
}

// GenesisBalance funds one account at genesis.
type GenesisBalance struct {
	Account string `json:"account"` // SS58
	Balance uint64 `json:"balance"` // rao
}

// DevAccounts are the dev accounts funded by DevGenesis, in order.
var DevAccounts = []struct {
	Name    string
	Balance uint64
}{
	{"Alice", 1_000_000 * RaoPerTAO},
	{"Bob", 1_000_000 * RaoPerTAO},
	{"Charlie", 1_000_000 * RaoPerTAO},
	{"Dave", 2_000 * RaoPerTAO},
	{"Eve", 2_000 * RaoPerTAO},
	{"Ferdie", 2_000 * RaoPerTAO},
}

// DevGenesis returns a localnet genesis like subtensor's: //Alice is sudo,
// Alice, Bob and Charlie hold 10^6 TAO, Dave, Eve and Ferdie 2000 TAO.
// blockTimeMs is 12000 normally and 250 for fast blocks; timeMs is the genesis
// time (callers pass the current time so each fresh localnet has its own
// genesis hash and transactions cannot be replayed across localnets).
func DevGenesis(timeMs, blockTimeMs int64) *Genesis {
	g := &Genesis{ChainID: "taorun-localnet", Time: timeMs, BlockTimeMs: blockTimeMs,
		Sudo: keys.Dev("Alice").Public().SS58()}
	for _, a := range DevAccounts {
		g.Balances = append(g.Balances, GenesisBalance{Account: keys.Dev(a.Name).Public().SS58(), Balance: a.Balance})
	}
	return g
}

// LoadGenesis reads and validates a genesis JSON file.
func LoadGenesis(path string) (*Genesis, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	var g Genesis
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("genesis %s: %w", path, err)
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("genesis %s: %w", path, err)
	}
	return &g, nil
}

// Validate checks the genesis, naming the first problem found.
func (g *Genesis) Validate() error {
	_, err := g.build()
	return err
}

// genesisState is a validated genesis in typed form.
type genesisState struct {
	sudo     *types.AccountID
	balances []struct {
		id  types.AccountID
		bal uint64
	}
	issuance uint64
}

func (g *Genesis) build() (*genesisState, error) {
	if g.ChainID == "" {
		return nil, errors.New("chainId is empty")
	}
	if len(g.ChainID) > 64 {
		return nil, fmt.Errorf("chainId is %d bytes, limit 64", len(g.ChainID))
	}
	if g.BlockTimeMs < 0 {
		return nil, fmt.Errorf("blockTimeMs %d is negative", g.BlockTimeMs)
	}
	gs := &genesisState{}
	if g.Sudo != "" {
		id, err := keys.ParseSS58(g.Sudo)
		if err != nil {
			return nil, fmt.Errorf("sudo %q: %w", g.Sudo, err)
		}
		gs.sudo = &id
	}
	seen := make(map[types.AccountID]bool, len(g.Balances))
	for i, b := range g.Balances {
		id, err := keys.ParseSS58(b.Account)
		if err != nil {
			return nil, fmt.Errorf("balances[%d] account %q: %w", i, b.Account, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("balances[%d]: account %s listed twice", i, b.Account)
		}
		seen[id] = true
		if b.Balance < ExistentialDeposit {
			return nil, fmt.Errorf("balances[%d]: %d rao is below the existential deposit %d", i, b.Balance, ExistentialDeposit)
		}
		if b.Balance > MaxSupply-gs.issuance {
			return nil, fmt.Errorf("balances[%d]: total genesis balance exceeds the %d rao supply cap", i, uint64(MaxSupply))
		}
		gs.issuance += b.Balance
		gs.balances = append(gs.balances, struct {
			id  types.AccountID
			bal uint64
		}{id, b.Balance})
	}
	sort.Slice(gs.balances, func(i, j int) bool { // order does not matter for state, but keep it canonical
		return string(gs.balances[i].id[:]) < string(gs.balances[j].id[:])
	})
	return gs, nil
}

// apply writes the genesis state into o.
func (gs *genesisState) apply(o *state.Overlay, chainID string) {
	for _, b := range gs.balances {
		state.SetBalance(o, b.id, b.bal)
	}
	state.SetTotalIssuance(o, gs.issuance)
	if gs.sudo != nil {
		state.SetSudo(o, *gs.sudo)
	}
	o.Set(state.KeyChainID, []byte(chainID))
}
