package relay

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/artbridge/artbridge/discord/relay/filter"
)

// A dispatch reaches the queue only when the filter matched it, which
// validated it whole; one found not to be JSON is refused with errBadFrame
// (the gateway connection is then resumed), and one the criteria reject
// before its malformed part is dropped like any unmatched dispatch.
func TestOnDispatchValidatesWhatItQueues(t *testing.T) {
	f, err := filter.Compile([]byte(`{"t":"MESSAGE_CREATE"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, frame string
		err         error
		queued      bool
	}{
		{"valid, matched", `{"op":0,"s":3,"t":"MESSAGE_CREATE","d":{"content":"a\u00e9","n":[1,2.5e3,null]}}`, nil, true},
		{"not JSON inside d, matched", `{"op":0,"s":3,"t":"MESSAGE_CREATE","d":{"content":"a","n":[1,2,]}}`, errBadFrame, false},
		{"bad escape, matched", `{"op":0,"s":3,"t":"MESSAGE_CREATE","d":{"content":"\x"}}`, errBadFrame, false},
		{"control byte in a string, matched", "{\"op\":0,\"s\":3,\"t\":\"MESSAGE_CREATE\",\"d\":{\"content\":\"a\x01\"}}", errBadFrame, false},
		{"trailing data, matched", `{"op":0,"s":3,"t":"MESSAGE_CREATE","d":{}}}`, errBadFrame, false},
		{"valid, not matched", `{"op":0,"s":3,"t":"TYPING_START","d":{}}`, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := &Service{cfg: Config{QueueSize: 10}.withDefaults(), store: progressOnly{}, log: slog.New(slog.DiscardHandler)}
			w := newWorker(svc, Registration{Alias: "t"}, settings{}, f)
			w.ctx = context.Background()
			frame := []byte(tc.frame)
			h, _ := scanFrame(frame) // may fail on the trailing data: onDispatch must not rely on it
			if err := w.onDispatch(frame, h); !errors.Is(err, tc.err) {
				t.Fatalf("onDispatch: %v, want %v", err, tc.err)
			}
			got := w.pending(nil, 0, 10)
			if !tc.queued {
				if len(got) != 0 {
					t.Fatalf("queued %q", got[0].data)
				}
				return
			}
			if len(got) != 1 || !bytes.Equal(got[0].data, []byte(tc.frame)) {
				t.Fatalf("queued %d frames (%+v), want the frame as sent", len(got), got)
			}
			frame[0] = 'x' // the gateway client reuses its buffer
			if got := w.pending(nil, 0, 10); got[0].data[0] != '{' {
				t.Fatal("the queue holds the reader's buffer, not a copy")
			}
		})
	}
}
