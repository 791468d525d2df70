package relay

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/artbridge/artbridge/discord/relay/filter"
)

// progressOnly is a Store for benchmarks of the dispatch path: only
// SaveRelayProgress is reached.
type progressOnly struct{ Store }

func (progressOnly) SaveRelayProgress(context.Context, string, uint64, uint64) error { return nil }

// BenchmarkDispatchPath measures what the relay does per gateway dispatch of
// a realistic 2 KB MESSAGE_CREATE once the websocket library has read the
// frame: scan op/s/t, match (validating the frame as it is read), copy,
// number and queue (the queue is full, so each match also drops the oldest).
func BenchmarkDispatchPath(b *testing.B) {
	raw, err := os.ReadFile("filter/testdata/message_create.json")
	if err != nil {
		b.Fatal(err)
	}
	f, err := filter.Compile([]byte(`{"t":"MESSAGE_CREATE","d.author.bot":{"$ne":true}}`))
	if err != nil {
		b.Fatal(err)
	}
	svc := &Service{cfg: Config{QueueSize: 1000}.withDefaults(), store: progressOnly{}, log: slog.New(slog.DiscardHandler)}
	w := newWorker(svc, Registration{Alias: "bench"}, settings{}, f)
	w.ctx = context.Background()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		h, err := scanFrame(raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.onDispatch(raw, h); err != nil {
			b.Fatal(err)
		}
	}
	if w.matched == 0 {
		b.Fatal("nothing matched")
	}
}
