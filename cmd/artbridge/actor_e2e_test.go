package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func get(t *testing.T, url, accept string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return m
}

func TestServeDiscoveryEndpoints(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	host := strings.TrimPrefix(s.BaseURL, "http://")
	actor := s.BaseURL + "/users/art"

	for _, res := range []string{"acct:art@" + host, actor} {
		resp, body := get(t, s.BaseURL+"/.well-known/webfinger?resource="+res, "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/jrd+json") {
			t.Fatalf("webfinger %s: %d %s", res, resp.StatusCode, body)
		}
		jrd := decode(t, body)
		links := jrd["links"].([]any)
		self := links[0].(map[string]any)
		if self["rel"] != "self" || self["href"] != actor || self["type"] != "application/activity+json" {
			t.Fatalf("webfinger self link %v", self)
		}
	}
	for _, res := range []string{"acct:someone@" + host, "acct:art@elsewhere.example", s.BaseURL + "/users/nobody"} {
		if resp, _ := get(t, s.BaseURL+"/.well-known/webfinger?resource="+res, ""); resp.StatusCode != 404 {
			t.Errorf("webfinger %s: %d, want 404", res, resp.StatusCode)
		}
	}

	resp, body := get(t, s.BaseURL+"/.well-known/host-meta", "")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(s.BaseURL+"/.well-known/webfinger?resource={uri}")) {
		t.Fatalf("host-meta: %d %s", resp.StatusCode, body)
	}

	resp, body = get(t, s.BaseURL+"/.well-known/nodeinfo", "")
	if resp.StatusCode != 200 {
		t.Fatalf("nodeinfo index: %d %s", resp.StatusCode, body)
	}
	idx := decode(t, body)
	href := idx["links"].([]any)[0].(map[string]any)["href"].(string)
	resp, body = get(t, href, "")
	ni := decode(t, body)
	if resp.StatusCode != 200 || ni["version"] != "2.1" || ni["software"].(map[string]any)["name"] != "artbridge" {
		t.Fatalf("nodeinfo: %s", body)
	}

	resp, body = get(t, actor, "application/activity+json")
	if resp.StatusCode != 200 {
		t.Fatalf("actor: %d %s", resp.StatusCode, body)
	}
	doc := decode(t, body)
	pk := doc["publicKey"].(map[string]any)
	if doc["id"] != actor || doc["type"] != "Service" || pk["owner"] != actor || !strings.Contains(pk["publicKeyPem"].(string), "BEGIN PUBLIC KEY") {
		t.Fatalf("actor document: %s", body)
	}
	if doc["endpoints"].(map[string]any)["sharedInbox"] != s.BaseURL+"/inbox" || doc["manuallyApprovesFollowers"] != false {
		t.Fatalf("actor endpoints: %s", body)
	}
	if !strings.Contains(doc["summary"].(string), "Automated") {
		t.Errorf("actor summary should say it is automated: %v", doc["summary"])
	}

	resp, body = get(t, actor, "text/html,application/xhtml+xml")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("@art@"+host)) {
		t.Fatalf("profile page: %d %s", resp.StatusCode, body)
	}

	for _, coll := range []string{"/users/art/outbox", "/users/art/followers"} {
		resp, body = get(t, s.BaseURL+coll, "application/activity+json")
		c := decode(t, body)
		if resp.StatusCode != 200 || c["type"] != "OrderedCollection" || c["totalItems"] != float64(0) {
			t.Fatalf("%s: %s", coll, body)
		}
	}

	// The key file was generated with mode 0600.
	st, err := os.Stat(filepath.Join(s.DataDir, "actor_key.pem"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st.Mode(), err)
	}
}

func post(t *testing.T, url, contentType string, body []byte, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestInboxRejectsBadRequestsWithoutStoringThem(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	follow := []byte(`{"id":"https://remote.example/1","type":"Follow","actor":"https://remote.example/users/a","object":"` + s.BaseURL + `/users/art"}`)
	cases := []struct {
		name   string
		body   []byte
		status int
	}{
		{"malformed JSON", []byte(`{"id":`), 400},
		{"array body", []byte(`[1,2,3]`), 400},
		{"string body", []byte(`"hello"`), 400},
		{"no actor", []byte(`{"id":"https://remote.example/1","type":"Follow"}`), 400},
		{"2 MiB body", append(append([]byte(`{"id":"x","pad":"`), bytes.Repeat([]byte("a"), 2<<20)...), []byte(`"}`)...), 413},
		{"unsigned", follow, 401},
	}
	for _, inbox := range []string{"/inbox", "/users/art/inbox"} {
		for _, c := range cases {
			resp, body := post(t, s.BaseURL+inbox, "application/activity+json", c.body, nil)
			if resp.StatusCode != c.status {
				t.Errorf("%s %s: %d %q, want %d", inbox, c.name, resp.StatusCode, body, c.status)
			}
		}
	}
	if resp, _ := post(t, s.BaseURL+"/inbox", "text/plain", follow, nil); resp.StatusCode != 415 {
		t.Errorf("text/plain: %d, want 415", resp.StatusCode)
	}
	s.Stop()
	if n := countRows(t, s.DataDir, "inbound"); n != 0 {
		t.Fatalf("%d inbound rows left behind by refused requests", n)
	}
}
