package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// filterTestLines is the size of the dispatch file of the filter-test
// benchmark (issue 16 item 5).
const filterTestLines = 50_000

// filterTestCriteria is the shape of DCC's sample bot's criteria: message
// creates from humans that are DMs, mention the bot or start with "!".
const filterTestCriteria = `{"t":"MESSAGE_CREATE","d.author.bot":{"$not":{"$eq":true}},"$or":[{"d.guild_id":{"$exists":false}},{"d.mentions":{"$elemMatch":{"id":"271938371117187072"}}},{"d.content":{"$regex":"^!"}}]}`

// writeFilterTestInput writes the criteria and filterTestLines raw
// MESSAGE_CREATE lines of about 2 KB each (member with roles, author, a
// mention, an attachment, nonce: Discord's own key order, from the filter
// package's testdata) into dir, varied so that every branch of the criteria
// is taken: ids and content differ per line, every 10th author is a bot,
// every 7th message is a DM and every 5th mentions someone else. It returns
// the two paths and how many lines the criteria match.
func writeFilterTestInput(tb testing.TB, dir string) (criteriaPath, dispatchesPath string, matching int) {
	tb.Helper()
	tmpl, err := os.ReadFile(filepath.Join("..", "..", "discord", "relay", "filter", "testdata", "message_create_2k.json"))
	if err != nil {
		tb.Fatal(err)
	}
	tmpl = bytes.TrimSpace(tmpl)
	contents := []string{
		"Finished the lighthouse piece for <@271938371117187072>! Watercolour and ink, 30x40 cm. #traditional #watercolor",
		"!gallery add https://cdn.example/att/1350143731306856489/lighthouse.png",
		"wip of the harbour at dusk, still fighting the reflections \\u2014 any tips? #wip #digital",
		"thanks everyone \\ud83d\\udc99 prints are up on my shop this weekend",
	}
	const (
		idKey      = `"id":"1350143731306856489"`
		contentKey = `"content":"Finished the lighthouse piece for <@271938371117187072>! Watercolour and ink, 30x40 cm. #traditional #watercolor"`
		guildKey   = `"guild_id":"1190411000963416064",`
		authorKey  = `"username":"saltmarsh.studio"`
		mentionKey = `"id":"271938371117187072"`
	)
	for _, k := range []string{idKey, contentKey, guildKey, authorKey, mentionKey} {
		if !bytes.Contains(tmpl, []byte(k)) {
			tb.Fatalf("template lacks %s", k)
		}
	}
	criteriaPath = filepath.Join(dir, "criteria.json")
	if err := os.WriteFile(criteriaPath, []byte(filterTestCriteria), 0o600); err != nil {
		tb.Fatal(err)
	}
	dispatchesPath = filepath.Join(dir, "dispatches.jsonl")
	f, err := os.Create(dispatchesPath)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range filterTestLines {
		line := bytes.Replace(tmpl, []byte(idKey), fmt.Appendf(nil, `"id":"%d"`, 1350143731306856489+i), 1)
		content := contents[i%len(contents)]
		line = bytes.Replace(line, []byte(contentKey), fmt.Appendf(nil, `"content":"%s"`, content), 1)
		bot, dm, otherMention := i%10 == 0, i%7 == 0, i%5 == 0
		if bot {
			line = bytes.Replace(line, []byte(authorKey), []byte(`"bot":true,`+authorKey), 1)
		}
		if dm {
			line = bytes.Replace(line, []byte(guildKey), nil, 1)
		}
		if otherMention {
			line = bytes.Replace(line, []byte(mentionKey), []byte(`"id":"111111111111111111"`), 1)
		}
		if !bot && (dm || !otherMention || content[0] == '!') {
			matching++
		}
		w.Write(line)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return criteriaPath, dispatchesPath, matching
}

// BenchmarkFilterTestBinary runs the built binary's `artbridge relay
// filter-test` over 50,000 raw 2 KB MESSAGE_CREATE lines per iteration and
// reports lines per CPU-second of the whole child process (user + system
// time from its rusage: start-up, reading, matching and writing included),
// the figure of issue 16 item 5 (target ≥ 500,000 lines/s per core). It also
// reports the read ceiling of the same run: CPU-seconds for `cat` of the
// same file into the same kind of output.
func BenchmarkFilterTestBinary(b *testing.B) {
	dir := b.TempDir()
	criteria, dispatches, matching := writeFilterTestInput(b, dir)
	outPath := filepath.Join(dir, "out.txt")
	run := func(name string, args ...string) (cpu, wall time.Duration) {
		out, err := os.Create(outPath)
		if err != nil {
			b.Fatal(err)
		}
		defer out.Close()
		cmd := exec.Command(name, args...)
		cmd.Stdout = out
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s: %v\n%s", name, err, stderr.String())
		}
		wall = time.Since(start)
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		cpu = time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
		return cpu, wall
	}
	filterTest := func() (time.Duration, time.Duration) {
		return run(builtBinary, "relay", "filter-test", "--criteria", criteria, "--dispatches", dispatches)
	}
	// Check the answers once.
	filterTest()
	got, err := os.ReadFile(outPath)
	if err != nil {
		b.Fatal(err)
	}
	if trues, lines := bytes.Count(got, []byte("true\n")), bytes.Count(got, []byte("\n")); trues != matching || lines != filterTestLines {
		b.Fatalf("filter-test printed %d lines, %d true; want %d, %d true", lines, trues, filterTestLines, matching)
	}
	var cpu, wall, catCPU time.Duration
	for b.Loop() {
		c, w := filterTest()
		cpu += c
		wall += w
		c, _ = run("cat", dispatches)
		catCPU += c
	}
	n := float64(b.N) * filterTestLines
	b.ReportMetric(n/cpu.Seconds(), "lines/cpu-s")
	b.ReportMetric(n/wall.Seconds(), "lines/s")
	b.ReportMetric(n/catCPU.Seconds(), "cat-lines/cpu-s")
}
