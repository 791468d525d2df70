package relay

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

func TestScanFrame(t *testing.T) {
	h, err := scanFrame([]byte(` {"t":"MESSAGE_CREATE","s":42,"op":0,"d":{"a":[1,"}"],"b":"\"{"}} `))
	if err != nil || h.op != 0 || !h.hasSeq || h.seq != 42 || string(h.t) != "MESSAGE_CREATE" {
		t.Fatalf("%+v %v", h, err)
	}
	h, err = scanFrame([]byte(`{"op":11,"d":null,"s":null,"t":null}`))
	if err != nil || h.op != 11 || h.hasSeq || h.t != nil {
		t.Fatalf("%+v %v", h, err)
	}
	for _, bad := range []string{``, `[]`, `{}`, `{"d":1}`, `{"op":"0"}`, `{"op":0,"t":"A\u0042"}`, `{"op":0,"s":1.5}`, `{"op":0`} {
		if _, err := scanFrame([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzScanFrame checks scanFrame against encoding/json on every valid JSON
// input it accepts, and that it never panics on any input.
func FuzzScanFrame(f *testing.F) {
	raw, err := os.ReadFile("filter/testdata/message_create_2k.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(raw), `{"op":10,"d":{"heartbeat_interval":41250}}`,
		`{"op":0,"s":1,"t":"READY","d":{"session_id":"x"}}`, `{"op":9,"d":false}`, `{"op":1,"op":2}`,
		`{"OP":1,"op":0,"s":-3,"t":""}`, `{"op":0,"d":"\\\"}"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := scanFrame(in)
		if err != nil || !json.Valid(in) {
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(in, &m); err != nil {
			t.Fatalf("valid JSON %q not an object: %v", in, err)
		}
		if op, err := strconv.Atoi(string(m["op"])); err != nil || op != h.op {
			t.Fatalf("%q: op %d, encoding/json %s", in, h.op, m["op"])
		}
		if s, ok := m["s"]; ok && string(s) != "null" {
			if n, err := strconv.ParseInt(string(s), 10, 64); err != nil || !h.hasSeq || n != h.seq {
				t.Fatalf("%q: s %d/%v, encoding/json %s", in, h.seq, h.hasSeq, s)
			}
		} else if h.hasSeq {
			t.Fatalf("%q: s found", in)
		}
		if tv, ok := m["t"]; ok && string(tv) != "null" {
			var name string
			if json.Unmarshal(tv, &name) != nil || name != string(h.t) {
				t.Fatalf("%q: t %q, encoding/json %s", in, h.t, tv)
			}
		}
		if d, ok := m["d"]; ok {
			if h.dEnd == 0 || !bytes.Equal(bytes.TrimSpace(in[h.dStart:h.dEnd]), bytes.TrimSpace(d)) {
				t.Fatalf("%q: d %q, encoding/json %s", in, in[h.dStart:h.dEnd], d)
			}
		}
	})
}
