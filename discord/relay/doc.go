// Package relay is artbridge's gateway relay: it keeps one Discord gateway
// connection per registered bot, matches every raw dispatch against the bot's
// compiled filter (package filter), and delivers the matches to the bot over
// a websocket that the relay opens to the bot's destination URL, with
// sequence numbers, cumulative acknowledgements and resume. A bot can thus
// sleep until something it cares about happens.
//
// The registration API (Service.Handler) is wire-compatible with DCC's:
// PUT /relays/{alias} with {token, intents, criteria, dst, clientSecret},
// DELETE /relays/{alias} and GET /relays. New aliases need the operator's
// registration key, existing ones their client secret (checked in constant
// time); tokens and secrets are sealed with AES-256-GCM under a key kept in
// the data directory. docs/relay.md describes the API and the downstream wire
// protocol; package relayclient is the bot side of that protocol.
//
// Components follow New → Start(ctx) → Close(ctx). Registrations and delivery
// progress (last acknowledged sequence, reserved sequence numbers) live in a
// Store; the queue of undelivered frames is in memory.
package relay
