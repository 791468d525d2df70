package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

func TestDeliveryHonoursRetryAfterAndDropsGoneInboxes(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	host := strings.TrimPrefix(s.BaseURL, "http://")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// bob's server is busy once: 503 with Retry-After: 2.
	busy := aptest.NewServer(t)
	bob := busy.AddActor("bob")
	busy.Script(bob.Inbox(), aptest.Response{Status: http.StatusServiceUnavailable, RetryAfter: "2", Times: 1})
	if _, err := bob.Follow(ctx, "art@"+host); err != nil {
		t.Fatal(err)
	}
	first, err := busy.WaitForRequest(ctx, func(r aptest.Request) bool { return r.Method == http.MethodPost }, 15*time.Second)
	if err != nil {
		t.Fatalf("no first attempt: %v", err)
	}
	accept := busy.MustWaitFor(t, aptest.OfType("Accept"), 15*time.Second)
	if gap := accept.Time.Sub(first.Time); gap < 2*time.Second {
		t.Fatalf("retried after %v, before Retry-After: 2", gap)
	}
	// A fresh signature and Date on the retry.
	if accept.Header.Get("Signature") == first.Header.Get("Signature") {
		t.Fatal("the retry reused the first attempt's signature")
	}

	// carol's inbox is gone: 410 drops the delivery and the follower.
	gone := aptest.NewServer(t)
	carol := gone.AddActor("carol")
	gone.Script(carol.Inbox(), aptest.Response{Status: http.StatusGone})
	if _, err := carol.Follow(ctx, "art@"+host); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the 410 to drop carol", 15*time.Second, func() bool {
		return queryInt(t, s.DataDir, `SELECT COUNT(*) FROM deliveries WHERE inbox = ? AND state = 'failed' AND last_status = 410`,
			carol.Inbox()) == 1
	})
	waitUntil(t, "carol to be removed", 5*time.Second, func() bool {
		for _, f := range followersOf(t, s) {
			if f == carol.IRI() {
				return false
			}
		}
		return true
	})
	posts := 0
	for _, r := range gone.Requests() {
		if r.Method == http.MethodPost {
			posts++
		}
	}
	if posts != 1 {
		t.Fatalf("the gone inbox got %d POSTs, want exactly 1 (no retry after 410)", posts)
	}
}
