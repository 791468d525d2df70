package aptest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

var styles = []aptest.Style{aptest.Mastodon, aptest.GoToSocial, aptest.Akkoma, aptest.Fedify}

func TestFollowAcrossStyles(t *testing.T) {
	pool := newPool(t, 2)
	for _, from := range styles {
		for _, to := range styles {
			t.Run(from.String()+"_to_"+to.String(), func(t *testing.T) {
				t.Parallel()
				s1 := aptest.NewServer(t, aptest.WithStyle(from), aptest.WithKeyPool(pool))
				s2 := aptest.NewServer(t, aptest.WithStyle(to), aptest.WithKeyPool(pool))
				a := s1.AddActor("alice")
				b := s2.AddActor("bob")
				follow, err := a.Follow(ctxT(t), "acct:"+b.Acct())
				if err != nil {
					t.Fatalf("follow: %v", err)
				}
				d := s2.MustWaitFor(t, aptest.OfType("Follow"), 5*time.Second)
				if d.ID != follow["id"] || d.Actor != a.IRI() || d.ObjectID() != b.IRI() {
					t.Fatalf("delivery %+v does not match follow %v", d, follow)
				}
				if !strings.HasPrefix(d.ID, s1.URL()+"/activities/") {
					t.Errorf("activity id %q not under %s/activities/", d.ID, s1.URL())
				}
				wantInbox := b.Inbox()
				if from != aptest.GoToSocial && to != aptest.GoToSocial {
					wantInbox = s2.URL() + "/inbox"
				}
				if d.Inbox != wantInbox {
					t.Errorf("delivered to %s, want %s", d.Inbox, wantInbox)
				}
				if d.KeyID != a.KeyID() {
					t.Errorf("keyId %s, want %s", d.KeyID, a.KeyID())
				}
				wantAlg := "rsa-sha256"
				if from == aptest.GoToSocial {
					wantAlg = "hs2019"
					if strings.Contains(d.KeyID, "#") {
						t.Errorf("GoToSocial keyId %q has a fragment", d.KeyID)
					}
				}
				if d.Algorithm != wantAlg {
					t.Errorf("algorithm %q, want %q", d.Algorithm, wantAlg)
				}
				sent := a.Sent()
				if len(sent) != 1 {
					t.Fatalf("sent %d, want 1", len(sent))
				}
				if from == aptest.Fedify {
					if sent[0].Attempts != 2 || a.LastScheme() != aptest.SchemeCavage {
						t.Errorf("fedify sent %+v, want 2 attempts ending in draft-cavage", sent[0])
					}
					rej := s2.Rejected()
					if len(rej) != 1 || rej[0].Reason != aptest.ReasonRFC9421 || rej[0].Status != http.StatusUnauthorized {
						t.Errorf("rejected %+v, want one RFC 9421 refusal with 401", rej)
					}
				} else if sent[0].Attempts != 1 || len(s2.Rejected()) != 0 {
					t.Errorf("sent %+v rejected %+v", sent[0], s2.Rejected())
				}
				// The key fetch went to s1; GoToSocial signs it with the inbox owner's key.
				kr, err := s1.WaitForRequest(ctxT(t), func(r aptest.Request) bool {
					return r.Method == http.MethodGet && strings.HasPrefix(a.KeyID(), s1.URL()+r.Path)
				}, 5*time.Second)
				if err != nil {
					t.Fatalf("no key fetch at %s: %v", s1.URL(), err)
				}
				if got, want := kr.Signed, to == aptest.GoToSocial; got != want {
					t.Errorf("key fetch signed=%v, want %v", got, want)
				}
				if to == aptest.GoToSocial && kr.KeyID != b.KeyID() {
					t.Errorf("key fetch signed by %q, want %q", kr.KeyID, b.KeyID())
				}
			})
		}
	}
}

