package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/artbridge/artbridge/discord/discordtest"
)

// procCPU returns the user+system CPU time a process has used, from
// /proc/PID/stat (clock ticks of 10 ms).
func procCPU(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	// Fields after the command name (which is in parentheses).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// procRSS returns a process's resident memory in MB.
func procRSS(tb testing.TB, pid int) float64 {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	tb.Skip("no VmRSS")
	return 0
}

// selfCPU returns the user+system CPU time this process (the test: the fake
// Discord, the bots and the benchmark loop) has used.
func selfCPU(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Skipf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// registerCountingBots registers n DCC-style bots (the given criteria) on the
// relay binary and returns them once every gateway connection is up.
func registerCountingBots(tb testing.TB, dt *discordtest.Server, rel *relayBinary, n int, criteria any) []*dccBot {
	tb.Helper()
	bots := make([]*dccBot, n)
	for i := range bots {
		token := fmt.Sprintf("bench-token-%04d", i)
		dt.AddBot(token, fmt.Sprint(20000+i))
		secret := fmt.Sprintf("admin:%04d9e4c7a1f3b5d28e0c6a4f2b8d1e7c3a5", i)
		bots[i] = newDCCBot(tb, secret)
		bots[i].countOnly = true
		body := map[string]any{"token": token, "intents": 4608, "criteria": criteria, "dst": bots[i].dst(),
			"clientSecret": secret}
		if code, out := rel.call(http.MethodPut, fmt.Sprintf("/relays/bench%04d", i), "Bearer "+relayOperatorKey, body); code != http.StatusCreated {
			tb.Fatalf("register %d: %d %s", i, code, out)
		}
	}
	deadline := time.Now().Add(5 * time.Minute)
	for i := range bots {
		for dt.Connected(fmt.Sprintf("bench-token-%04d", i)) != 1 {
			if time.Now().After(deadline) {
				tb.Fatalf("bot %d never connected", i)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return bots
}

// BenchmarkRelayBinaryEndToEnd drives N bots through `artbridge relay` (the
// built binary, a separate process) and discordtest's gateway: each
// iteration is one realistic 2.2 KB MESSAGE_CREATE that the fake Discord
// sends to one bot's gateway connection and that the relay decodes
// (discordgo), matches, queues and writes to the bot's websocket as a raw
// DCC frame. It reports the relay process's CPU per relayed dispatch (from
// /proc, so neither the fake Discord nor the bots are counted) and what
// that makes per core. At most `window` dispatches per bot are in flight (fewer than the relay's queue_size, so none is dropped).
func BenchmarkRelayBinaryEndToEnd(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "discord", "relay", "filter", "testdata", "message_create_2k.json"))
	if err != nil {
		b.Fatal(err)
	}
	var packet struct {
		D json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal(raw, &packet); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("bots=%d", n), func(b *testing.B) {
			dt := discordtest.New(b, discordtest.Options{HeartbeatInterval: 10 * time.Second})
			rel := startRelayBinary(b, dt, "max_relays = 2000")
			bots := registerCountingBots(b, dt, rel, n, map[string]any{"t": "MESSAGE_CREATE",
				"$not": map[string]any{"d.author.bot": true}})
			pid := rel.proc.cmd.Process.Pid
			const window = 64 // below the relay's queue_size (100): nothing dropped
			sent := make([]int, n)
			runtime.GC()
			cpu0, fakes0 := procCPU(b, pid), selfCPU(b)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := i % n
				for sent[k]-bots[k].count() >= window {
					time.Sleep(50 * time.Microsecond)
				}
				dt.Dispatch(fmt.Sprintf("bench-token-%04d", k), "MESSAGE_CREATE", packet.D)
				sent[k]++
			}
			deadline := time.Now().Add(2 * time.Minute)
			for k := range bots {
				for bots[k].count() < sent[k] {
					if time.Now().After(deadline) {
						b.Fatalf("bot %d got %d of %d", k, bots[k].count(), sent[k])
					}
					time.Sleep(100 * time.Microsecond)
				}
			}
			b.StopTimer()
			cpu, fakes := procCPU(b, pid)-cpu0, selfCPU(b)-fakes0
			us := float64(cpu.Microseconds()) / float64(b.N)
			b.ReportMetric(float64(fakes.Microseconds())/float64(b.N), "fakes-cpu-µs/dispatch")
			b.ReportMetric(us, "relay-cpu-µs/dispatch")
			if us > 0 {
				b.ReportMetric(1e6/us, "dispatches/s/core")
			}
			b.ReportMetric(procRSS(b, pid), "relay-RSS-MB")
			rel.proc.stop(b)
		})
	}
}

// BenchmarkRelayBinaryIdleBots registers N idle bots on the relay binary
// and reports its resident memory once every gateway connection is up.
func BenchmarkRelayBinaryIdleBots(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("bots=%d", n), func(b *testing.B) {
			var rss []float64
			for range b.N {
				dt := discordtest.New(b, discordtest.Options{HeartbeatInterval: 30 * time.Second})
				rel := startRelayBinary(b, dt, "max_relays = 2000")
				registerCountingBots(b, dt, rel, n, map[string]any{"t": "MESSAGE_CREATE",
					"d.content": map[string]any{"$regex": "^!art"}})
				rss = append(rss, procRSS(b, rel.proc.cmd.Process.Pid))
				rel.proc.stop(b)
			}
			sort.Float64s(rss)
			b.ReportMetric(rss[len(rss)/2], "relay-RSS-MB")
		})
	}
}
