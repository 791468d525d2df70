package filter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// MaxDispatchLineBytes is the longest dispatch line RunFilterTest reads.
const MaxDispatchLineBytes = 16 << 20

// Buffer sizes of RunFilterTest: it reads dispatches in chunks of
// filterTestReadSize (lines longer than that grow the buffer, up to
// MaxDispatchLineBytes) and writes its answers in chunks of
// filterTestWriteSize.
const (
	filterTestReadSize  = 1 << 20
	filterTestWriteSize = 64 << 10
)

// RunFilterTest backs `artbridge relay filter-test --criteria FILE.json
// --dispatches FILE.jsonl`. It compiles criteria and, for each line of
// dispatches (one whole gateway payload per line), writes "true" or "false"
// to out: the answer the relay gives for that dispatch (MatchTrusted, as the
// relay calls it). Lines that are empty or only white space are skipped and
// produce no output.
//
// A line that is not JSON prints "false" after a note to notes naming the
// line number and the problem (the CLI passes stderr; nil discards notes).
// As in the relay, the parts of a line that the criteria never read are
// skipped without checking their grammar, so a line is reported when its
// brackets or strings do not close, when what the criteria read is
// malformed, or when something follows the value; a stray comma inside an
// unread value is not. A line longer than MaxDispatchLineBytes prints
// "false" with a note, and a dispatch over the filter's step budget
// (ErrOverBudget) prints "false" with a note saying so.
//
// Bad criteria return an error wrapping ErrInvalidCriteria (the CLI exits
// with status 2 and prints it) before anything is read; reading or writing
// failures return other errors.
func RunFilterTest(criteria []byte, dispatches io.Reader, out, notes io.Writer) error {
	f, err := Compile(criteria)
	if err != nil {
		return err
	}
	if notes == nil {
		notes = io.Discard
	}
	r := lineReader{r: dispatches, buf: make([]byte, filterTestReadSize)}
	w := answerWriter{w: out, buf: make([]byte, 0, filterTestWriteSize+16)}
	ev := f.pool.Get().(*evaluator)
	defer f.pool.Put(ev)
	for lineNo := 1; ; lineNo++ {
		b, tooLong, err := r.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("filter-test: read dispatches: %w", err)
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 && !tooLong {
			continue
		}
		result := false
		var note error
		if tooLong {
			note = fmt.Errorf("longer than %d bytes; not evaluated", MaxDispatchLineBytes)
		} else {
			result, note = f.matchTrustedWith(ev, b)
		}
		if note != nil {
			// Flush first so that notes and results keep their order
			// when both go to a terminal.
			if err := w.flush(); err != nil {
				return err
			}
			var syntax *syntaxError
			if errors.As(note, &syntax) {
				note = syntax // "invalid JSON at offset …" says it all
			}
			fmt.Fprintf(notes, "line %d: %v\n", lineNo, note)
		}
		if err := w.answer(result); err != nil {
			return err
		}
	}
	return w.flush()
}

// lineReader splits a reader into lines without copying them: a line is a
// slice of buf, valid until the next call.
type lineReader struct {
	r          io.Reader
	buf        []byte
	start, end int   // the unread bytes are buf[start:end]
	err        error // the reader's error, once it returned one
	skipping   bool  // inside a line over MaxDispatchLineBytes
}

// next returns the next line without its "\n" (a "\r" before it is left for
// the caller's TrimSpace). tooLong reports a line over MaxDispatchLineBytes,
// whose bytes are discarded. It returns io.EOF only when no line is left; a
// last line without "\n" is a line.
func (l *lineReader) next() (line []byte, tooLong bool, err error) {
	scanned := 0 // bytes of buf[start:end] known to hold no "\n"
	for {
		if i := bytes.IndexByte(l.buf[l.start+scanned:l.end], '\n'); i >= 0 {
			line = l.buf[l.start : l.start+scanned+i]
			l.start += scanned + i + 1
			if l.skipping || len(line) > MaxDispatchLineBytes {
				l.skipping = false
				return nil, true, nil
			}
			return line, false, nil
		}
		scanned = l.end - l.start
		if l.err != nil {
			if scanned == 0 && !l.skipping {
				return nil, false, l.err
			}
			line = l.buf[l.start:l.end]
			l.start = l.end
			if l.skipping || len(line) > MaxDispatchLineBytes {
				l.skipping = false
				return nil, true, nil
			}
			return line, false, nil
		}
		if l.skipping || scanned > MaxDispatchLineBytes {
			// Drop what was read of the overlong line and look for its end.
			l.skipping, l.start, l.end, scanned = true, 0, 0, 0
		}
		l.fill()
	}
}

// fill reads more bytes after buf[start:end], moving them to the front or
// growing buf when it is full.
func (l *lineReader) fill() {
	if l.start > 0 {
		l.end = copy(l.buf, l.buf[l.start:l.end])
		l.start = 0
	}
	if l.end == len(l.buf) { // a line longer than buf: grow, at most to one chunk past the limit
		l.buf = append(l.buf, make([]byte, min(len(l.buf), MaxDispatchLineBytes+filterTestReadSize-len(l.buf)))...)
	}
	n, err := l.r.Read(l.buf[l.end:])
	l.end += n
	if err != nil {
		l.err = err
	}
}

// answerWriter buffers the "true"/"false" lines of RunFilterTest.
type answerWriter struct {
	w   io.Writer
	buf []byte
}

func (a *answerWriter) answer(ok bool) error {
	a.buf = strconv.AppendBool(a.buf, ok)
	a.buf = append(a.buf, '\n')
	if len(a.buf) >= filterTestWriteSize {
		return a.flush()
	}
	return nil
}

func (a *answerWriter) flush() error {
	if len(a.buf) == 0 {
		return nil
	}
	_, err := a.w.Write(a.buf)
	a.buf = a.buf[:0]
	if err != nil {
		return fmt.Errorf("filter-test: write: %w", err)
	}
	return nil
}
