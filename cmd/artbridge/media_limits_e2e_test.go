package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/artbridge/artbridge/discord/discordtest"
)

// scansAdvice is what an artist reads when a JPEG has too many progressive
// scans.
const scansAdvice = "this image has too many progressive passes — export it again as a normal JPEG"

// progressiveJPEGFile builds, from the JPEG standard, a valid progressive
// grey JPEG of w×h pixels with the given number of scans: one DC scan, then
// AC scans that code the whole band as end-of-band runs. A few kilobytes,
// yet every scan makes a decoder walk every 8×8 block again: with 800 scans
// at 2000×2000 it is the hostile file of issue 15 (seconds of CPU).
func progressiveJPEGFile(w, h, scans int) []byte {
	seg := func(b []byte, marker byte, payload ...byte) []byte {
		return append(binary.BigEndian.AppendUint16(append(b, 0xff, marker), uint16(len(payload)+2)), payload...)
	}
	var q [65]byte
	for i := 1; i < 65; i++ {
		q[i] = 1
	}
	b := seg([]byte{0xff, 0xd8}, 0xdb, q[:]...)                                     // SOI, DQT
	b = seg(b, 0xc2, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 1, 1, 0x11, 0)    // SOF2, 1 component
	b = seg(b, 0xc4, append([]byte{0x00, 1}, append(make([]byte, 15), 0x00)...)...) // DC: '0' = category 0
	ac := append([]byte{0x10, 0, 0, 0, 15}, make([]byte, 12)...)                    // AC: 4-bit codes for
	for n := range 15 {                                                             // EOB0..EOB14
		ac = append(ac, byte(n<<4))
	}
	b = seg(b, 0xc4, ac...)
	blocks := ((w + 7) / 8) * ((h + 7) / 8)
	var bw bitWriter
	flush := func() {
		b = append(b, bw.finish()...)
		bw = bitWriter{}
	}
	b = seg(b, 0xda, 1, 1, 0x00, 0, 0, 0) // DC scan
	for range blocks {
		bw.write(0, 1)
	}
	flush()
	for s := 1; s < scans; s++ {
		b = seg(b, 0xda, 1, 1, 0x00, 1, 63, 0) // AC scan of the whole band
		for left := blocks; left > 0; {
			run := min(left, 1<<15-1)
			n := bits.Len(uint(run)) - 1
			bw.write(uint32(n), 4)
			bw.write(uint32(run-1<<n), uint(n))
			left -= run
		}
		flush()
	}
	return append(b, 0xff, 0xd9)
}

// bitWriter writes JPEG entropy-coded bits with 0xFF byte stuffing.
type bitWriter struct {
	out  []byte
	acc  uint32
	nacc uint
}

func (w *bitWriter) write(v uint32, n uint) {
	for n > 0 {
		n--
		w.acc = w.acc<<1 | v>>n&1
		if w.nacc++; w.nacc == 8 {
			w.emit(byte(w.acc))
		}
	}
}

func (w *bitWriter) emit(c byte) {
	w.out = append(w.out, c)
	if c == 0xff {
		w.out = append(w.out, 0)
	}
	w.acc, w.nacc = 0, 0
}

func (w *bitWriter) finish() []byte {
	if w.nacc > 0 {
		w.emit(byte(w.acc<<(8-w.nacc) | 0xff>>w.nacc))
	}
	return w.out
}

