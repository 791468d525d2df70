package filter

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxDispatchLineBytes is the longest dispatch line RunFilterTest reads.
const MaxDispatchLineBytes = 16 << 20

// RunFilterTest backs `artbridge relay filter-test --criteria FILE.json
// --dispatches FILE.jsonl`. It compiles criteria and, for each line of
// dispatches (one whole gateway payload per line), writes "true" or "false"
// to out. Lines that are empty or only white space are skipped and produce
// no output. A line that is not valid JSON (or is longer than
// MaxDispatchLineBytes) prints "false", after a note to notes naming the
// line number and the problem (the CLI passes stderr; nil discards notes).
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
	r := bufio.NewReaderSize(dispatches, 64<<10)
	w := bufio.NewWriter(out)
	for line := 1; ; line++ {
		b, tooLong, err := readLine(r)
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
		} else if _, note = skipValueWS(b); note == nil {
			result, note = f.Match(b)
		}
		if note != nil {
			// Flush first so that notes and results keep their order
			// when both go to a terminal.
			if err := w.Flush(); err != nil {
				return fmt.Errorf("filter-test: write: %w", err)
			}
			fmt.Fprintf(notes, "line %d: %v\n", line, note)
		}
		if _, werr := fmt.Fprintln(w, result); werr != nil {
			return fmt.Errorf("filter-test: write: %w", werr)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("filter-test: write: %w", err)
	}
	return nil
}

// readLine reads one line without its line ending. tooLong reports a line
// over MaxDispatchLineBytes (whose bytes are discarded). It returns io.EOF
// only when no line is left.
func readLine(r *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			return buf, tooLong, err
		}
		if !tooLong {
			if len(buf)+len(chunk) > MaxDispatchLineBytes {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if !isPrefix {
			if buf == nil && !tooLong {
				buf = []byte{}
			}
			return buf, tooLong, nil
		}
	}
}

// skipValueWS validates that b is exactly one JSON value.
func skipValueWS(b []byte) (int, error) {
	i := skipWS(b, 0)
	end, err := skipValue(b, i, 0)
	if err != nil {
		return 0, err
	}
	if j := skipWS(b, end); j != len(b) {
		return 0, errAt(j, "data after the JSON value")
	}
	return end, nil
}
