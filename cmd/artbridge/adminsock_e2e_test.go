package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

// While the server runs, `post publish` from the built binary goes through the
// admin socket: the server does the work (the log says so), and the first
// delivery leaves at once instead of after the delivery worker's next poll
// (issue 20 item 2: ~930 ms before the socket).
//
// The delivery worker polls only once an hour here, so a delivery that arrives
// within seconds was woken by the socket, not found by a poll; the latency
// itself (issue 20: ≤ 100 ms) is measured by BenchmarkCLIPublishFirstDelivery,
// not asserted in a timed test on a shared machine.
func TestCLIPublishThroughTheSocketDeliversAtOnce(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{extraTOML: "\n[delivery]\npoll_interval = \"1h\"\n"})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	remote := aptest.NewServer(t)
	follow(t, ctx, s, remote.AddActor("ann"))
	if fi, err := os.Stat(filepath.Join(s.DataDir, adminSocketName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin socket: %v (mode %v), want 0600", err, fi.Mode())
	}

	img := writePNG(t, t.TempDir(), "art.png")
	res := runBinary(t, "", nil, "post", "publish", "--config", s.Config, "--image", img, "--alt", "A test image.")
	returned := time.Now()
	if res.Code != 0 {
		t.Fatalf("publish: exit %d\n%s", res.Code, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "using config "+s.Config) {
		t.Errorf("publish did not say which config it used: %q", res.Stderr)
	}
	d := remote.MustWaitFor(t, aptest.OfType("Create"), 15*time.Second)
	t.Logf("the first delivery arrived %v after publish returned", d.Time.Sub(returned))
	if !strings.Contains(s.Log.String(), "admin command") {
		t.Errorf("the server did not run the command through its socket:\n%s", s.Log.String())
	}
	if strings.TrimSpace(res.Stdout) != d.Object()["id"] {
		t.Errorf("publish printed %q, the follower got %v", res.Stdout, d.Object()["id"])
	}
}

// A takedown through the socket whose media file cannot be removed exits non-zero
// and says that the image is still online. The media file is replaced by a
// non-empty directory of the same name: removing it fails with "directory not
// empty" even for root (tests run as root, so permission bits would not stop
// the removal, and chattr is not available), and the failure comes from the
// server's real os.Remove on the real path.
func TestTakedownWithUnremovableMediaFails(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	img := writePNG(t, t.TempDir(), "art.png")
	res := runBinary(t, "", nil, "post", "publish", "--config", s.Config, "--image", img, "--alt", "A test image.")
	if res.Code != 0 {
		t.Fatalf("publish: exit %d\n%s", res.Code, res.Stderr)
	}
	noteIRI := strings.TrimSpace(res.Stdout)
	files, err := filepath.Glob(filepath.Join(s.DataDir, "media", "*.png"))
	if err != nil || len(files) != 1 {
		t.Fatalf("media files: %v %v", files, err)
	}
	if err := os.Remove(files[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(files[0], "keep"), 0o700); err != nil {
		t.Fatal(err)
	}

	res = runBinary(t, "", nil, "post", "delete", noteIRI, "--config", s.Config) // flags after the argument
	if res.Code == 0 {
		t.Fatalf("the takedown exited 0 although its media is still there:\n%s%s", res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "media could not be removed") || !strings.Contains(res.Stderr, "still served") {
		t.Errorf("the takedown did not say the media is still online: %q", res.Stderr)
	}
	if !strings.Contains(res.Stdout, "deleted "+noteIRI) {
		t.Errorf("the takedown did not report the deletion itself: %q", res.Stdout)
	}
}

// Without a running server, a command run as another user than the data
// directory's owner is refused (it would leave files the server cannot change).
func TestCLIAsAnotherUserIsRefused(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the data directory to another uid")
	}
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dataDir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "artbridge.toml")
	if err := os.WriteFile(cfg, []byte("data_dir = \"data\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	img := writePNG(t, dir, "art.png")
	for _, args := range [][]string{
		{"post", "publish", "--image", img, "--alt", "x"},
		{"post", "list"},
		{"moderation", "undo", "1"},
	} {
		res := runBinary(t, dir, nil, args...)
		if res.Code == 0 || !strings.Contains(res.Stderr, "belongs to uid 65534") {
			t.Errorf("%v as root on a data dir of uid 65534: exit %d, %q", args, res.Code, res.Stderr)
		}
		if !strings.Contains(res.Stderr, "using config artbridge.toml") && !strings.Contains(res.Stderr, "using config "+cfg) {
			t.Errorf("%v did not find ./artbridge.toml: %q", args, res.Stderr)
		}
	}
	if entries, _ := os.ReadDir(dataDir); len(entries) != 0 {
		t.Errorf("the refused commands left files in the data directory: %v", entries)
	}
}
