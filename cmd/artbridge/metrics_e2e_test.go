package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

// metricsURL is the base URL of the server's metrics listener, from its log.
func metricsURL(t *testing.T, s *server) string {
	t.Helper()
	m := regexp.MustCompile(`msg="metrics serving" addr=(\S+)`).FindStringSubmatch(s.Log.String())
	if m == nil {
		t.Fatalf("the server did not say where it serves metrics:\n%s", s.Log.String())
	}
	return "http://" + m[1]
}

func httpGet(t *testing.T, url string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// metricValue returns the value of one sample line ("name{labels}") of a scrape.
func metricValue(t *testing.T, scrape, sample string) float64 {
	t.Helper()
	for _, line := range strings.Split(scrape, "\n") {
		if rest, ok := strings.CutPrefix(line, sample+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v
		}
	}
	t.Fatalf("no sample %s in the scrape", sample)
	return 0
}

// Every family shows from the first scrape (labelled ones with each known label
// at zero), and the families move after a publish to a follower and a failed
// delivery to another; the admin page and `artbridge status` show the failing host.
func TestMetricsFamiliesPresentAndMoving(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	base := metricsURL(t, s)
	code, first := httpGet(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	zeros := []string{
		`artbridge_deliveries_total{outcome="delivered"}`,
		`artbridge_deliveries_total{outcome="failed"}`, `artbridge_deliveries_total{outcome="cancelled"}`,
		`artbridge_delivery_queue_depth`, `artbridge_delivery_queue_oldest_age_seconds`, `artbridge_delivery_failing_hosts`,
		`artbridge_followers`, `artbridge_posts{state="live"}`, `artbridge_posts{state="deleted"}`,
		`artbridge_moderation_reports_open{action="silence"}`, `artbridge_moderation_reports_open{action="suspend"}`,
		`artbridge_inbound_activities_total{type="Follow"}`, `artbridge_inbound_pending`, `artbridge_alttext_requests_24h`,
		`artbridge_inbox_requests_total{status="202"}`, `artbridge_inbox_requests_total{status="401"}`,
		`artbridge_discord_connected{enabled="false"}`,
	}
	for _, sample := range zeros {
		if v := metricValue(t, first, sample); v != 0 {
			t.Errorf("first scrape: %s = %v, want 0", sample, v)
		}
	}
	if metricValue(t, first, "artbridge_status_up") != 1 || metricValue(t, first, "go_goroutines") == 0 {
		t.Errorf("first scrape lacks the status or the Go runtime metrics")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	healthy := aptest.NewServer(t)
	down := aptest.NewServer(t)
	follow(t, ctx, s, healthy.AddActor("ann"))
	follow(t, ctx, s, down.AddActor("gus"))
	refusing := aptest.NewServer(t)
	gil := refusing.AddActor("gil")
	follow(t, ctx, s, gil)
	refusing.Script(gil.DeliveryInbox(), aptest.Response{Status: http.StatusForbidden}) // permanent: failed at once
	down.Down()
	img := writePNG(t, t.TempDir(), "art.png")
	if res := runBinary(t, "", nil, "post", "publish", "--config", s.Config, "--image", img, "--alt", "A test image."); res.Code != 0 {
		t.Fatalf("publish: %d %s", res.Code, res.Stderr)
	}
	healthy.MustWaitFor(t, aptest.OfType("Create"), 15*time.Second)
	waitUntil(t, "a failed attempt at the down host", 15*time.Second, func() bool {
		return queryInt(t, s.DataDir, `SELECT COUNT(*) FROM deliveries WHERE host = ? AND state = 'queued' AND attempts >= 1`,
			down.Host()) >= 1
	})
	waitUntil(t, "the refused delivery failed", 15*time.Second, func() bool {
		return queryInt(t, s.DataDir, `SELECT COUNT(*) FROM deliveries WHERE host = ? AND state = 'failed'`, refusing.Host()) >= 1
	})
	_, after := httpGet(t, base+"/metrics")
	for sample, want := range map[string]float64{
		`artbridge_followers`: 3, `artbridge_posts{state="live"}`: 1, `artbridge_delivery_failing_hosts`: 1,
		`artbridge_inbound_activities_total{type="Follow"}`: 3, `artbridge_deliveries_total{outcome="failed"}`: 1,
	} {
		if v := metricValue(t, after, sample); v != want {
			t.Errorf("after publish: %s = %v, want %v", sample, v, want)
		}
	}
	for _, sample := range []string{`artbridge_deliveries_total{outcome="delivered"}`, `artbridge_delivery_queue_depth`,
		`artbridge_inbox_requests_total{status="202"}`} {
		if v := metricValue(t, after, sample); v < 1 {
			t.Errorf("after publish: %s = %v, want ≥ 1", sample, v)
		}
	}

	code, page := httpGet(t, base+"/admin")
	if code != http.StatusOK || !strings.Contains(page, down.Host()) {
		t.Errorf("admin page (%d) does not show the failing host %s:\n%s", code, down.Host(), page)
	}
	res := runBinary(t, "", nil, "status", "--config", s.Config)
	if res.Code != 0 || !strings.Contains(res.Stdout, "server: running") || !strings.Contains(res.Stdout, down.Host()) ||
		!strings.Contains(res.Stdout, "followers: 3") {
		t.Errorf("artbridge status: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
}

// /healthz answers while the process is up; /readyz fails while the database
// cannot take writes (another process holds its write lock) and when its file
// is gone, and recovers when the database does.
func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	if code, body := httpGet(t, s.BaseURL+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	if code, body := httpGet(t, s.BaseURL+"/readyz"); code != 200 {
		t.Fatalf("/readyz: %d %q", code, body)
	}
	dbPath := filepath.Join(s.DataDir, "artbridge.db")
	other, err := sql.Open("sqlite3", "file:"+dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	code, body := httpGet(t, s.BaseURL+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "not ready") {
		t.Errorf("/readyz while the database is locked: %d %q", code, body)
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if code, _ := httpGet(t, s.BaseURL+"/readyz"); code != 200 {
		t.Errorf("/readyz after the lock was released: %d", code)
	}
	if err := os.Rename(dbPath, dbPath+".moved"); err != nil {
		t.Fatal(err)
	}
	if code, _ := httpGet(t, s.BaseURL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database file gone: %d", code)
	}
	if err := os.Rename(dbPath+".moved", dbPath); err != nil {
		t.Fatal(err)
	}
	if code, _ := httpGet(t, s.BaseURL+"/readyz"); code != 200 {
		t.Errorf("/readyz with the database file back: %d", code)
	}
	if code, _ := httpGet(t, s.BaseURL+"/healthz"); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
}

// With [metrics] token, /metrics and the admin page need the bearer token.
func TestMetricsToken(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{extraTOML: "\n[metrics]\nlisten = \"127.0.0.1:0\"\ntoken = \"s3cret-metrics-token\"\n"})
	base := metricsURL(t, s)
	for _, path := range []string{"/metrics", "/admin"} {
		if code, _ := httpGet(t, base+path); code != http.StatusUnauthorized {
			t.Errorf("%s without the token: %d, want 401", path, code)
		}
		if code, _ := httpGet(t, base+path, "Authorization", "Bearer wrong"); code != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %d, want 401", path, code)
		}
		if code, _ := httpGet(t, base+path, "Authorization", "Bearer s3cret-metrics-token"); code != http.StatusOK {
			t.Errorf("%s with the token: %d, want 200", path, code)
		}
	}
}
