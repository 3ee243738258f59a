package api

// MethodHotkeyInfo is tao_hotkeyInfo: [hotkey] → HotkeyInfo. Never rename.
const MethodHotkeyInfo = "tao_hotkeyInfo"

// HotkeyInfo is tao_hotkeyInfo's result: who owns a hotkey and its delegate
// take (btcli's `sudo get-take`).
type HotkeyInfo struct {
	Hotkey string `json:"hotkey"`
	Height uint64 `json:"height"`
	// Owner is the owning coldkey; empty when no coldkey owns the hotkey
	// (never registered, or swapped away).
	Owner string `json:"owner,omitempty"`
	// Take is the delegate take as a u16 proportion (65535 = 100 %).
	Take uint16 `json:"take"`
	// MinTake and MaxTake bound what set_delegate_take accepts (u16).
	MinTake uint16 `json:"minTake"`
	MaxTake uint16 `json:"maxTake"`
}
