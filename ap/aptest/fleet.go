package aptest

import (
	"context"
	"crypto/rsa"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Fleet is many small fake hosts for fan-out tests and benchmarks: each is a
// full Server (its own 127.0.0.1:PORT, so a distinct host) with one actor
// "user". To stay cheap at 1,000 hosts:
//   - all actors share one RSA key (generation costs 50–300 ms per key), so
//     only one key is ever generated; they keep distinct key ids and owners;
//   - all hosts share one key cache, so our server's key is fetched once for
//     the whole fleet, not once per host; signatures are still verified on
//     every delivery (an RSA verification costs tens of microseconds);
//   - all hosts share one outgoing HTTP client.
//
// Counters (deliveries per inbox, duplicates, rejections) are aggregated
// across hosts.
type Fleet struct {
	servers []*Server
	sink    *fleetSink
}

// fleetSink aggregates what every host of a fleet records.
type fleetSink struct {
	mu       sync.Mutex
	perInbox map[string]int // inbox URL → verified deliveries
	reached  map[string]int // activity id → distinct inboxes reached
	total    int
	dups     int
	rejected int
	reasons  []string // why each rejected request was refused
	changed  chan struct{}
}

func (f *fleetSink) note(rec Request, d *Delivery) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rec.Rejected() {
		f.rejected++
		if len(f.reasons) < 20 {
			f.reasons = append(f.reasons, string(rec.Reason)+": "+rec.Err)
		}
	}
	if d != nil {
		f.total++
		f.perInbox[d.Inbox]++
		if d.Duplicate {
			f.dups++
		} else {
			f.reached[d.ID]++
		}
	}
	close(f.changed)
	f.changed = make(chan struct{})
}

// NewFleet starts n hosts (Options apply to each; WithKeyPool supplies the
// shared key as its key 0, else one key is generated). It fails the test if a
// host cannot start. Everything stops when the test ends.
func NewFleet(t testing.TB, n int, opts ...Option) *Fleet {
	t.Helper()
	probe := defaultConfig()
	for _, o := range opts {
		o(&probe)
	}
	key := probe.sharedKey
	if key == nil {
		pool := probe.pool
		if pool == nil {
			pool = NewKeyPool()
		}
		k, err := pool.Key(0)
		if err != nil {
			t.Fatalf("aptest: fleet key: %v", err)
		}
		key = k
	}
	client := probe.client
	if client == nil {
		tr := &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
		client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
		t.Cleanup(tr.CloseIdleConnections)
	}
	f := &Fleet{sink: &fleetSink{
		perInbox: map[string]int{},
		reached:  map[string]int{},
		changed:  make(chan struct{}),
	}}
	keys := newKeyCache()
	all := append(append([]Option(nil), opts...),
		WithSharedKey(key), WithHTTPClient(client),
		func(c *config) { c.keys, c.sink = keys, f.sink })
	f.servers = make([]*Server, n)
	for i := range n {
		s := NewServer(t, all...)
		s.AddActor("user")
		f.servers[i] = s
	}
	return f
}

// Len returns the number of hosts.
func (f *Fleet) Len() int { return len(f.servers) }

// Server returns host i.
func (f *Fleet) Server(i int) *Server { return f.servers[i] }

// Actor returns the actor of host i.
func (f *Fleet) Actor(i int) *Actor { return f.servers[i].Actor("user") }

// Key returns the key every actor of the fleet shares.
func (f *Fleet) Key() *rsa.PrivateKey { return f.Actor(0).key }

// ActorIRIs returns the actor IRI of every host.
func (f *Fleet) ActorIRIs() []string {
	out := make([]string, len(f.servers))
	for i := range f.servers {
		out[i] = f.Actor(i).IRI()
	}
	return out
}

// Inboxes returns the inbox a peer delivers to on each host (the shared inbox
// for styles with one).
func (f *Fleet) Inboxes() []string {
	out := make([]string, len(f.servers))
	for i := range f.servers {
		out[i] = f.Actor(i).DeliveryInbox()
	}
	return out
}

// Total returns the number of verified deliveries across hosts, duplicates included.
func (f *Fleet) Total() int {
	f.sink.mu.Lock()
	defer f.sink.mu.Unlock()
	return f.sink.total
}

// Duplicates returns how many deliveries repeated an activity id at one inbox.
func (f *Fleet) Duplicates() int {
	f.sink.mu.Lock()
	defer f.sink.mu.Unlock()
	return f.sink.dups
}

// Rejected returns how many requests the hosts refused.
func (f *Fleet) Rejected() int {
	f.sink.mu.Lock()
	defer f.sink.mu.Unlock()
	return f.sink.rejected
}

// RejectedReasons says why the first rejected requests were refused.
func (f *Fleet) RejectedReasons() []string {
	f.sink.mu.Lock()
	defer f.sink.mu.Unlock()
	return append([]string(nil), f.sink.reasons...)
}

// DeliveriesPerInbox returns verified deliveries per inbox URL.
func (f *Fleet) DeliveriesPerInbox() map[string]int {
	f.sink.mu.Lock()
	defer f.sink.mu.Unlock()
	out := make(map[string]int, len(f.sink.perInbox))
	for k, v := range f.sink.perInbox {
		out[k] = v
	}
	return out
}

// Reached returns how many distinct inboxes have received the activity id.
func (f *Fleet) Reached(activityID string) int {
	f.sink.mu.Lock()
	defer f.sink.mu.Unlock()
	return f.sink.reached[activityID]
}

// WaitReached waits until the activity id has reached n distinct inboxes, for
// at most timeout or until ctx ends; it returns how many it reached.
func (f *Fleet) WaitReached(ctx context.Context, activityID string, n int, timeout time.Duration) (int, error) {
	changed := func() <-chan struct{} {
		f.sink.mu.Lock()
		defer f.sink.mu.Unlock()
		return f.sink.changed
	}
	return waitUntil(ctx, timeout, changed, func() (int, bool) {
		got := f.Reached(activityID)
		return got, got >= n
	})
}

// WaitTotal waits until the fleet has recorded at least n verified deliveries.
func (f *Fleet) WaitTotal(ctx context.Context, n int, timeout time.Duration) (int, error) {
	changed := func() <-chan struct{} {
		f.sink.mu.Lock()
		defer f.sink.mu.Unlock()
		return f.sink.changed
	}
	return waitUntil(ctx, timeout, changed, func() (int, bool) {
		got := f.Total()
		return got, got >= n
	})
}
