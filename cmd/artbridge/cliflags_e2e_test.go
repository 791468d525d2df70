package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The CLI conventions of issue 18 item 6 (except --help), through the built
// binary: `-` reads the image from stdin, flags after the positional argument,
// `post edit --sensitive=false` unmarks, --lang is validated as BCP 47 and
// canonicalised, and publishing without alt text warns.
func TestCLIConventions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "artbridge.toml"), []byte("data_dir = \"data\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(writePNG(t, dir, "art.png"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, builtBinary, "post", "publish", "--image", "-", "--sensitive", "--lang", "PT-br")
	cmd.Dir, cmd.Env = dir, []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	cmd.Stdin = bytes.NewReader(img)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("publish from stdin: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "warning: image 1 (-) has no description") {
		t.Errorf("publishing without alt text did not warn: %q", stderr.String())
	}
	noteIRI := strings.TrimSpace(stdout.String())
	dataDir := filepath.Join(dir, "data")
	submission := func() string {
		t.Helper()
		return queryString(t, dataDir, `SELECT submission FROM posts WHERE note_iri = ?`, noteIRI)
	}
	if s := submission(); !strings.Contains(s, `"sensitive":true`) || !strings.Contains(s, `"language":"pt-BR"`) {
		t.Errorf("published submission %s: want sensitive and the canonical tag pt-BR", s)
	}
	if res := runBinary(t, dir, nil, "post", "edit", noteIRI, "--sensitive=false"); res.Code != 0 {
		t.Fatalf("edit --sensitive=false after the IRI: %d %s", res.Code, res.Stderr)
	}
	if s := submission(); strings.Contains(s, `"sensitive":true`) {
		t.Errorf("--sensitive=false did not unmark: %s", s)
	}
	if res := runBinary(t, dir, nil, "post", "edit", noteIRI, "--text", "new text"); res.Code != 0 {
		t.Fatalf("edit: %d %s", res.Code, res.Stderr)
	}
	if s := submission(); strings.Contains(s, `"sensitive":true`) || !strings.Contains(s, `"language":"pt-BR"`) {
		t.Errorf("an edit without --sensitive or --lang changed them: %s", s)
	}
	for _, bad := range []string{"english", "en_US!", strings.Repeat("a", 100)} {
		res := runBinary(t, dir, nil, "post", "publish", "--image", filepath.Join(dir, "art.png"), "--alt", "x", "--lang", bad)
		if res.Code != exitUsage || !strings.Contains(res.Stderr, "is not a language tag (BCP 47") {
			t.Errorf("--lang %.20q: exit %d, %q", bad, res.Code, res.Stderr)
		}
	}
}
