package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
	"github.com/artbridge/artbridge/storage"
)

const suspendRules = `
[[rulesets]]
name = "harassment"
action = "suspend"
window = "1h"
thresholds = { posts = 2, hits = 3, distinct = 2 }
keywords = ["ugly", "worthless", "talentless hack"]
`

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// runCLIErr is runCLI that also returns stderr.
func runCLIErr(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := Main(ctx, args, Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	return out.String(), errOut.String(), code
}

func publishOne(t *testing.T, s *server, text string) string {
	t.Helper()
	out, code := runCLI(t, "post", "publish", "--config", s.Config, "--image", writePNG(t, t.TempDir(), "a.png"),
		"--alt", "A small test pattern.", "--text", text)
	if code != 0 {
		t.Fatalf("post publish exit %d", code)
	}
	return strings.TrimSpace(out)
}

func processed(t *testing.T, s *server, activityID string) bool {
	return queryInt(t, s.DataDir, "SELECT COUNT(*) FROM inbound WHERE id = ? AND processed_at IS NOT NULL", activityID) == 1
}

func TestModerationSuspendEndToEnd(t *testing.T) {
	t.Parallel()
	rulesPath := filepath.Join(t.TempDir(), "moderation.toml")
	if err := os.WriteFile(rulesPath, []byte(suspendRules), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, serverOptions{extraTOML: fmt.Sprintf("\n[moderation]\nrules = %q\n", rulesPath)})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	noteIRI := publishOne(t, s, "A new painting #art")

	remote := aptest.NewServer(t, aptest.WithStyle(aptest.Mastodon))
	bob, ann := remote.AddActor("bob"), remote.AddActor("ann")
	follow(t, ctx, s, bob)
	follow(t, ctx, s, ann)

	// One ugly word: below the thresholds.
	r1, err := bob.Reply(ctx, noteIRI, "this is ugly")
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "first reply processed", 10*time.Second, func() bool { return processed(t, s, r1["id"].(string)) })
	if n := countRows(t, s.DataDir, "moderation_reports"); n != 0 {
		t.Fatalf("%d reports after one hit", n)
	}
	// Two posts, four hits, three terms: the suspend ruleset triggers.
	r2, err := bob.Reply(ctx, noteIRI, "ugly and worthless, you talentless hack")
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "second reply processed", 10*time.Second, func() bool { return processed(t, s, r2["id"].(string)) })
	out, code := runCLI(t, "moderation", "reports", "--config", s.Config)
	if code != 0 || !strings.Contains(out, "suspend") || !strings.Contains(out, bob.IRI()) || !strings.Contains(out, "harassment") {
		t.Fatalf("moderation reports (exit %d):\n%s", code, out)
	}
	reportID := strings.Fields(strings.Split(strings.TrimSpace(out), "\n")[1])[0]
	if followers := followersOf(t, s); len(followers) != 1 || followers[0] != ann.IRI() {
		t.Fatalf("followers after the suspension: %v", followers)
	}
	out, _ = runCLI(t, "moderation", "actors", "--config", s.Config)
	if !strings.Contains(out, bob.IRI()) || !strings.Contains(out, "suspend") {
		t.Fatalf("moderation actors:\n%s", out)
	}
	if !strings.Contains(s.Log.String(), "Discord not configured") {
		t.Fatalf("the notice was not logged without Discord:\n%s", s.Log.String())
	}

	// Its next activity is dropped after the signature check: 202, nothing stored.
	r3, err := bob.Reply(ctx, noteIRI, "hello?")
	if err != nil {
		t.Fatalf("a suspended actor's activity should get 202: %v", err)
	}
	if n := queryInt(t, s.DataDir, "SELECT COUNT(*) FROM inbound WHERE actor = ?", bob.IRI()); n != 3 { // Follow, two replies
		t.Fatalf("%d inbound rows of the suspended actor, want 3 (its last reply %s stored?)", n, r3["id"])
	}
	// Ann is not affected.
	ra, err := ann.Reply(ctx, noteIRI, "lovely")
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "ann's reply processed", 10*time.Second, func() bool { return processed(t, s, ra["id"].(string)) })
	if n := queryInt(t, s.DataDir, "SELECT COUNT(*) FROM inbound_moderation WHERE activity_id = ? AND state = 'passed'", ra["id"]); n != 1 {
		t.Fatal("ann's reply has no passed decision")
	}

	// Undo lifts it: the next activity is accepted; bob is not a follower until it follows again.
	out, code = runCLI(t, "moderation", "undo", "--config", s.Config, reportID)
	if code != 0 || !strings.Contains(out, "lifted the suspend of "+bob.IRI()) || !strings.Contains(out, "follow again") {
		t.Fatalf("moderation undo (exit %d):\n%s", code, out)
	}
	// A running server sees a change made from the command line within
	// storage.CacheRecheck.
	time.Sleep(2 * storage.CacheRecheck)
	r4, err := bob.Reply(ctx, noteIRI, "sorry, it is lovely")
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "reply after undo processed", 10*time.Second, func() bool { return processed(t, s, r4["id"].(string)) })
	if n := queryInt(t, s.DataDir, "SELECT COUNT(*) FROM inbound_moderation WHERE activity_id = ? AND state = 'passed'", r4["id"]); n != 1 {
		t.Fatal("the reply after undo was not passed")
	}
	if followers := followersOf(t, s); len(followers) != 1 {
		t.Fatalf("undo re-added the follower: %v", followers)
	}
	follow(t, ctx, s, bob)
	if followers := followersOf(t, s); len(followers) != 2 {
		t.Fatalf("bob could not follow again: %v", followers)
	}
	out, _ = runCLI(t, "moderation", "reports", "--config", s.Config)
	if strings.Contains(out, bob.IRI()) {
		t.Fatalf("a lifted report is listed without --all:\n%s", out)
	}
	out, _ = runCLI(t, "moderation", "reports", "--config", s.Config, "--all")
	if !strings.Contains(out, "lifted") {
		t.Fatalf("reports --all:\n%s", out)
	}
	if _, stderr, code := runCLIErr(t, "moderation", "undo", "--config", s.Config, reportID); code != 2 || !strings.Contains(stderr, "already lifted") {
		t.Fatalf("second undo: exit %d, %s", code, stderr)
	}
}

func TestModerationTestCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.toml")
	if err := os.WriteFile(rules, []byte(suspendRules), 0o600); err != nil {
		t.Fatal(err)
	}
	posts := filepath.Join(dir, "posts.jsonl")
	lines := []string{
		`{"id":"https://r.example/s/1","type":"Note","attributedTo":"https://r.example/u/bob","published":"2025-01-01T10:00:00Z","content":"<p>so ugly</p>"}`,
		`{"type":"Create","actor":"https://r.example/u/bob","object":{"id":"https://r.example/s/2","type":"Note","attributedTo":"https://r.example/u/bob","published":"2025-01-01T10:05:00Z","content":"<p>worthless and ugly</p>"}}`,
		`{"type":"Like","actor":"https://r.example/u/bob","object":"https://x"}`,
		``,
		`{"id":"https://r.example/s/3","type":"Note","attributedTo":"https://r.example/u/ann","published":"2025-01-01T10:06:00Z","content":"<p>classy</p>"}`,
	}
	if err := os.WriteFile(posts, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCLIErr(t, "moderation", "test", "--rules", rules, "--posts", posts)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	if len(got) != 4 {
		t.Fatalf("%d lines:\n%s", len(got), out)
	}
	var first, second, bad, last map[string]any
	for i, p := range []*map[string]any{&first, &second, &bad, &last} {
		if err := json.Unmarshal([]byte(got[i]), p); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, got[i])
		}
	}
	if first["action"] != "none" || first["ruleset"] != "" || len(first["hits"].([]any)) != 1 {
		t.Errorf("first: %v", first)
	}
	if second["action"] != "suspend" || second["ruleset"] != "harassment" || second["id"] != "https://r.example/s/2" {
		t.Errorf("second: %v", second)
	}
	if bad["line"] != float64(3) || bad["error"] == "" {
		t.Errorf("Like line: %v", bad)
	}
	if last["action"] != "none" || len(last["hits"].([]any)) != 0 {
		t.Errorf("classy is not ugly: %v", last)
	}
	// The thresholds-of-1 warning goes to stderr.
	warn := filepath.Join(dir, "warn.toml")
	writeFile(t, warn, []byte("[[rulesets]]\nname = \"ban\"\naction = \"suspend\"\nkeywords = [\"x\"]\n"))
	if _, stderr, code := runCLIErr(t, "moderation", "test", "--rules", warn, "--posts", posts); code != 0 || !strings.Contains(stderr, "warning: ") || !strings.Contains(stderr, `"ban"`) {
		t.Fatalf("warning: exit %d, stderr %q", code, stderr)
	}
	// A bad rules file exits 2 naming the file, the ruleset and the reason.
	badRules := filepath.Join(dir, "bad.toml")
	writeFile(t, badRules, []byte("[[rulesets]]\nname = \"spam wave\"\naction = \"silence\"\ntreshold = 3\nkeywords = [\"x\"]\n"))
	out, stderr, code = runCLIErr(t, "moderation", "test", "--rules", badRules, "--posts", posts)
	if code != 2 || out != "" || !strings.Contains(stderr, "bad.toml") || !strings.Contains(stderr, `"spam wave"`) || !strings.Contains(stderr, "treshold") {
		t.Fatalf("bad rules: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if _, _, code := runCLIErr(t, "moderation", "test", "--rules", rules); code != 2 {
		t.Fatalf("missing --posts: exit %d", code)
	}
	if _, _, code := runCLIErr(t, "moderation", "frobnicate"); code != 2 {
		t.Fatalf("unknown subcommand: exit %d", code)
	}
}

