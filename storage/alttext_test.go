package storage

import (
	"context"
	"testing"
	"time"
)

func TestAltTextRequestsKeptTwoDays(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	now := time.Date(2026, 5, 3, 12, 0, 0, 0, time.UTC)
	for _, r := range []struct {
		artist string
		at     time.Time
	}{
		{"ann", now.Add(-72 * time.Hour)}, // dropped by the later inserts
		{"ann", now.Add(-2 * time.Hour)},
		{"bob", now.Add(-30 * time.Minute)},
		{"ann", now},
	} {
		if err := db.RecordAltTextRequest(ctx, r.artist, r.at); err != nil {
			t.Fatal(err)
		}
	}
	if n := queryOne(t, db, "SELECT COUNT(*) FROM alttext_requests"); n != 3 {
		t.Fatalf("%d rows kept, want 3 (the one three days old forgotten)", n)
	}
	got, err := db.AltTextRequests(ctx, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got["ann"]) != 1 || !got["ann"][0].Equal(now) || len(got["bob"]) != 1 {
		t.Fatalf("requests of the last hour: %v", got)
	}
}