func TestNegativeSignatures(t *testing.T) {
	pool := newPool(t, 3)
	recv := aptest.NewServer(t, aptest.WithKeyPool(pool))
	recv.AddActor("inboxowner")
	send := aptest.NewServer(t, aptest.WithKeyPool(pool))
	a := send.AddActor("alice")
	other := send.AddActor("mallory")
	inbox := recv.SharedInbox()
	cases := []struct {
		name   string
		opts   []aptest.SignOption
		want   aptest.Reason
		status int
	}{
		{"wrong key", []aptest.SignOption{aptest.WithWrongKey()}, aptest.ReasonBadSignature, 401},
		{"key of another actor", []aptest.SignOption{aptest.WithKeyOf(other)}, aptest.ReasonOwnerMismatch, 401},
		{"date 13h old", []aptest.SignOption{aptest.WithDateOffset(-13 * time.Hour)}, aptest.ReasonDate, 401},
		{"date 13h ahead", []aptest.SignOption{aptest.WithDateOffset(13 * time.Hour)}, aptest.ReasonDate, 401},
		{"digest not signed", []aptest.SignOption{aptest.WithDigestUnsigned()}, aptest.ReasonDigestNotSigned, 401},
		{"no digest", []aptest.SignOption{aptest.WithoutDigest()}, aptest.ReasonNoDigest, 401},
		{"wrong digest", []aptest.SignOption{aptest.WithWrongDigest()}, aptest.ReasonDigestMismatch, 401},
		{"unsigned", []aptest.SignOption{aptest.Unsigned()}, aptest.ReasonNoSignature, 401},
		{"rfc9421 only", []aptest.SignOption{aptest.WithScheme(aptest.SchemeRFC9421)}, aptest.ReasonRFC9421, 401},
		{"bad algorithm", []aptest.SignOption{aptest.WithAlgorithm("hmac-sha256")}, aptest.ReasonAlgorithm, 401},
		{"content type", []aptest.SignOption{aptest.WithContentType("application/json")}, aptest.ReasonContentType, 401},
		{"ld+json without profile", []aptest.SignOption{aptest.WithContentType("application/ld+json")}, aptest.ReasonContentType, 401},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recv.Reset()
			status, _ := postStatus(t, a, inbox, like(a, "n"+string(rune('a'+i)), "http://x.invalid/1"), c.opts...)
			if status != c.status {
				t.Errorf("status %d, want %d", status, c.status)
			}
			rej := recv.Rejected()
			if len(rej) != 1 || rej[0].Reason != c.want {
				t.Fatalf("rejected %+v, want one with reason %s", rej, c.want)
			}
			if len(recv.Deliveries()) != 0 {
				t.Errorf("a rejected request became a delivery")
			}
		})
	}
	t.Run("accepted variants", func(t *testing.T) {
		for i, opts := range [][]aptest.SignOption{
			{aptest.WithAlgorithm("hs2019")},
			{aptest.WithDateOffset(-11 * time.Hour)},
			{aptest.WithContentType(`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)},
		} {
			recv.Reset()
			if status, _ := postStatus(t, a, inbox, like(a, "ok"+string(rune('a'+i)), "http://x.invalid/1"), opts...); status != http.StatusAccepted {
				t.Errorf("variant %d: status %d, rejected %+v", i, status, recv.Rejected())
			}
		}
	})
	t.Run("bad json", func(t *testing.T) {
		recv.Reset()
		status, _ := postStatus(t, a, inbox, map[string]any{"type": "Like"})
		if status != http.StatusBadRequest || recv.Rejected()[0].Reason != aptest.ReasonNoActor {
			t.Errorf("status %d rejected %+v", status, recv.Rejected())
		}
	})
}

func TestDuplicatesAndAcceptStatus(t *testing.T) {
	pool := newPool(t, 2)
	recv := aptest.NewServer(t, aptest.WithKeyPool(pool), aptest.WithAcceptStatus(http.StatusOK))
	recv.AddActor("r")
	a := aptest.NewServer(t, aptest.WithKeyPool(pool)).AddActor("alice")
	act := like(a, "1", "http://x.invalid/1")
	for range 3 {
		if status, _ := postStatus(t, a, recv.SharedInbox(), act); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	if got := recv.Duplicates(); got != 2 {
		t.Errorf("duplicates %d, want 2", got)
	}
	if ds := recv.DeliveriesOfType("Like"); len(ds) != 3 || ds[0].Duplicate || !ds[2].Duplicate {
		t.Errorf("deliveries %+v", ds)
	}
	recv.SetAcceptStatus(http.StatusAccepted)
	if status, _ := postStatus(t, a, recv.SharedInbox(), like(a, "2", "x")); status != http.StatusAccepted {
		t.Errorf("status %d after SetAcceptStatus", status)
	}
}

func TestScriptedAnswers(t *testing.T) {
	pool := newPool(t, 2)
	recv := aptest.NewServer(t, aptest.WithKeyPool(pool))
	b := recv.AddActor("bob")
	a := aptest.NewServer(t, aptest.WithKeyPool(pool)).AddActor("alice")

	recv.Script(recv.SharedInbox(), aptest.Response{Status: 503, RetryAfter: "2", Times: 2})
	for i := range 2 {
		status, h := postStatus(t, a, recv.SharedInbox(), like(a, "s", "x"))
		if status != 503 || h.Get("Retry-After") != "2" {
			t.Fatalf("attempt %d: status %d Retry-After %q", i, status, h.Get("Retry-After"))
		}
	}
	if status, _ := postStatus(t, a, recv.SharedInbox(), like(a, "s", "x")); status != http.StatusAccepted {
		t.Fatalf("after the script ran out: %d", status)
	}
	// Per-inbox script leaves the other inbox alone; a host-wide one hits all.
	recv.Script(b.Inbox(), aptest.Response{Status: 410})
	if status, _ := postStatus(t, a, b.Inbox(), like(a, "g", "x")); status != 410 {
		t.Errorf("actor inbox: %d, want 410", status)
	}
	if status, _ := postStatus(t, a, recv.SharedInbox(), like(a, "g2", "x")); status != 202 {
		t.Errorf("shared inbox: %d, want 202", status)
	}
	recv.ClearScripts()
	for _, code := range []int{404, 429, 500} {
		recv.ScriptAll(aptest.Response{Status: code})
		if status, _ := postStatus(t, a, recv.SharedInbox(), like(a, "c", "x")); status != code {
			t.Errorf("host-wide %d: got %d", code, status)
		}
	}
	recv.ClearScripts()
	recv.Script("/inbox", aptest.Response{Drop: true, Times: 1})
	if _, err := a.Post(ctxT(t), recv.SharedInbox(), like(a, "d", "x")); err == nil {
		t.Error("dropped connection gave no error")
	}
	reqs := recv.Requests()
	if last := reqs[len(reqs)-1]; last.Status != aptest.StatusDropped || !last.Scripted {
		t.Errorf("last request %+v, want dropped and scripted", last)
	}

	recv.SetLatency(150 * time.Millisecond)
	start := time.Now()
	if status, _ := postStatus(t, a, recv.SharedInbox(), like(a, "l", "x")); status != 202 {
		t.Errorf("with latency: %d", status)
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("latency not applied: %v", el)
	}
	recv.SetLatency(0)
}

func TestDownUp(t *testing.T) {
	pool := newPool(t, 2)
	recv := aptest.NewServer(t, aptest.WithKeyPool(pool))
	recv.AddActor("bob")
	a := aptest.NewServer(t, aptest.WithKeyPool(pool)).AddActor("alice")
	if status, _ := postStatus(t, a, recv.SharedInbox(), like(a, "1", "x")); status != 202 {
		t.Fatalf("status %d", status)
	}
	recv.Down()
	_, err := a.Post(ctxT(t), recv.SharedInbox(), like(a, "2", "x"))
	if err == nil {
		t.Fatal("post to a down host succeeded")
	}
	recv.Up()
	if status, _ := postStatus(t, a, recv.SharedInbox(), like(a, "3", "x")); status != 202 {
		t.Fatalf("after Up: %d", status)
	}
	if n := len(recv.Deliveries()); n != 2 {
		t.Errorf("deliveries %d, want 2", n)
	}
}

func TestWaitForTimeout(t *testing.T) {
	s := aptest.NewServer(t)
	start := time.Now()
	_, err := s.WaitFor(t.Context(), aptest.OfType("Create"), 100*time.Millisecond)
	if !errors.Is(err, aptest.ErrWaitTimeout) {
		t.Fatalf("err %v, want ErrWaitTimeout", err)
	}
	if el := time.Since(start); el < 100*time.Millisecond || el > 2*time.Second {
		t.Errorf("waited %v", el)
	}
}

func TestRequireSignedFetch(t *testing.T) {
	pool := newPool(t, 2)
	gts := aptest.NewServer(t, aptest.WithStyle(aptest.GoToSocial), aptest.WithKeyPool(pool), aptest.RequireSignedFetch())
	b := gts.AddActor("bob")
	n := note(b, "1")
	a := aptest.NewServer(t, aptest.WithKeyPool(pool)).AddActor("alice")
	ctx := ctxT(t)

	for _, u := range []string{b.IRI(), n} {
		resp, err := gts.Client().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("unsigned GET %s: %d, want 401", u, resp.StatusCode)
		}
	}
	resp, err := gts.Client().Get(b.KeyID())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("unsigned GET of the key: %d, want 200", resp.StatusCode)
	}
	resp, err = a.SignedGet(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("signed GET: %d; rejected %+v", resp.StatusCode, gts.Rejected())
	}
	r, err := gts.WaitForRequest(ctx, func(r aptest.Request) bool { return r.Path == "/notes/1" && r.Verified }, time.Second)
	if err != nil || r.KeyID != a.KeyID() {
		t.Errorf("verified GET %+v, %v", r, err)
	}
	resp, err = a.SignedGet(ctx, n, aptest.WithWrongKey())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET signed with a wrong key: %d, want 401", resp.StatusCode)
	}
	// A GoToSocial actor of another host can discover and follow bob: its GETs are signed.
	c := aptest.NewServer(t, aptest.WithStyle(aptest.GoToSocial), aptest.WithKeyPool(pool)).AddActor("carol")
	if _, err := c.Follow(ctx, b.IRI()); err != nil {
		t.Fatalf("follow under signed fetch: %v", err)
	}
	d, err := c.Discover(ctx, b.IRI())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.WebFingerURL, "http://") || d.SharedInbox != "" || d.Inbox != b.Inbox() {
		t.Errorf("discovered %+v", d)
	}
}

func TestInteractions(t *testing.T) {
	pool := newPool(t, 2)
	for _, st := range styles {
		t.Run(st.String(), func(t *testing.T) {
			t.Parallel()
			home := aptest.NewServer(t, aptest.WithKeyPool(pool))
			b := home.AddActor("bob")
			n := note(b, "1")
			rs := aptest.NewServer(t, aptest.WithStyle(st), aptest.WithKeyPool(pool))
			a := rs.AddActor("alice")
			ctx := ctxT(t)

			likeAct, err := a.Like(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Announce(ctx, n); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Undo(ctx, likeAct); err != nil {
				t.Fatal(err)
			}
			create, err := a.Reply(ctx, n, "lovely <b>work</b>", aptest.WithLanguage("de"),
				aptest.WithContentWarning("eyes"), aptest.WithHashtags("#Art", "wip"))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := a.Reply(ctx, n, "second")
			if err != nil {
				t.Fatal(err)
			}
			ds, err := home.WaitForN(ctx, 5, nil, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			types := []string{}
			for _, d := range ds {
				types = append(types, d.Type)
			}
			if strings.Join(types, ",") != "Like,Announce,Undo,Create,Create" {
				t.Fatalf("types %v", types)
			}
			if undone := ds[2].Object(); undone["id"] != likeAct["id"] {
				t.Errorf("Undo object %v", undone)
			}
			obj := ds[3].Object()
			if obj["inReplyTo"] != n || obj["summary"] != "eyes" || obj["sensitive"] != true {
				t.Errorf("reply note %v", obj)
			}
			if cm, _ := obj["contentMap"].(map[string]any); cm["de"] == nil {
				t.Errorf("contentMap %v", obj["contentMap"])
			}
			if !strings.Contains(ds[3].String(), `"#Art"`) || !strings.Contains(ds[3].String(), `"Mention"`) {
				t.Errorf("tags missing in %s", ds[3].Raw)
			}
			ctxHasSensitive := func(d aptest.Delivery) bool {
				return strings.Contains(string(mustJSON(t, d.Activity["@context"])), "sensitive")
			}
			// Akkoma's LitePub context document is what declares sensitive.
			if st != aptest.Akkoma && !ctxHasSensitive(ds[3]) {
				t.Errorf("sensitive reply does not declare sensitive: %v", ds[3].Activity["@context"])
			}
			if st == aptest.Fedify {
				if ctxHasSensitive(ds[4]) || ds[4].Object()["sensitive"] != nil {
					t.Errorf("fedify declares sensitive on a plain reply: %s", ds[4].Raw)
				}
			}
			_, single := ds[4].Object()["to"].(string)
			if single != (st == aptest.GoToSocial) {
				t.Errorf("style %s: to=%v", st, ds[4].Object()["to"])
			}
			// The note is served at its id until deleted; the Delete's object follows the style.
			noteID := create["object"].(map[string]any)["id"].(string)
			if code := getStatus(t, b, noteID); code != 200 {
				t.Errorf("GET reply: %d", code)
			}
			if _, err := a.DeleteNote(ctx, noteID); err != nil {
				t.Fatal(err)
			}
			del := home.MustWaitFor(t, aptest.OfType("Delete"), 5*time.Second)
			_, bare := del.Activity["object"].(string)
			if bare != (st == aptest.GoToSocial) || del.ObjectID() != noteID {
				t.Errorf("style %s Delete object %v", st, del.Activity["object"])
			}
			if code := getStatus(t, b, noteID); code != http.StatusGone {
				t.Errorf("GET deleted reply: %d, want 410", code)
			}
			_ = plain
			home.Reset()
			if _, err := a.DeleteSelf(ctx); err != nil {
				t.Fatal(err)
			}
			self := home.MustWaitFor(t, aptest.OfType("Delete"), 5*time.Second)
			if self.ObjectID() != a.IRI() {
				t.Errorf("self delete object %v", self.Activity["object"])
			}
			if code := getStatus(t, b, a.IRI()); code != http.StatusGone {
				t.Errorf("GET deleted actor: %d, want 410", code)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	pool := newPool(t, 2)
	recv := aptest.NewServer(t, aptest.WithKeyPool(pool))
	recv.AddActor("bob")
	a := aptest.NewServer(t, aptest.WithKeyPool(pool)).AddActor("alice")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 5 {
				act := like(a, string(rune('a'+i))+string(rune('a'+j)), "x")
				resp, err := a.Post(t.Context(), recv.SharedInbox(), act)
				if err == nil {
					_ = resp.Body.Close()
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			recv.ScriptAll(aptest.Response{Status: 503, Times: 1})
			_ = recv.Deliveries()
			_ = recv.Requests()
			recv.SetLatency(0)
		}
	})
	wg.Wait()
	if got := len(recv.Requests()); got < 40 {
		t.Errorf("recorded %d requests, want ≥ 40", got)
	}
}

func TestCleanupWithSlowHandler(t *testing.T) {
	pool := newPool(t, 2)
	done := make(chan time.Duration, 1)
	t.Run("inner", func(t *testing.T) {
		recv := aptest.NewServer(t, aptest.WithKeyPool(pool))
		recv.AddActor("bob")
		a := aptest.NewServer(t, aptest.WithKeyPool(pool)).AddActor("alice")
		recv.ScriptAll(aptest.Response{Status: 503, Latency: time.Minute})
		go func() {
			start := time.Now()
			resp, err := a.Post(context.Background(), recv.SharedInbox(), like(a, "1", "x"))
			if err == nil {
				_ = resp.Body.Close()
			}
			done <- time.Since(start)
		}()
		if _, err := recv.WaitForRequest(ctxT(t), func(aptest.Request) bool { return true }, 300*time.Millisecond); err == nil {
			t.Error("a request was recorded before its scripted latency ended")
		}
	})
	select {
	case el := <-done:
		if el > 30*time.Second {
			t.Errorf("slow handler held the client %v", el)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("cleanup did not end a sleeping handler")
	}
}
