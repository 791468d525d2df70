package filter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunFilterTest(t *testing.T) {
	var lines []string
	for _, name := range []string{"message_create.json", "typing_start.json", "message_create_bot.json", "message_create_dm.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.TrimSpace(string(b)))
	}
	input := lines[0] + "\n" + lines[1] + "\n\n   \n" + `{"t":"MESSAGE_CREATE",` + "\n" + lines[2] + "\r\n" + lines[3] // last line unterminated
	criteria := `{"t":"MESSAGE_CREATE","d.author.bot":{"$ne":true}}`
	var out, notes bytes.Buffer
	if err := RunFilterTest([]byte(criteria), strings.NewReader(input), &out, &notes); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "true\nfalse\nfalse\nfalse\ntrue\n"; got != want {
		t.Fatalf("output %q, want %q", got, want)
	}
	if !strings.HasPrefix(notes.String(), "line 5: invalid JSON") || strings.Count(notes.String(), "\n") != 1 {
		t.Fatalf("notes %q", notes.String())
	}
}

func TestRunFilterTestBadCriteria(t *testing.T) {
	var out bytes.Buffer
	err := RunFilterTest([]byte(`{"t":{"$where":"1"}}`), strings.NewReader("{}\n"), &out, nil)
	if !errors.Is(err, ErrInvalidCriteria) || !strings.Contains(err.Error(), "$where") {
		t.Fatalf("got %v", err)
	}
	if out.Len() != 0 {
		t.Fatalf("wrote %q before failing", out.String())
	}
}

func TestRunFilterTestLongLine(t *testing.T) {
	long := `{"t":"` + strings.Repeat("x", MaxDispatchLineBytes) + `"}`
	input := long + "\n" + `{"t":"A"}` + "\n"
	var out, notes bytes.Buffer
	if err := RunFilterTest([]byte(`{"t":"A"}`), strings.NewReader(input), &out, &notes); err != nil {
		t.Fatal(err)
	}
	if out.String() != "false\ntrue\n" || !strings.Contains(notes.String(), "line 1: longer than") {
		t.Fatalf("out %q notes %q", out.String(), notes.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRunFilterTestWriteError(t *testing.T) {
	err := RunFilterTest([]byte(`{}`), strings.NewReader("{}\n"), failingWriter{}, nil)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v", err)
	}
}

// BenchmarkRunFilterTest runs RunFilterTest in-process over 50,000 lines of
// message_create_2k.json (ids varied, every 10th author a bot) with DCC's
// sample criteria; cmd/artbridge's BenchmarkFilterTestBinary measures the
// whole process.
func BenchmarkRunFilterTest(b *testing.B) {
	tmpl := bytes.TrimSpace(loadDispatch(b, "message_create_2k.json"))
	var in bytes.Buffer
	const lines = 50_000
	for i := range lines {
		line := bytes.Replace(tmpl, []byte(`"id":"1350143731306856489"`), fmt.Appendf(nil, `"id":"%d"`, 1350143731306856489+i), 1)
		if i%10 == 0 {
			line = bytes.Replace(line, []byte(`"username":"saltmarsh.studio"`), []byte(`"bot":true,"username":"saltmarsh.studio"`), 1)
		}
		in.Write(line)
		in.WriteByte('\n')
	}
	b.SetBytes(int64(in.Len()))
	for b.Loop() {
		if err := RunFilterTest([]byte(dccSampleCriteria), bytes.NewReader(in.Bytes()), io.Discard, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*lines/b.Elapsed().Seconds(), "lines/s")
}
