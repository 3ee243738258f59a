package api

// MethodChildKeys is tao_childKeys: [netuid, hotkey] → ChildKeys. Never
// rename.
const MethodChildKeys = "tao_childKeys"

// ChildLink is one entry of a children or parents list: a hotkey and the
// proportion of the parent's stake it carries, as a u64 (of 2^64-1, decimal
// string) and as a fraction with 9 decimals.
type ChildLink struct {
	Hotkey     string `json:"hotkey"`
	Proportion string `json:"proportion"`
	Fraction   string `json:"fraction"`
}

// ChildKeys is tao_childKeys' result: a hotkey's child key records on a
// subnet (btcli's `stake child get`).
type ChildKeys struct {
	Netuid   uint16      `json:"netuid"`
	Hotkey   string      `json:"hotkey"`
	Height   uint64      `json:"height"`
	Children []ChildLink `json:"children"`
	Parents  []ChildLink `json:"parents"`
	// Pending is the scheduled children list, applied in the subnet's
	// first epoch after block PendingAt; absent when none is scheduled.
	Pending   []ChildLink `json:"pending,omitempty"`
	PendingAt uint64      `json:"pendingAt,omitempty"`
	// Take is the childkey take as a u16 proportion (65535 = 100 %);
	// MinTake and MaxTake bound what set_childkey_take accepts.
	Take    uint16 `json:"take"`
	MinTake uint16 `json:"minTake"`
	MaxTake uint16 `json:"maxTake"`
}
