package relay

import (
	"encoding/json"
	"strconv"
)

// The downstream wire protocol (docs/relay.md). Every message is one JSON
// text frame.
//
//	relay → bot  {"hello":{"alias":…,"resume_from":N,"next_seq":N,"last_ack":N,"dropped":N}}
//	relay → bot  {"seq":N,"dispatch":{"op":0,"d":…,"s":…,"t":…}}
//	bot → relay  {"ack":N}

// hello is the first frame on every downstream connection.
type hello struct {
	Alias string `json:"alias"`
	// ResumeFrom is the first sequence number this connection will carry
	// (the oldest unacknowledged frame still queued, or NextSeq if none).
	ResumeFrom uint64 `json:"resume_from"`
	// NextSeq is the number the next new match will get.
	NextSeq uint64 `json:"next_seq"`
	// LastAck is the highest acknowledgement the relay has recorded.
	LastAck uint64 `json:"last_ack"`
	// Dropped counts frames dropped from a full queue since the relay started.
	Dropped uint64 `json:"dropped"`
}

type helloFrame struct {
	Hello hello `json:"hello"`
}

// ackFrame is what a bot sends: a cumulative acknowledgement.
type ackFrame struct {
	Ack *uint64 `json:"ack"`
}

// encodeDispatch rebuilds the raw gateway payload {op, d, s, t}.
func encodeDispatch(op int, d []byte, s int64, t string) []byte {
	if len(d) == 0 {
		d = []byte("null")
	}
	b := make([]byte, 0, len(d)+len(t)+40)
	b = append(b, `{"op":`...)
	b = strconv.AppendInt(b, int64(op), 10)
	b = append(b, `,"d":`...)
	b = append(b, d...)
	b = append(b, `,"s":`...)
	b = strconv.AppendInt(b, s, 10)
	b = append(b, `,"t":`...)
	b = appendJSONString(b, t)
	return append(b, '}')
}

// encodeFrame wraps a dispatch with its sequence number.
func encodeFrame(seq uint64, dispatch []byte) []byte {
	b := make([]byte, 0, len(dispatch)+32)
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"dispatch":`...)
	b = append(b, dispatch...)
	return append(b, '}')
}

// appendJSONString appends s as a JSON string (a fast path for event names).
func appendJSONString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
