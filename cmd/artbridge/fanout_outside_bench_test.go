package main

import (
	"context"
	"net/http"
	"os/exec"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

// BenchmarkFanOut1000FromOutside measures what an operator sees (issue 20):
// from the start of `artbridge post publish` to the 1,000th verified arrival.
// The server is the built binary in a process of its own; this test process is
// the load: 1,000 fake hosts that verify every signature, on the same cores.
// The CLI reaches the running server through its admin socket.
func BenchmarkFanOut1000FromOutside(b *testing.B) {
	const n = 1000
	fleet := aptest.NewFleet(b, n)
	dataDir := b.TempDir()
	probe := startServer(b, serverOptions{dataDir: dataDir})
	cfgPath, base := probe.Config, probe.BaseURL
	probe.Stop()
	seedFollowers(b, dataDir, fleet)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	srv := exec.CommandContext(ctx, builtBinary, "serve", "--config", cfgPath)
	logs := &syncBuffer{}
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("the server did not become ready: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	img := writePNG(b, b.TempDir(), "art.png")
	var took []time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		out, err := exec.Command(builtBinary, "post", "publish", "--config", cfgPath, "--image", img,
			"--alt", "A test image.", "--text", "Benchmark").CombinedOutput()
		if err != nil {
			b.Fatalf("publish: %v\n%s", err, out)
		}
		if got, err := fleet.WaitTotal(ctx, (i+1)*n, 60*time.Second); err != nil {
			b.Fatalf("%d of %d arrived: %v\n%s", got, (i+1)*n, err, logs.String())
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(took[len(took)/2].Seconds(), "s-median-start-to-1000th")
	if fleet.Rejected() != 0 {
		b.Fatalf("%d deliveries refused: %q", fleet.Rejected(), fleet.RejectedReasons())
	}
}
