package aptest_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

// fanOut posts act to every inbox with workers goroutines; it returns the
// number of non-2xx answers and transport errors.
func fanOut(ctx context.Context, a *aptest.Actor, inboxes []string, act map[string]any, workers int) int {
	jobs := make(chan string)
	var mu sync.Mutex
	failed := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for in := range jobs {
				resp, err := a.Post(ctx, in, act)
				ok := err == nil && resp.StatusCode/100 == 2
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				if !ok {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}
		})
	}
	for _, in := range inboxes {
		jobs <- in
	}
	close(jobs)
	wg.Wait()
	return failed
}

func TestFleetThousandHosts(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	pool := newPool(t, 2)
	start := time.Now()
	fleet := aptest.NewFleet(t, n, aptest.WithKeyPool(pool))
	t.Logf("started %d hosts in %v", n, time.Since(start))
	origin := aptest.NewServer(t, aptest.WithKeyPool(pool))
	art := origin.AddActor("art")

	all := fleet.Inboxes()
	seen := map[string]bool{}
	for _, in := range all {
		if seen[in] {
			t.Fatalf("inbox %s repeated", in)
		}
		seen[in] = true
	}
	// Every host runs; under the race detector the sender's RSA signing is
	// several times slower, so only a spread sample of hosts gets a delivery.
	inboxes := all
	if raceEnabled {
		inboxes = nil
		for i := 0; i < len(all); i += 5 {
			inboxes = append(inboxes, all[i])
		}
	}
	want := len(inboxes)
	act := map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       art.IRI() + "/create/1",
		"type":     "Create",
		"actor":    art.IRI(),
		"object":   map[string]any{"id": art.IRI() + "/note/1", "type": "Note", "attributedTo": art.IRI()},
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Second)
	defer cancel()
	start = time.Now()
	if failed := fanOut(ctx, art, inboxes, act, 8); failed != 0 {
		t.Fatalf("%d deliveries failed", failed)
	}
	got, err := fleet.WaitReached(ctx, act["id"].(string), want, 5*time.Second)
	if err != nil {
		t.Fatalf("reached %d of %d: %v", got, want, err)
	}
	t.Logf("fan-out to %d of %d hosts in %v", want, n, time.Since(start))
	if total, _ := fleet.Server(0).KeyFetches(art.KeyID()); total != 1 {
		t.Errorf("fleet fetched the key %d times, want once", total)
	}
	if fleet.Duplicates() != 0 || fleet.Rejected() != 0 {
		t.Errorf("duplicates %d rejected %d", fleet.Duplicates(), fleet.Rejected())
	}
	// A second delivery to one inbox is a duplicate; a bad one is rejected.
	if failed := fanOut(ctx, art, inboxes[:1], act, 1); failed != 0 {
		t.Fatal("redelivery failed")
	}
	resp, err := art.Post(ctx, inboxes[1], act, aptest.WithWrongKey())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong key: %d", resp.StatusCode)
	}
	if fleet.Duplicates() != 1 || fleet.Rejected() != 1 || fleet.Total() != want+1 {
		t.Errorf("duplicates %d rejected %d total %d", fleet.Duplicates(), fleet.Rejected(), fleet.Total())
	}
	if per := fleet.DeliveriesPerInbox(); per[inboxes[0]] != 2 || per[inboxes[1]] != 1 {
		t.Errorf("per inbox: %d, %d", per[inboxes[0]], per[inboxes[1]])
	}
}

// BenchmarkInboxVerify measures signed POSTs accepted by one host (sign on
// the client, digest + RSA verification + recording on the host, loopback).
func BenchmarkInboxVerify(b *testing.B) {
	pool := aptest.NewKeyPool()
	if err := pool.Warm(2); err != nil {
		b.Fatal(err)
	}
	recv := aptest.NewServer(b, aptest.WithKeyPool(pool))
	recv.AddActor("bob")
	a := aptest.NewServer(b, aptest.WithKeyPool(pool)).AddActor("alice")
	act := map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       a.IRI() + "/likes/1",
		"type":     "Like",
		"actor":    a.IRI(),
		"object":   "http://example.invalid/notes/1",
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := a.Post(b.Context(), recv.SharedInbox(), act)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
