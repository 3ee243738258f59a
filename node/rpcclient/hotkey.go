package rpcclient

import (
	"context"

	"github.com/taorun/taorun/node/rpc/api"
)

// HotkeyInfo returns a hotkey's owner and delegate take (tao_hotkeyInfo).
func (c *Client) HotkeyInfo(ctx context.Context, hotkey string) (*api.HotkeyInfo, error) {
	var out api.HotkeyInfo
	return &out, c.Call(ctx, &out, api.MethodHotkeyInfo, hotkey)
}
