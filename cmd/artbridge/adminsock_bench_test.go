package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

// BenchmarkCLIPublishFirstDelivery measures, from outside, `artbridge post
// publish` (the built binary) while the server runs, to the first delivery's
// arrival at a follower's inbox: through the admin socket, and with the socket
// gone (the CLI then writes the database and the server finds the work by
// polling, as before issue 20 item 2). The floor is the same binary's process
// start (`artbridge version`), measured in the same run.
func BenchmarkCLIPublishFirstDelivery(b *testing.B) {
	img := writePNG(b, b.TempDir(), "art.png")
	run := func(b *testing.B, viaSocket bool) {
		s := startServer(b, serverOptions{})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		remote := aptest.NewServer(b)
		a := remote.AddActor("ann")
		if _, err := a.Follow(ctx, "art@"+s.addr); err != nil {
			b.Fatal(err)
		}
		if _, err := remote.WaitFor(ctx, aptest.OfType("Accept"), 15*time.Second); err != nil {
			b.Fatal(err)
		}
		if !viaSocket {
			sock := filepath.Join(s.DataDir, adminSocketName)
			if err := os.Rename(sock, sock+".hidden"); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { os.Rename(sock+".hidden", sock) })
		}
		var toArrival, afterReturn []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			cmd := exec.Command(builtBinary, "post", "publish", "--config", s.Config, "--image", img, "--alt", "A test image.")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("publish: %v\n%s", err, out)
			}
			returned := time.Now()
			ds, err := remote.WaitForN(ctx, i+1, aptest.OfType("Create"), 30*time.Second)
			if err != nil {
				b.Fatal(err)
			}
			arrived := ds[len(ds)-1].Time
			toArrival = append(toArrival, arrived.Sub(start))
			afterReturn = append(afterReturn, arrived.Sub(returned))
		}
		b.StopTimer()
		b.ReportMetric(median(toArrival).Seconds()*1e3, "ms-start-to-arrival")
		b.ReportMetric(median(afterReturn).Seconds()*1e3, "ms-return-to-arrival")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("floor=process-start", func(b *testing.B) {
		var d []time.Duration
		for i := 0; i < b.N; i++ {
			start := time.Now()
			if out, err := exec.Command(builtBinary, "version").CombinedOutput(); err != nil {
				b.Fatalf("version: %v %s", err, out)
			}
			d = append(d, time.Since(start))
		}
		b.ReportMetric(median(d).Seconds()*1e3, "ms-process")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("socket", func(b *testing.B) { run(b, true) })
	b.Run("polling-fallback", func(b *testing.B) { run(b, false) })
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