func TestServeRefusesBadRulesAndReloadsOnSIGHUP(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rulesPath := filepath.Join(dir, "moderation.toml")
	writeFile(t, rulesPath, []byte("[[rulesets]]\nname = \"x\"\naction = \"shout\"\nkeywords = [\"y\"]\n"))
	cfg := filepath.Join(dir, "artbridge.toml")
	writeFile(t, cfg, []byte(fmt.Sprintf("data_dir = %q\nlisten = \"127.0.0.1:0\"\n[moderation]\nrules = %q\n", filepath.Join(dir, "data"), rulesPath)))
	_, stderr, code := runCLIErr(t, "serve", "--config", cfg)
	if code != 2 || !strings.Contains(stderr, "moderation.toml") || !strings.Contains(stderr, "shout") {
		t.Fatalf("serve with bad rules: exit %d, %s", code, stderr)
	}

	writeFile(t, rulesPath, []byte(suspendRules))
	s := startServer(t, serverOptions{extraTOML: fmt.Sprintf("\n[moderation]\nrules = %q\n", rulesPath)})
	waitUntil(t, "rules loaded", 5*time.Second, func() bool { return strings.Contains(s.Log.String(), "moderation rules loaded") })
	// A bad file keeps the old rules.
	writeFile(t, rulesPath, []byte("[[rulesets]]\nname = \"x\"\n"))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "reload refused", 5*time.Second, func() bool { return strings.Contains(s.Log.String(), "moderation rules not reloaded") })
	writeFile(t, rulesPath, []byte(suspendRules+"\n[[rulesets]]\nname = \"more\"\naction = \"notify\"\nkeywords = [\"z\"]\n"))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "rules reloaded", 5*time.Second, func() bool {
		return strings.Contains(s.Log.String(), "moderation rules reloaded") && strings.Contains(s.Log.String(), "rulesets=2")
	})
}

func TestDomainBlockImportRefusesAndStopsDeliveries(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	remote := aptest.NewServer(t, aptest.WithStyle(aptest.Mastodon))
	bob := remote.AddActor("bob")
	follow(t, ctx, s, bob)

	// A Create queued while the host is busy, then the host is blocked before
	// the retry: the worker must not send it.
	remote.ScriptAll(aptest.Response{Status: http.StatusServiceUnavailable, RetryAfter: "3"})
	queued := publishOne(t, s, "queued before the block")
	waitUntil(t, "the first attempt", 10*time.Second, func() bool {
		return queryInt(t, s.DataDir, `SELECT COUNT(*) FROM deliveries d JOIN activities a ON a.iri = d.activity_iri
			WHERE a.object_iri = ? AND d.attempts >= 1`, queued) == 1
	})
	// aptest hosts are all 127.0.0.1: block it, with Mastodon's export format.
	csvPath := filepath.Join(t.TempDir(), "domain_blocks.csv")
	csvText := "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n" +
		"127.0.0.1,suspend,false,false,test host,false\n" +
		"quiet.example,silence,true,false,,false\n" +
		"spam.example,suspend,false,false,\"spam, lots\",false\n" +
		"ex*mple.org,suspend,false,false,,true\n"
	writeFile(t, csvPath, []byte(csvText))
	out, code := runCLI(t, "moderation", "import-blocks", "--config", s.Config, csvPath)
	if code != 0 || !strings.Contains(out, "imported 2 domain blocks") || !strings.Contains(out, "quiet.example") || !strings.Contains(out, "obfuscated") {
		t.Fatalf("import-blocks (exit %d):\n%s", code, out)
	}
	remote.ClearScripts()
	before := len(remote.Requests())
	waitUntil(t, "the queued Create to fail as blocked", 15*time.Second, func() bool {
		return queryInt(t, s.DataDir, `SELECT COUNT(*) FROM deliveries d JOIN activities a ON a.iri = d.activity_iri
			WHERE a.object_iri = ? AND d.state = 'failed' AND d.last_error = 'domain blocked'`, queued) == 1
	})
	if n := len(remote.Requests()); n != before {
		t.Fatalf("the blocked host got %d requests after the block", n-before)
	}
	// New posts are not queued for it at all.
	fresh := publishOne(t, s, "after the block")
	if n := queryInt(t, s.DataDir, `SELECT COUNT(*) FROM deliveries d JOIN activities a ON a.iri = d.activity_iri
		WHERE a.object_iri = ?`, fresh); n != 0 {
		t.Fatalf("%d deliveries queued to a blocked domain", n)
	}

	// Inbound: refused with 403 before any key fetch (a fresh host, so no key is cached).
	other := aptest.NewServer(t, aptest.WithStyle(aptest.GoToSocial))
	eve := other.AddActor("eve")
	act := map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       other.URL() + "/activities/1", "type": "Follow", "actor": eve.IRI(), "object": s.BaseURL + "/users/art",
	}
	resp, err := eve.Post(ctx, s.BaseURL+"/inbox", act)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("blocked domain: %d, want 403", resp.StatusCode)
	}
	if reqs := other.Requests(); len(reqs) != 0 {
		t.Fatalf("the server fetched from a blocked host: %+v", reqs[0])
	}
	if n := queryInt(t, s.DataDir, "SELECT COUNT(*) FROM inbound WHERE actor = ?", eve.IRI()); n != 0 {
		t.Fatal("an activity from a blocked domain was stored")
	}
	// Importing again adds nothing; a plain list works too.
	plain := filepath.Join(t.TempDir(), "plain.txt")
	writeFile(t, plain, []byte("# my list\nspam.example\nBÜCHER.example\n\nnot a domain\n"))
	out, code = runCLI(t, "moderation", "import-blocks", "--config", s.Config, plain)
	if code != 0 || !strings.Contains(out, "imported 1 domain blocks") || !strings.Contains(out, "(1 already blocked)") || !strings.Contains(out, "line 5") {
		t.Fatalf("plain import (exit %d):\n%s", code, out)
	}
	if n := queryInt(t, s.DataDir, "SELECT COUNT(*) FROM domain_blocks WHERE domain = 'xn--bcher-kva.example'"); n != 1 {
		t.Fatal("an IDN domain was not stored in its ASCII form")
	}
}

