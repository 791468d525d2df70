package relay

import (
	"encoding/json"
	"errors"
	"strconv"
)

// frameHead is what the raw gateway client reads of a gateway payload
// {op, d, s, t} without decoding it: the opcode, the sequence number, the
// event name and where d lies in the frame.
type frameHead struct {
	op     int
	hasSeq bool  // s is a number (not null or absent)
	seq    int64 // s
	t      []byte
	// dStart and dEnd delimit d's raw value in the frame (both 0: absent).
	dStart, dEnd int
}

var errBadFrame = errors.New("relay: malformed gateway frame")

// scanFrame reads the top-level keys op, s, t and d of a gateway payload
// in one pass, jumping over d without decoding it. The caller has checked
// that frame is valid JSON (json.Valid), so values need only be delimited,
// not validated; scanFrame still never reads out of bounds on any input.
// A key written with escapes is not recognised (Discord never sends one),
// nor is an event name with escapes (refused: t is matched byte for byte).
func scanFrame(frame []byte) (frameHead, error) {
	var h frameHead
	h.op = -1
	i := skipSpace(frame, 0)
	if i >= len(frame) || frame[i] != '{' {
		return h, errBadFrame
	}
	i = skipSpace(frame, i+1)
	if i < len(frame) && frame[i] == '}' {
		return h, errBadFrame
	}
	for {
		if i >= len(frame) || frame[i] != '"' {
			return h, errBadFrame
		}
		keyEnd, esc := stringEnd(frame, i)
		if keyEnd < 0 {
			return h, errBadFrame
		}
		key := frame[i+1 : keyEnd-1]
		if esc {
			key = nil
		}
		i = skipSpace(frame, keyEnd)
		if i >= len(frame) || frame[i] != ':' {
			return h, errBadFrame
		}
		i = skipSpace(frame, i+1)
		end := valueEnd(frame, i)
		if end < 0 {
			return h, errBadFrame
		}
		v := frame[i:end]
		switch string(key) {
		case "op":
			n, err := strconv.Atoi(string(v))
			if err != nil {
				return h, errBadFrame
			}
			h.op = n
		case "s":
			if string(v) != "null" {
				n, err := strconv.ParseInt(string(v), 10, 64)
				if err != nil {
					return h, errBadFrame
				}
				h.seq, h.hasSeq = n, true
			}
		case "t":
			if string(v) != "null" {
				if len(v) < 2 || v[0] != '"' {
					return h, errBadFrame
				}
				if e, esc := stringEnd(v, 0); esc || e != len(v) {
					return h, errBadFrame
				}
				h.t = v[1 : len(v)-1]
			}
		case "d":
			h.dStart, h.dEnd = i, end
		}
		i = skipSpace(frame, end)
		if i >= len(frame) {
			return h, errBadFrame
		}
		switch frame[i] {
		case ',':
			i = skipSpace(frame, i+1)
		case '}':
			if h.op < 0 {
				return h, errBadFrame
			}
			return h, nil
		default:
			return h, errBadFrame
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the string starting with the quote
// at b[i] and whether it holds escapes; -1 if it does not end.
func stringEnd(b []byte, i int) (int, bool) {
	esc := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			esc = true
			j++
		case '"':
			return j + 1, esc
		}
	}
	return -1, esc
}

// valueEnd returns the index just past the JSON value starting at b[i]
// (-1 if it does not end): strings to their closing quote, containers by
// counting brackets outside strings, scalars to the next delimiter.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		e, _ := stringEnd(b, i)
		return e
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e, _ := stringEnd(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if j == i {
				return -1
			}
			return j
		}
		j++
	}
	return -1
}

// readyData is what the client keeps of READY.
type readyData struct {
	SessionID        string `json:"session_id"`
	ResumeGatewayURL string `json:"resume_gateway_url"`
}

// decodeReady reads READY's d (once per connection, so encoding/json).
func decodeReady(d []byte) (readyData, error) {
	var r readyData
	err := json.Unmarshal(d, &r)
	return r, err
}
