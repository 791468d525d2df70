package aptest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

func getBody(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestWellKnownAndActorDocuments(t *testing.T) {
	pool := newPool(t, 1)
	for _, st := range styles {
		t.Run(st.String(), func(t *testing.T) {
			s := aptest.NewServer(t, aptest.WithStyle(st), aptest.WithKeyPool(pool))
			a := s.AddActor("alice", aptest.WithDisplayName("Alice"))
			c := s.Client()

			code, body := getBody(t, c, s.URL()+"/.well-known/webfinger?resource="+url.QueryEscape("acct:"+a.Acct()))
			if code != 200 || !strings.Contains(body, `"href":"`+a.IRI()+`"`) {
				t.Errorf("webfinger %d %s", code, body)
			}
			if code, _ := getBody(t, c, s.URL()+"/.well-known/webfinger?resource=acct:nobody@"+s.Host()); code != 404 {
				t.Errorf("unknown account: %d", code)
			}
			if code, body := getBody(t, c, s.URL()+"/.well-known/host-meta"); code != 200 || !strings.Contains(body, "/.well-known/webfinger?resource={uri}") {
				t.Errorf("host-meta %d %s", code, body)
			}
			name := map[aptest.Style]string{aptest.Mastodon: "mastodon", aptest.GoToSocial: "gotosocial", aptest.Akkoma: "akkoma", aptest.Fedify: "hollo"}[st]
			if code, body := getBody(t, c, s.URL()+"/nodeinfo/2.1"); code != 200 || !strings.Contains(body, `"name":"`+name+`"`) {
				t.Errorf("nodeinfo %d %s", code, body)
			}

			code, body = getBody(t, c, a.IRI())
			var doc map[string]any
			if err := json.Unmarshal([]byte(body), &doc); err != nil || code != 200 {
				t.Fatalf("actor %d %v", code, err)
			}
			for _, k := range []string{"@context", "id", "type", "preferredUsername", "inbox", "outbox", "followers", "publicKey"} {
				if doc[k] == nil {
					t.Errorf("actor lacks %s", k)
				}
			}
			pk := doc["publicKey"].(map[string]any)
			if pk["id"] != a.KeyID() || pk["owner"] != a.IRI() || !strings.HasPrefix(pk["publicKeyPem"].(string), "-----BEGIN PUBLIC KEY-----") {
				t.Errorf("publicKey %v", pk)
			}
			_, hasShared := doc["endpoints"]
			if hasShared != (st != aptest.GoToSocial) || (a.SharedInbox() == "") != (st == aptest.GoToSocial) {
				t.Errorf("endpoints %v, shared inbox %q", doc["endpoints"], a.SharedInbox())
			}
			code, body = getBody(t, c, strings.Split(a.KeyID(), "#")[0])
			if code != 200 || !strings.Contains(body, a.KeyID()) {
				t.Errorf("key document %d %s", code, body)
			}
		})
	}
}

func TestGoToSocialDiscoversByAccount(t *testing.T) {
	pool := newPool(t, 2)
	m := aptest.NewServer(t, aptest.WithKeyPool(pool)).AddActor("art")
	g := aptest.NewServer(t, aptest.WithStyle(aptest.GoToSocial), aptest.WithKeyPool(pool)).AddActor("bob")
	for _, target := range []string{"acct:" + m.Acct(), "@" + m.Acct(), m.Acct()} {
		d, err := g.Discover(ctxT(t), target)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if d.ActorIRI != m.IRI() || d.SharedInbox != m.SharedInbox() || d.Inbox != m.Inbox() || d.KeyID != m.KeyID() {
			t.Errorf("%s: %+v", target, d)
		}
		// https was tried first and failed against the plain-http host; http answered.
		if !strings.HasPrefix(d.WebFingerURL, "http://"+m.Server().Host()) {
			t.Errorf("WebFinger URL %q", d.WebFingerURL)
		}
		if got := d.DeliveryInbox(aptest.GoToSocial); got != m.Inbox() {
			t.Errorf("GoToSocial delivers to %s, want %s", got, m.Inbox())
		}
		if got := d.DeliveryInbox(aptest.Mastodon); got != m.SharedInbox() {
			t.Errorf("Mastodon delivers to %s, want %s", got, m.SharedInbox())
		}
	}
	if _, err := g.Discover(ctxT(t), "nobody"); err == nil {
		t.Error("discovered a bare name")
	}
}

func TestInjectedClock(t *testing.T) {
	pool := newPool(t, 2)
	past := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	// The sender lives in 2020; a receiver on the real clock refuses its Date,
	// a receiver sharing its clock accepts it.
	a := aptest.NewServer(t, aptest.WithKeyPool(pool), aptest.WithClock(func() time.Time { return past })).AddActor("alice")
	now := aptest.NewServer(t, aptest.WithKeyPool(pool))
	now.AddActor("r")
	then := aptest.NewServer(t, aptest.WithKeyPool(pool), aptest.WithClock(func() time.Time { return past.Add(time.Hour) }),
		aptest.WithDateSkew(2*time.Hour))
	then.AddActor("r")
	if code, _ := postStatus(t, a, now.SharedInbox(), like(a, "1", "x")); code != 401 || now.Rejected()[0].Reason != aptest.ReasonDate {
		t.Errorf("real clock: %d %+v", code, now.Rejected())
	}
	if code, _ := postStatus(t, a, then.SharedInbox(), like(a, "1", "x")); code != 202 {
		t.Errorf("shared clock: %d %+v", code, then.Rejected())
	}
	if d := then.Deliveries(); len(d) != 1 || !d[0].Time.Equal(past.Add(time.Hour)) {
		t.Errorf("recorded time %v", d)
	}
}
