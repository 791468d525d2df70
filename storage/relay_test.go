package storage

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/artbridge/artbridge/discord/relay"
)

func openRelayTestDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "relay.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func testRegistration(alias string) relay.Registration {
	return relay.Registration{
		Alias: alias, SealedToken: []byte("sealed-token"), Intents: 513, Criteria: []byte(`{"t":"MESSAGE_CREATE"}`),
		Dst: "wss://bot.example/relay", SealedSecret: []byte("sealed-secret"), SecretSalt: []byte("salt"),
		SecretHash: []byte("hash"),
	}
}

func TestRelayRegistrationLifecycle(t *testing.T) {
	ctx := context.Background()
	db := openRelayTestDB(t)
	if _, err := db.RelayRegistration(ctx, "a"); !errors.Is(err, relay.ErrNotFound) {
		t.Fatalf("missing relay: err = %v, want ErrNotFound", err)
	}
	r := testRegistration("a")
	if err := db.CreateRelay(ctx, r, 10); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateRelay(ctx, r, 10); !errors.Is(err, relay.ErrExists) {
		t.Fatalf("second create: err = %v, want ErrExists", err)
	}
	got, err := db.RelayRegistration(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.SealedToken) != "sealed-token" || got.Intents != 513 || got.Dst != r.Dst ||
		string(got.Criteria) != string(r.Criteria) || got.CreatedAt.IsZero() {
		t.Fatalf("read back %+v", got)
	}
	if err := db.SaveRelayProgress(ctx, "a", 41, 1024); err != nil {
		t.Fatal(err)
	}
	r.Intents, r.Dst, r.DisabledReason = 1, "wss://other.example/", "criteria: bad"
	if err := db.UpdateRelay(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, _ = db.RelayRegistration(ctx, "a")
	if got.Intents != 1 || got.Dst != "wss://other.example/" || got.DisabledReason != "criteria: bad" {
		t.Fatalf("update not applied: %+v", got)
	}
	if got.LastAck != 41 || got.SeqReserved != 1024 {
		t.Fatalf("update clobbered progress: ack %d reserved %d", got.LastAck, got.SeqReserved)
	}
	if err := db.SetRelayDisabled(ctx, "a", ""); err != nil {
		t.Fatal(err)
	}
	list, err := db.RelayRegistrations(ctx)
	if err != nil || len(list) != 1 || list[0].DisabledReason != "" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if err := db.DeleteRelay(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"delete":   db.DeleteRelay(ctx, "a"),
		"update":   db.UpdateRelay(ctx, r),
		"disable":  db.SetRelayDisabled(ctx, "a", "x"),
		"progress": db.SaveRelayProgress(ctx, "a", 1, 1),
	} {
		if !errors.Is(err, relay.ErrNotFound) {
			t.Errorf("%s of a deleted relay: err = %v, want ErrNotFound", name, err)
		}
	}
}

func TestCreateRelayCapAndRace(t *testing.T) {
	ctx := context.Background()
	db := openRelayTestDB(t)
	for _, a := range []string{"a", "b"} {
		if err := db.CreateRelay(ctx, testRegistration(a), 2); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateRelay(ctx, testRegistration("c"), 2); !errors.Is(err, relay.ErrTooMany) {
		t.Fatalf("over the cap: err = %v, want ErrTooMany", err)
	}
	// Concurrent creations of one alias: exactly one wins.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = db.CreateRelay(ctx, testRegistration("same"), 0) }()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, relay.ErrExists):
			t.Errorf("unexpected error %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d creations won, want 1", won)
	}
}
