package relay

import "strconv"

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

// encodeFrame wraps a dispatch with its sequence number.
func encodeFrame(seq uint64, dispatch []byte) []byte {
	b := make([]byte, 0, len(dispatch)+32)
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"dispatch":`...)
	b = append(b, dispatch...)
	return append(b, '}')
}
