package relay_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/artbridge/artbridge/discord/discordtest"
	"github.com/artbridge/artbridge/discord/relay"
	"github.com/artbridge/artbridge/storage"
)

// stallingStore is the real store, except that saving the progress of one
// alias blocks until its context ends: that relay's dispatch pipeline stalls
// at its first match (it cannot reserve sequence numbers).
type stallingStore struct {
	*storage.DB
	stall string
}

func (s stallingStore) SaveRelayProgress(ctx context.Context, alias string, lastAck, reserved uint64) error {
	if alias == s.stall {
		<-ctx.Done()
		return ctx.Err()
	}
	return s.DB.SaveRelayProgress(ctx, alias, lastAck, reserved)
}

// TestStalledBotDoesNotDelayOthers: each relay matches and queues its
// dispatches in its own pipeline (its own gateway session), so a relay whose
// pipeline is stuck — here for good, a stronger case than a slow filter —
// delays only itself: another bot gets every one of its dispatches, and the
// progress of the others is still saved.
func TestStalledBotDoesNotDelayOthers(t *testing.T) {
	dt := discordtest.New(t, discordtest.Options{HeartbeatInterval: 500 * time.Millisecond})
	dir := t.TempDir()
	db, err := storage.Open(context.Background(), filepath.Join(dir, "artbridge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sealer, _, err := relay.LoadOrCreateKey(filepath.Join(dir, relay.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := relay.New(relay.Config{
		APIBaseURL: dt.APIBase(), RegistrationKey: operatorKey, AllowInsecureWS: true, AllowPrivateAddresses: true,
		IdentifyInterval: 20 * time.Millisecond, IdentifySpacing: time.Millisecond,
		ReconnectMin: 20 * time.Millisecond, ReconnectMax: 100 * time.Millisecond,
		IdleTimeout: 5 * time.Second, ProgressInterval: 20 * time.Millisecond,
	}, stallingStore{DB: db, stall: "stuck"}, sealer, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(svc.Handler())
	e := &env{t: t, dt: dt, db: db, svc: svc, api: api, dir: dir}
	defer func() {
		api.Close()
		// The stuck relay's final save waits for this context: keep it short.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := svc.Close(ctx); err != nil {
			t.Logf("close: %v", err)
		}
	}()

	dt.AddBot("stuck-token", "601")
	dt.AddBot("free-token", "602")
	stuck, free := newBot(t, "stuck", "stuck-secret"), newBot(t, "free", "free-secret")
	e.register("stuck", registration{Token: "stuck-token", Intents: intentsMessages,
		Criteria: map[string]any{"t": "MESSAGE_CREATE"}, Dst: stuck.dst(), ClientSecret: "stuck-secret"})
	e.register("free", registration{Token: "free-token", Intents: intentsMessages,
		Criteria: map[string]any{"t": "MESSAGE_CREATE"}, Dst: free.dst(), ClientSecret: "free-secret"})
	waitFor(t, "both gateways", func() bool { return dt.Connected("stuck-token") == 1 && dt.Connected("free-token") == 1 })

	const n = 200
	for i := range n {
		dt.Dispatch("stuck-token", "MESSAGE_CREATE", message("1", fmt.Sprint("stuck ", i)))
		dt.Dispatch("free-token", "MESSAGE_CREATE", message("1", fmt.Sprint("free ", i)))
	}
	waitFor(t, "every dispatch of the free bot", func() bool { return len(free.received()) == n })
	for i, got := range free.received() {
		if want := fmt.Sprint("MESSAGE_CREATE:free ", i); got != want {
			t.Fatalf("free bot got %q at %d, want %q", got, i, want)
		}
	}
	if got := len(stuck.received()); got != 0 {
		t.Fatalf("the stuck relay delivered %d", got)
	}
	// The free bot's acknowledgements are saved although the stuck relay
	// never finishes a save.
	waitFor(t, "the free bot's progress saved", func() bool {
		reg, err := db.RelayRegistration(context.Background(), "free")
		return err == nil && reg.LastAck == free.seqs()[n-1]
	})
}
