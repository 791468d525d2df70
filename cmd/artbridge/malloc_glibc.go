//go:build linux && cgo

package main

/*
#include <malloc.h>

// ab_malloc_keep sets how much freed memory C's allocator keeps before it
// returns any to the kernel, and how much it asks for beyond each request.
// It reports 0 when glibc refused either setting.
static int ab_malloc_keep(int trim, int pad) {
	return mallopt(M_TRIM_THRESHOLD, trim) && mallopt(M_TOP_PAD, pad);
}
*/
import "C"

// tuneMalloc keeps glibc's malloc from handing freed memory straight back to
// the kernel. SQLite and libcrypto allocate through it: by default glibc trims
// its heap whenever 128 KiB at the top are free, so SQLite's page cache, which
// frees and reallocates pages with every group commit, took a page fault for
// each page it touched again. Measured in BenchmarkInboxSignedActivities, the
// inbox spent 350–550 CPU-µs per activity with the default and 250–280 with
// these values (docs/performance.md, "Inbound"). The memory kept is bounded by
// mallocTrimThreshold. An operator's GLIBC_TUNABLES wins: it is left alone.
func tuneMalloc(getenv func(string) string) bool {
	if getenv("GLIBC_TUNABLES") != "" {
		return false
	}
	return C.ab_malloc_keep(C.int(mallocTrimThreshold), C.int(mallocTopPad)) != 0
}
