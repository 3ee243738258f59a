package rpcclient

import (
	"context"

	"github.com/taorun/taorun/node/rpc/api"
)

// ChildKeys returns a hotkey's child key records on a subnet
// (tao_childKeys).
func (c *Client) ChildKeys(ctx context.Context, netuid uint16, hotkey string) (*api.ChildKeys, error) {
	var out api.ChildKeys
	return &out, c.Call(ctx, &out, api.MethodChildKeys, netuid, hotkey)
}
