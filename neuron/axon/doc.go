// Package axon is the miner side of taorun's neuron network layer: an HTTP
// server that answers synapse requests from validators' dendrites (package
// neuron/dendrite) the way Bittensor's axon does, and the wire format both
// sides share.
//
// # Wire format
//
// A request is an HTTP POST to /{SynapseName} (a name made of ASCII letters,
// digits and '_', not starting with a digit). Its body is the opaque payload
// of the subnet module's entry point. These headers travel with it:
//
//	name                          synapse name (informational; the path decides)
//	timeout                       seconds as a decimal float, e.g. "12" or "0.5"
//	computed_body_hash            hex sha3-256 of the body (see below)
//	bt_header_dendrite_hotkey     caller's hotkey, SS58 (prefix 42)
//	bt_header_dendrite_nonce      decimal nanosecond Unix timestamp
//	bt_header_dendrite_uuid       caller's session id ([0-9A-Za-z-], at most 64)
//	bt_header_dendrite_version    7002000 (Bittensor 7.2.0 nonce rules)
//	bt_header_dendrite_signature  0x + hex of the 64-byte sr25519 signature
//	bt_header_axon_hotkey         hotkey of the axon addressed, SS58
//
// The dendrite signs, with the Substrate signing context, the UTF-8 message
//
//	"{nonce}.{dendrite_hotkey}.{axon_hotkey}.{uuid}.{body_hash}"
//
// A response carries bt_header_axon_status_code, bt_header_axon_status_message,
// bt_header_axon_hotkey and bt_header_axon_process_time (seconds). A
// successful (200) response also carries computed_body_hash of the response
// body, bt_header_axon_nonce, bt_header_axon_uuid and bt_header_axon_signature,
// the axon's signature over
//
//	"{axon_nonce}.{dendrite_hotkey}.{axon_hotkey}.{axon_uuid}.{dendrite_nonce}.{response_body_hash}"
//
// so the dendrite knows the answer came from the hotkey it addressed and was
// made for this very request.
//
// # What matches Bittensor and what differs
//
// Same as Bittensor (bittensor/core/axon.py default_verify, axon_utils.py):
// the header names, the path, the signed request message and its signing
// context, signature encoding, the nonce rules (the nonce must lie after
// now − (ALLOWED_DELTA + timeout), ALLOWED_DELTA = 4 s, and must be greater
// than the last nonce accepted from the same endpoint key, the pair
// (dendrite hotkey, uuid), like Bittensor's "hotkey:uuid"), the processing
// order verify → blacklist → priority → forward, the status codes 400
// (malformed), 401 (not verified), 403 (blacklisted), 404 (unknown synapse)
// and 500 (handler error) of Bittensor's axon, and 408 for a timeout, the
// status Bittensor's dendrite reports one with. As in Bittensor, the synapse
// name (path) and timeout are not signed: a man in the middle can re-route a
// signed body to another synapse of the same axon or shorten its timeout,
// but cannot change the body, caller, axon, or replay it.
//
// Differences:
//   - The body is the module payload's raw bytes, not a pydantic JSON Synapse,
//     so the body hash is sha3-256 (Bittensor's hash function) over the raw
//     body bytes rather than sha3-256 over the concatenated sha3-256 hex
//     digests of the required_hash_fields. For a Synapse without
//     required_hash_fields Bittensor hashes the empty string, which equals
//     taorun's hash of an empty body. Python dendrites therefore interoperate
//     on the signing and nonce layer, but not on payload encoding.
//   - The axon checks the body against computed_body_hash itself (401 on a
//     mismatch) and checks bt_header_axon_hotkey against its own hotkey
//     (401) instead of letting either surface as a signature mismatch.
//   - The timeout used for the freshness window and the handler deadline is
//     capped by Config.MaxTimeout (Bittensor trusts the header), so a caller
//     cannot widen the replay window or hold a slot indefinitely.
//   - The response signature covers the dendrite nonce and the response body
//     hash (Bittensor's covers "{axon_nonce}.{dendrite_hotkey}.{axon_hotkey}.{axon_uuid}").
//   - Overload is 429 (Bittensor's priority failure is 503), a body over the
//     limit is 413, malformed headers are 400, a nonce table full of live
//     callers is 429.
//   - Priority is the caller's stake as an integer (rao); ties go to the
//     earlier arrival.
//
// # Invariants
//
//   - A handler runs only for a request whose signature verifies for the
//     stated dendrite hotkey over the stated body hash, whose body hashes to
//     that value, whose axon hotkey is this axon's, whose nonce is fresh and
//     greater than every nonce previously accepted for its endpoint key, and
//     whose caller the blacklist did not reject.
//   - A nonce from the future is accepted, as in Bittensor; it only delays
//     its own endpoint's later requests and its entry's eviction.
//   - A nonce is recorded only after the blacklist passes, so callers who are
//     rejected cannot fill the nonce table. The table holds at most
//     Config.MaxCallers endpoint keys; an entry is evicted only once its last
//     nonce has left the largest possible freshness window, so eviction never
//     re-opens a replay. When the least recently used entry is still live, a
//     new endpoint gets 429 (conservative: a younger entry that has expired
//     is not searched for).
//   - At most Config.MaxConcurrent handlers run at once (a handler that
//     ignores its context keeps its slot until it returns); at most
//     Config.MaxQueue requests wait, served highest priority first, then
//     earliest arrival. A full queue sheds its lowest-priority, latest
//     arrival when a higher-priority request comes, otherwise the newcomer.
//   - Every handler context is cancelled when the request's deadline passes
//     (then the caller gets 408) or the caller goes away.
//   - A handler panic becomes a 500 for that request; the server goes on.
package axon
