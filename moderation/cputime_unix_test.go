//go:build unix

package moderation

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) the test process has
// used so far. Benchmarks report it next to wall time because the shared
// development machine is often busy with other work.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
