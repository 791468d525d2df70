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
	"testing/iotest"
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
	cpu := processCPU()
	for b.Loop() {
		if err := RunFilterTest([]byte(dccSampleCriteria), bytes.NewReader(in.Bytes()), io.Discard, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if c := processCPU() - cpu; c > 0 {
		b.ReportMetric(float64(b.N)*lines/c.Seconds(), "lines/cpu-s")
	}
	b.ReportMetric(float64(b.N)*lines/b.Elapsed().Seconds(), "lines/s")
}

// splitLinesReference is what lineReader must produce: the lines of b
// without their "\n", a last line without "\n" included.
func splitLinesReference(b []byte) [][]byte {
	if len(b) == 0 {
		return nil
	}
	lines := bytes.Split(b, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// readAllLines reads every line of r through a lineReader whose buffer
// starts at size bytes.
func readAllLines(t testing.TB, r io.Reader, size int) [][]byte {
	l := lineReader{r: r, buf: make([]byte, size)}
	var out [][]byte
	for range 1 << 20 {
		line, tooLong, err := l.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil || tooLong {
			t.Fatalf("next: %v, tooLong %v", err, tooLong)
		}
		out = append(out, bytes.Clone(line))
	}
	t.Fatal("lineReader does not end")
	return nil
}

func TestLineReaderChunkBoundaries(t *testing.T) {
	var in bytes.Buffer
	for i := range 300 {
		in.WriteString(strings.Repeat("x", i*7%97))
		in.WriteString("\n")
	}
	in.WriteString("last line without newline")
	want := splitLinesReference(in.Bytes())
	for _, size := range []int{1, 2, 16, 100, 4096} {
		for name, r := range map[string]io.Reader{
			"whole":   bytes.NewReader(in.Bytes()),
			"onebyte": iotest.OneByteReader(bytes.NewReader(in.Bytes())),
			"half":    iotest.HalfReader(bytes.NewReader(in.Bytes())),
			"dataerr": iotest.DataErrReader(bytes.NewReader(in.Bytes())),
		} {
			got := readAllLines(t, r, size)
			if len(got) != len(want) {
				t.Fatalf("%s/%d: %d lines, want %d", name, size, len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("%s/%d: line %d = %q, want %q", name, size, i, got[i], want[i])
				}
			}
		}
	}
}

type errAfterReader struct {
	r   io.Reader
	err error
}

func (e *errAfterReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, e.err
	}
	return n, err
}

func TestRunFilterTestReadError(t *testing.T) {
	in := &errAfterReader{r: strings.NewReader(`{"t":"A"}` + "\n"), err: errors.New("disk gone")}
	var out bytes.Buffer
	err := RunFilterTest([]byte(`{"t":"A"}`), in, &out, nil)
	if err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Fatalf("got %v", err)
	}
}

// TestRunFilterTestOverBudget: a dispatch over the filter's step budget
// prints false with a note that says so, and the next line is answered.
func TestRunFilterTestOverBudget(t *testing.T) {
	input := string(contentDispatch(strings.Repeat("a", 4000)+"b")) + "\n" + string(contentDispatch("ab")) + "\n"
	var out, notes bytes.Buffer
	if err := RunFilterTest([]byte(`{"d.content":{"$regex":"(.*a){100}$"}}`), strings.NewReader(input), &out, &notes); err != nil {
		t.Fatal(err)
	}
	if out.String() != "false\nfalse\n" || !strings.HasPrefix(notes.String(), "line 1: filter too costly for this dispatch") || strings.Count(notes.String(), "\n") != 1 {
		t.Fatalf("out %q notes %q", out.String(), notes.String())
	}
}

// FuzzLineReader checks the line splitting of RunFilterTest against
// bytes.Split, over any input and read pattern.
func FuzzLineReader(f *testing.F) {
	for _, s := range []string{"", "\n", "a", "a\n", "a\nb", "\n\n\n", "{}\r\n{}\n", strings.Repeat("ab\n", 40)} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, size uint8) {
		want := splitLinesReference(in)
		got := readAllLines(t, iotest.HalfReader(bytes.NewReader(in)), int(size%64)+1)
		if len(got) != len(want) {
			t.Fatalf("%d lines, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("line %d = %q, want %q", i, got[i], want[i])
			}
		}
	})
}
