package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/ap/aptest"
	"github.com/artbridge/artbridge/storage"
)

// subprocessEnv makes the test binary run `artbridge` itself (see TestMain), so
// a test can SIGKILL a real server process.
const subprocessEnv = "ARTBRIDGE_TEST_SUBPROCESS_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(subprocessEnv); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, strings.Split(args, "\x1f"), Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
		stop()
		os.Exit(code)
	}
	dir, err := os.MkdirTemp("", "artbridge-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	builtBinary, err = buildBinary(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// seedFollowers writes followers straight into a data directory's database.
func seedFollowers(t testing.TB, dataDir string, fleet *aptest.Fleet) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(dataDir, "artbridge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, iri := range fleet.ActorIRIs() {
		a := fleet.Actor(i)
		if err := db.AddFollower(ctx, ap.Follower{ActorIRI: iri, Inbox: a.Inbox(), SharedInbox: a.SharedInbox(),
			FollowID: iri + "#follow", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
}

func deliveredInboxes(t *testing.T, dataDir, activityIRI string) map[string]bool {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dataDir, "artbridge.db")+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT inbox FROM deliveries WHERE activity_iri = ? AND state = 'delivered'`, activityIRI)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var in string
		if err := rows.Scan(&in); err != nil {
			t.Fatal(err)
		}
		out[in] = true
	}
	return out
}

// TestKill9DuringFanOutLosesNothing publishes to 1,000 inboxes, SIGKILLs the
// server in the middle of the fan-out, restarts it, and checks that every inbox
// gets the Create and none that had answered 2xx (as recorded) gets it twice.
func TestKill9DuringFanOutLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 1,000 fake servers")
	}
	const n = 1000
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fleet := aptest.NewFleet(t, n)
	for i := range n {
		fleet.Server(i).SetLatency(40 * time.Millisecond) // slow enough to kill mid-way
	}

	dataDir := t.TempDir()
	probe := startServer(t, serverOptions{dataDir: dataDir}) // writes the config, generates the key
	addr, cfgPath := probe.addr, probe.Config
	probe.Stop()
	seedFollowers(t, dataDir, fleet)

	// Queue the fan-out from the CLI while no server runs.
	img := writePNG(t, t.TempDir(), "art.png")
	out, code := runCLI(t, "post", "publish", "--config", cfgPath, "--image", img, "--alt", "A test image.")
	if code != 0 {
		t.Fatalf("publish: %d", code)
	}
	noteIRI := strings.TrimSpace(out)
	createIRI := fmt.Sprint(queryString(t, dataDir, `SELECT iri FROM activities WHERE object_iri = ? AND type = 'Create'`, noteIRI))
	if q := queryInt(t, dataDir, `SELECT COUNT(*) FROM deliveries WHERE activity_iri = ? AND state = 'queued'`, createIRI); q != n {
		t.Fatalf("%d deliveries queued, want %d", q, n)
	}

	// A real server process, killed with SIGKILL mid fan-out.
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), subprocessEnv+"="+strings.Join([]string{"serve", "--config", cfgPath}, "\x1f"))
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if got, err := fleet.WaitTotal(ctx, n/5, 60*time.Second); err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("only %d deliveries before the kill: %v\n%s", got, err, logs.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	before := fleet.Total()
	recorded := deliveredInboxes(t, dataDir, createIRI)
	if len(recorded) >= n {
		t.Fatalf("the kill came too late: all %d delivered already", len(recorded))
	}
	t.Logf("killed after %d deliveries (%d recorded as delivered)", before, len(recorded))

	// Restart on the same address and data directory.
	startServer(t, serverOptions{dataDir: dataDir, addr: addr, extraTOML: ""})
	if got, err := fleet.WaitReached(ctx, createIRI, n, 90*time.Second); err != nil {
		t.Fatalf("after restart %d/%d inboxes have the Create: %v", got, n, err)
	}
	per := fleet.DeliveriesPerInbox()
	for inbox := range recorded {
		if per[inbox] != 1 {
			t.Errorf("%s answered 2xx before the kill and got the Create %d times", inbox, per[inbox])
		}
	}
	if fleet.Rejected() != 0 {
		t.Fatalf("%d deliveries refused by the fleet: %q", fleet.Rejected(), fleet.RejectedReasons())
	}
}

func queryString(t testing.TB, dataDir, q string, args ...any) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dataDir, "artbridge.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s string
	if err := db.QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}
