package aptest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

// newPool returns a key pool with n keys, generated in parallel.
func newPool(t *testing.T, n int) *aptest.KeyPool {
	t.Helper()
	p := aptest.NewKeyPool()
	if err := p.Warm(n); err != nil {
		t.Fatal(err)
	}
	return p
}

// ctxT returns a context bounded to 20 s.
func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// postStatus posts and returns the status and body.
func postStatus(t *testing.T, a *aptest.Actor, inbox string, act map[string]any, opts ...aptest.SignOption) (int, http.Header) {
	t.Helper()
	resp, err := a.Post(ctxT(t), inbox, act, opts...)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header
}

// note returns a Note attributed to a, served by its host at /notes/ID.
func note(a *aptest.Actor, id string) string {
	iri := a.Server().URL() + "/notes/" + id
	a.Server().PutDocument(iri, map[string]any{
		"@context":     "https://www.w3.org/ns/activitystreams",
		"id":           iri,
		"type":         "Note",
		"attributedTo": a.IRI(),
		"content":      "<p>art</p>",
		"to":           []any{"https://www.w3.org/ns/activitystreams#Public"},
	})
	return iri
}

// like builds a minimal signed-able activity from a to object.
func like(a *aptest.Actor, id, object string) map[string]any {
	return map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       a.IRI() + "/likes/" + id,
		"type":     "Like",
		"actor":    a.IRI(),
		"object":   object,
	}
}

// getStatus GETs u signed by a and returns the status.
func getStatus(t *testing.T, a *aptest.Actor, u string) int {
	t.Helper()
	resp, err := a.SignedGet(ctxT(t), u)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
