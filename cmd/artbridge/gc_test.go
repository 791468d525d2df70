package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// TestTuneGCLeavesOperatorSettings checks the serve defaults and that GOGC
// and GOMEMLIMIT from the environment are left alone. It changes process-wide
// settings, so it restores them and does not run in parallel.
func TestTuneGCLeavesOperatorSettings(t *testing.T) {
	prevPercent := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(prevPercent)
		debug.SetMemoryLimit(prevLimit)
	})
	const unlimited = int64(1<<63 - 1)

	debug.SetGCPercent(100)
	debug.SetMemoryLimit(unlimited)
	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Errorf("GC percent %d, want %d", got, serveGCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != serveMemoryLimit {
		t.Errorf("memory limit %d, want %d", got, serveMemoryLimit)
	}

	debug.SetGCPercent(100)
	debug.SetMemoryLimit(unlimited)
	tuneGC(func(k string) string { return map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB"}[k] })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set by the operator was overridden: %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != unlimited {
		t.Errorf("GOMEMLIMIT set by the operator was overridden: %d", got)
	}
}

// TestTuneMallocLeavesOperatorSettings checks that GLIBC_TUNABLES from the
// environment turns the allocator defaults off, and that glibc takes them
// otherwise (on Linux, where the build links it: SQLite needs cgo).
func TestTuneMallocLeavesOperatorSettings(t *testing.T) {
	if tuneMalloc(func(k string) string { return map[string]string{"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1"}[k] }) {
		t.Error("allocator settings applied over the operator's GLIBC_TUNABLES")
	}
	applied := tuneMalloc(func(string) string { return "" })
	if runtime.GOOS == "linux" && !applied {
		t.Error("glibc refused the allocator settings")
	}
}