func TestParseDomainBlocks(t *testing.T) {
	csvText := "\ufeff#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n" +
		"a.example,suspend,false,false,spam,false\n" +
		"A.EXAMPLE.,suspend,false,false,,false\n" +
		"b.example,noop,false,false,,false\n" +
		"c.example,,false,false,,false\n"
	blocks, skipped, err := parseDomainBlocks(strings.NewReader(csvText))
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || blocks[0].Domain != "a.example" || blocks[0].Comment != "spam" || blocks[1].Domain != "c.example" {
		t.Fatalf("blocks %+v", blocks)
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0], "line 4") || !strings.Contains(skipped[0], "noop") {
		t.Fatalf("skipped %q", skipped)
	}
	// Older exports without the '#' and a plain list.
	blocks, _, err = parseDomainBlocks(strings.NewReader("domain,severity\nx.example,suspend\n"))
	if err != nil || len(blocks) != 1 || blocks[0].Domain != "x.example" {
		t.Fatalf("header without #: %+v %v", blocks, err)
	}
	blocks, skipped, _ = parseDomainBlocks(strings.NewReader("x.example\r\n# c\r\n[::1]\r\nhttp://x\r\n"))
	if len(blocks) != 2 || blocks[1].Domain != "::1" || len(skipped) != 1 {
		t.Fatalf("plain: %+v, skipped %q", blocks, skipped)
	}
}

func FuzzParseDomainBlocks(f *testing.F) {
	f.Add("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\nspam.example,suspend,false,false,\"a, b\",false\n")
	f.Add("spam.example\n# comment\nxn--bcher-kva.example\nBÜCHER.example\n")
	f.Add("domain,severity\n\"unterminated,suspend\n")
	f.Add("#domain\n*.example\n127.0.0.1\n[::1]\n")
	f.Fuzz(func(t *testing.T, in string) {
		blocks, _, err := parseDomainBlocks(strings.NewReader(in))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, b := range blocks {
			if b.Domain == "" || strings.ContainsAny(b.Domain, "* \t\n,") || b.Domain != strings.ToLower(b.Domain) {
				t.Fatalf("bad domain %q from %q", b.Domain, in)
			}
			if again, reason := normaliseDomain(b.Domain); reason != "" || again != b.Domain {
				t.Fatalf("%q does not normalise to itself: %q %q", b.Domain, again, reason)
			}
			if seen[b.Domain] {
				t.Fatalf("duplicate %q", b.Domain)
			}
			seen[b.Domain] = true
		}
	})
}
