package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap"
)

func open(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMigrationsApplyOnceAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := db.SchemaVersion(ctx)
	if err != nil || v1 < 3 {
		t.Fatalf("schema version %d, %v", v1, err)
	}
	if err := db.AddFollower(ctx, ap.Follower{ActorIRI: "https://a.example/u/1", Inbox: "https://a.example/u/1/inbox", FollowID: "f", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v2, _ := db.SchemaVersion(ctx); v2 != v1 {
		t.Fatalf("reopen changed the schema version %d → %d", v1, v2)
	}
	if n, _ := db.CountFollowers(ctx); n != 1 {
		t.Fatalf("followers after reopen: %d", n)
	}
	var fk, journal string
	_ = db.sql.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk)
	_ = db.sql.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal)
	if fk != "1" || journal != "wal" {
		t.Fatalf("foreign_keys=%s journal_mode=%s", fk, journal)
	}
}

func TestBackupIsAConsistentCopy(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	for i := range 50 {
		iri := "https://a.example/u/" + string(rune('a'+i%26)) + time.Now().Format("150405.000000000")
		if err := db.AddFollower(ctx, ap.Follower{ActorIRI: iri, Inbox: iri + "/inbox", FollowID: "f", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	dest := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	copyDB, err := Open(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if n, _ := copyDB.CountFollowers(ctx); n != 50 {
		t.Fatalf("backup has %d followers, want 50", n)
	}
	if err := db.Backup(ctx, dest); err == nil {
		t.Fatal("backup over an existing file succeeded")
	}
	if _, err := os.Stat(dest); err != nil {
		t.Fatal(err)
	}
}

func TestDeliveryQueueLifecycle(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	now := time.Now()
	act := ap.Activity{IRI: "https://me.example/activities/1", Type: "Create", ObjectIRI: "https://me.example/notes/1",
		JSON: []byte(`{"type":"Create"}`), Published: now}
	inboxes := []string{"https://a.example/inbox", "https://b.example/inbox", "https://a.example/inbox"}
	if err := db.SaveActivity(ctx, act, inboxes, now); err != nil {
		t.Fatal(err)
	}
	due, err := db.ClaimDeliveries(ctx, now, 10, nil)
	if err != nil || len(due) != 2 {
		t.Fatalf("claimed %d (want 2: duplicate inboxes collapse), %v", len(due), err)
	}
	if string(due[0].Payload) != `{"type":"Create"}` {
		t.Fatalf("payload %q", due[0].Payload)
	}
	if again, _ := db.ClaimDeliveries(ctx, now, 10, []int64{due[0].ID}); len(again) != 1 || again[0].ID == due[0].ID {
		t.Fatalf("exclusion of in-flight rows failed: %+v", again)
	}
	// One delivered, one retried later.
	if err := db.FinishDelivery(ctx, ap.DeliveryOutcome{ID: due[0].ID, State: ap.DeliveryDelivered, Status: 202, At: now, Reached: true}); err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Minute)
	if err := db.FinishDelivery(ctx, ap.DeliveryOutcome{ID: due[1].ID, State: ap.DeliveryQueued, NextAttempt: later, Status: 503, At: now}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ClaimDeliveries(ctx, now, 10, nil); len(got) != 0 {
		t.Fatalf("claimed %d before the retry time", len(got))
	}
	next, ok, err := db.NextDeliveryDue(ctx)
	if err != nil || !ok || next.UnixMilli() != later.UnixMilli() {
		t.Fatalf("next due %v %v %v", next, ok, err)
	}
	got, _ := db.ClaimDeliveries(ctx, later, 10, nil)
	if len(got) != 1 || got[0].Attempts != 1 || got[0].LastStatus != 503 {
		t.Fatalf("retry row %+v", got)
	}
	// A delivered row is final: a late outcome does not change it.
	if err := db.FinishDelivery(ctx, ap.DeliveryOutcome{ID: due[0].ID, State: ap.DeliveryFailed, At: now}); err != nil {
		t.Fatal(err)
	}
	if st, _ := db.DeliveryState(ctx, due[0].ID); st != ap.DeliveryDelivered {
		t.Fatalf("delivered row became %s", st)
	}
	if _, err := db.DeliveryState(ctx, 999); !errors.Is(err, ap.ErrNotFound) {
		t.Fatalf("missing delivery: %v", err)
	}
}

func TestDomainBlocksCoverSubdomains(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	if _, err := db.wr.ExecContext(ctx, `INSERT INTO domain_blocks (domain, created_at) VALUES ('bad.example', 0)`); err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{"bad.example": true, "social.bad.example": true, "bad.example:8443": true,
		"notbad.example": false, "example": false} {
		if got, err := db.IsDomainBlocked(ctx, host); err != nil || got != want {
			t.Errorf("IsDomainBlocked(%s) = %v, %v", host, got, err)
		}
	}
}
