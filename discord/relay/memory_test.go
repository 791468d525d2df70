package relay_test

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/discord/discordtest"
)

// idleRelays registers n relays against one fake Discord, waits until every
// gateway session is connected, and returns the process's resident memory
// in MB (the fake Discord and the test run in the same process, so this
// overstates the relay's own share).
func idleRelays(tb testing.TB, n int) float64 {
	dt := discordtest.New(tb, discordtest.Options{HeartbeatInterval: 5 * time.Second})
	e := newEnvWith(tb, dt, tb.TempDir(), nil)
	for i := range n {
		token := fmt.Sprintf("idle-token-%03d", i)
		dt.AddBot(token, fmt.Sprint(10000+i))
		e.register(fmt.Sprintf("idle%03d", i), registration{Token: token, Intents: intentsMessages,
			Criteria: map[string]any{"t": "MESSAGE_CREATE", "d.content": map[string]any{"$regex": "^!art"}},
			Dst:      "ws://127.0.0.1:9/bot", ClientSecret: "s"})
	}
	waitFor(tb, "all gateways", func() bool {
		for i := range n {
			if dt.Connected(fmt.Sprintf("idle-token-%03d", i)) != 1 {
				return false
			}
		}
		return true
	})
	time.Sleep(500 * time.Millisecond)
	runtime.GC()
	return rssMB(tb)
}

// rssMB reads VmRSS from /proc/self/status.
func rssMB(tb testing.TB) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb / 1024
		}
	}
	tb.Skip("VmRSS not found")
	return 0
}

// TestHundredIdleRelaysMemory checks design §7: 100 idle registered bots in
// less than 100 MB RSS (skipped under -race, which multiplies memory use).
func TestHundredIdleRelaysMemory(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("memory figure needs a non-race, non-short run")
	}
	mb := idleRelays(t, 100)
	t.Logf("100 idle relays (and the fake Discord): VmRSS %.1f MB, %d goroutines", mb, runtime.NumGoroutine())
	if mb >= 100 {
		t.Fatalf("VmRSS %.1f MB, want < 100", mb)
	}
}

// BenchmarkHundredIdleRelays reports the resident memory of 100 idle relays.
func BenchmarkHundredIdleRelays(b *testing.B) {
	mb := idleRelays(b, 100)
	for b.Loop() {
	}
	b.ReportMetric(mb, "MB-RSS")
}
