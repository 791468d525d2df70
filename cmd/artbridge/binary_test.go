package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// builtBinary is the path of the artbridge binary that TestMain builds once with
// `go build`, so tests run every command a user types through the real binary,
// not through Main.
var builtBinary string

// buildBinary compiles ./cmd/artbridge into dir and returns the binary's path.
func buildBinary(dir string) (string, error) {
	bin := filepath.Join(dir, "artbridge")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// binaryResult is what one run of the built binary printed and returned.
type binaryResult struct {
	Stdout, Stderr string
	Code           int
}

// runBinary runs the built artbridge binary with args in dir (the test's temp
// dir when empty) with env added to a minimal environment, and waits at most a
// minute.
func runBinary(t testing.TB, dir string, env []string, args ...string) binaryResult {
	t.Helper()
	if builtBinary == "" {
		t.Fatal("the artbridge binary was not built (TestMain)")
	}
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, builtBinary, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := binaryResult{Stdout: stdout.String(), Stderr: stderr.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run artbridge %s: %v", strings.Join(args, " "), err)
		}
		res.Code = ee.ExitCode()
	}
	return res
}

// TestBinaryVersion runs the built binary's version command.
func TestBinaryVersion(t *testing.T) {
	res := runBinary(t, "", nil, "version")
	if res.Code != 0 || !strings.HasPrefix(res.Stdout, "artbridge ") {
		t.Fatalf("artbridge version: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
}
