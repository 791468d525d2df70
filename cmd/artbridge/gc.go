package main

import "runtime/debug"

// Garbage collector defaults for serve. Go's default (GOGC=100) collects each
// time the heap doubles; serve allocates briskly on its hot paths (HTTP
// requests, JSON, signatures) while its live heap stays small (tens of MB),
// so it spent 5–10 % of its CPU collecting during a fan-out. It collects when
// the heap has grown by serveGCPercent instead, and, so that a burst cannot
// grow it far, harder as the process nears serveMemoryLimit. An operator's
// GOGC or GOMEMLIMIT in the environment wins over either.
const (
	serveGCPercent   = 300
	serveMemoryLimit = 512 << 20
)

// tuneGC applies the serve defaults not overridden by the environment.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
}

// C allocator settings for serve (malloc_glibc.go): up to mallocTrimThreshold
// of freed memory is kept for reuse rather than returned to the kernel, and
// the heap grows by mallocTopPad beyond each request.
const (
	mallocTrimThreshold = 64 << 20
	mallocTopPad        = 16 << 20
)
