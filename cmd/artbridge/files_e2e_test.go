package main

import (
	"os"
	"path/filepath"
	"testing"
)

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %v, want %v", path, got, want)
	}
}

// The database, its WAL and SHM, backups and media are for the service user
// only (files 0600, directories 0700), also when the data directory existed
// before with looser modes (issue 15 item 6).
func TestDataFilesAreOwnerOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	if err := os.MkdirAll(filepath.Join(dataDir, "media"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dataDir, 0o755)
	os.Chmod(filepath.Join(dataDir, "media"), 0o755)
	old := filepath.Join(dataDir, "media", "old.png")
	if err := os.WriteFile(old, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(old, 0o644)
	cfg := filepath.Join(dir, "artbridge.toml")
	if err := os.WriteFile(cfg, []byte("data_dir = \"data\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	img := writePNG(t, dir, "art.png")
	if res := runBinary(t, dir, nil, "post", "publish", "--image", img, "--alt", "A test image."); res.Code != 0 {
		t.Fatalf("publish: %d %s", res.Code, res.Stderr)
	}
	wantMode(t, dataDir, 0o700)
	wantMode(t, filepath.Join(dataDir, "media"), 0o700)
	wantMode(t, old, 0o600)
	wantMode(t, filepath.Join(dataDir, "artbridge.db"), 0o600)
	wantMode(t, filepath.Join(dataDir, "actor_key.pem"), 0o600)
	media, _ := filepath.Glob(filepath.Join(dataDir, "media", "*.png"))
	if len(media) != 2 {
		t.Fatalf("media files: %v", media)
	}
	for _, m := range media {
		wantMode(t, m, 0o600)
	}

	s := startServer(t, serverOptions{dataDir: dataDir})
	for _, f := range []string{"artbridge.db", "artbridge.db-wal", "artbridge.db-shm", adminSocketName} {
		wantMode(t, filepath.Join(dataDir, f), 0o600)
	}
	backup := filepath.Join(dir, "backup.db")
	if res := runBinary(t, dir, nil, "backup", "--config", s.Config, backup); res.Code != 0 {
		t.Fatalf("backup: %d %s", res.Code, res.Stderr)
	}
	wantMode(t, backup, 0o600)
}