// `post publish` with the hostile JPEG, through the built binary: exit status
// 2, the artist's message on stderr, nothing published, while the server
// keeps answering.
func TestPostPublishRefusesAJPEGWithTooManyScans(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	dir := t.TempDir()
	hostile := filepath.Join(dir, "hostile.jpg")
	if err := os.WriteFile(hostile, progressiveJPEGFile(2000, 2000, 800), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := runBinary(t, dir, nil, "post", "publish", "--config", s.Config, "--image", hostile, "--alt", "A test.",
		"--text", "New piece")
	if res.Code != 2 {
		t.Fatalf("post publish exit %d, want 2\nstdout: %s\nstderr: %s", res.Code, res.Stdout, res.Stderr)
	}
	t.Logf("stderr: %s", res.Stderr)
	if !strings.Contains(res.Stderr, scansAdvice) || !strings.Contains(res.Stderr, "hostile.jpg") {
		t.Fatalf("stderr %q lacks the file name and %q", res.Stderr, scansAdvice)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("refusing took %v", d)
	}
	if n := countRows(t, s.DataDir, "posts"); n != 0 {
		t.Fatalf("%d posts published", n)
	}
	// Accepted files still go through, and the server answers.
	ok := runBinary(t, dir, nil, "post", "publish", "--config", s.Config, "--image", writePNG(t, dir, "fine.png"),
		"--alt", "A test.", "--text", "New piece")
	if ok.Code != 0 {
		t.Fatalf("a normal PNG: exit %d: %s", ok.Code, ok.Stderr)
	}
	if code, err := webfingerStatus(t.Context(), s); err != nil || code != http.StatusOK {
		t.Fatalf("webfinger: %d %v", code, err)
	}
}

// webfingerStatus asks the server for its actor and returns the status.
func webfingerStatus(ctx context.Context, s *server) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	host := strings.TrimPrefix(s.BaseURL, "http://")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.BaseURL+"/.well-known/webfinger?resource=acct:art@"+host, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// A Discord submission with the hostile JPEG, next to a costly progressive
// JPEG the limits accept (64 scans): the thread says what is wrong with the
// hostile file, the accepted one gets its panel, and WebFinger keeps
// answering promptly during the intake. (The accepted file is kept well under
// the scan budget so that it is checked within the 30 s deadline even under
// -race on a loaded machine.)
func TestDiscordSubmissionRefusesAJPEGWithTooManyScans(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, "")

	heavy := progressiveJPEGFile(2500, 2500, 64) // accepted, yet costly: 64 scans
	hostile := progressiveJPEGFile(2000, 2000, 800)
	thread, err := w.dc.CreateForumThread(w.forum, artistID, "Tests", "Two exports",
		discordtest.File{Name: "heavy.jpg", ContentType: "image/jpeg", Data: heavy, Width: 2500, Height: 2500},
		discordtest.File{Name: "hostile.jpg", ContentType: "image/jpeg", Data: hostile, Width: 2000, Height: 2000})
	if err != nil {
		t.Fatal(err)
	}

	// Ask WebFinger over and over until the panel is there.
	var (
		mu      sync.Mutex
		answers []time.Duration
		failure error
	)
	pollCtx, stopPolling := context.WithCancel(ctx)
	var polling sync.WaitGroup
	polling.Go(func() {
		for pollCtx.Err() == nil {
			start := time.Now()
			code, err := webfingerStatus(pollCtx, s)
			if pollCtx.Err() != nil {
				return
			}
			mu.Lock()
			if err == nil && code != http.StatusOK {
				err = fmt.Errorf("status %d", code)
			}
			if err != nil && failure == nil {
				failure = err
			}
			answers = append(answers, time.Since(start))
			mu.Unlock()
		}
	})
	posted := time.Now()
	p := w.panel(t, ctx, thread, nil)
	intake := time.Since(posted)
	stopPolling()
	polling.Wait()

	text := panelText(p)
	if !strings.Contains(text, "hostile.jpg") || !strings.Contains(text, scansAdvice) {
		t.Fatalf("panel does not tell the artist why hostile.jpg is left out:\n%s", text)
	}
	if strings.Contains(text, "<nil>") || strings.Contains(text, "media:") {
		t.Fatalf("panel shows an internal error:\n%s", text)
	}
	mu.Lock()
	defer mu.Unlock()
	if failure != nil {
		t.Fatalf("WebFinger failed during the intake: %v", failure)
	}
	if len(answers) == 0 {
		t.Fatal("no WebFinger answer during the intake")
	}
	t.Logf("intake took %v; %d WebFinger answers meanwhile, the slowest %v", intake, len(answers), slices.Max(answers))
	for _, d := range answers {
		if d > 2*time.Second {
			t.Fatalf("a WebFinger answer took %v during the intake (answers: %v)", d, answers)
		}
	}
}
