package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

// A takedown while the Create is still queued for a host that is down: when the
// host comes back it gets neither the Create nor the Delete, while a healthy
// follower gets both.
func TestTakedownWhileCreateQueuedForADownHost(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	healthy := aptest.NewServer(t)
	down := aptest.NewServer(t, aptest.WithStyle(aptest.GoToSocial))
	ann, gus := healthy.AddActor("ann"), down.AddActor("gus")
	follow(t, ctx, s, ann)
	follow(t, ctx, s, gus)

	down.Down()
	img := writePNG(t, t.TempDir(), "art.png")
	out, code := runCLI(t, "post", "publish", "--config", s.Config, "--image", img, "--alt", "A test image.")
	if code != 0 {
		t.Fatal("publish failed")
	}
	noteIRI := strings.TrimSpace(out)
	healthy.MustWaitFor(t, aptest.OfType("Create"), 15*time.Second)
	// The down host's first attempt fails; the delivery waits for its retry.
	// (Only the Create is counted: Down can cut the answer to the Accept the
	// host already received, which then waits for a retry too.)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("deliveries:\n%s\nserver log:\n%s", deliveryDump(t, s.DataDir), s.Log.String())
		}
	})
	waitUntil(t, "a failed attempt at the down host", 15*time.Second, func() bool {
		return queryInt(t, s.DataDir, `SELECT COUNT(*) FROM deliveries d JOIN activities a ON a.iri = d.activity_iri
			WHERE d.inbox = ? AND d.state = 'queued' AND d.attempts >= 1 AND a.type = 'Create'`, gus.Inbox()) == 1
	})

	if out, code := runCLI(t, "post", "delete", "--config", s.Config, noteIRI); code != 0 {
		t.Fatalf("delete: %q", out)
	}
	healthy.MustWaitFor(t, aptest.OfType("Delete"), 15*time.Second)
	down.Up()
	if n := queryInt(t, s.DataDir, `SELECT COUNT(*) FROM deliveries d JOIN activities a ON a.iri = d.activity_iri
		WHERE d.inbox = ? AND d.state = 'queued' AND a.type IN ('Create', 'Delete')`, gus.Inbox()); n != 0 {
		t.Fatalf("%d Create or Delete deliveries still queued for the host that never had the post", n)
	}
	if n := queryInt(t, s.DataDir, `SELECT COUNT(*) FROM deliveries WHERE inbox = ? AND state = 'cancelled'`, gus.Inbox()); n != 1 {
		t.Fatalf("the Create for the down host was not cancelled (%d)", n)
	}
	time.Sleep(1500 * time.Millisecond) // longer than the worker's poll interval
	for _, typ := range []string{"Create", "Delete"} {
		if n := len(down.DeliveriesOfType(typ)); n != 0 {
			t.Fatalf("the host that was down received %d %s after it came back", n, typ)
		}
	}
}
