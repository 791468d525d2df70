package filter

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchCriteria are typical relay criteria (design §7: `t` plus a field test
// or a regex).
var benchCriteria = map[string]string{
	"TypeChannel":     `{"t":"MESSAGE_CREATE","d.channel_id":"1249876543210987654"}`,
	"TypeRegex":       `{"t":"MESSAGE_CREATE","d.content":{"$regex":"#(traditional|digital)\\b","$options":"i"}}`,
	"GuildInNotBot":   `{"t":"MESSAGE_CREATE","d.guild_id":{"$in":["1190411000963416064","1190411000963416065"]},"d.author.bot":{"$ne":true}}`,
	"MentionElemRole": `{"t":{"$in":["MESSAGE_CREATE","MESSAGE_UPDATE"]},"d.mentions":{"$elemMatch":{"id":"271938371117187072"}},"d.member.roles":"1201877345662210058"}`,
	"Or":              `{"$or":[{"d.channel_id":"1249876543210987654"},{"d.mentions.id":"271938371117187072"}],"t":"MESSAGE_CREATE"}`,
	"DCCSample":       dccSampleCriteria,
}

func loadDispatch(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func benchMatch(b *testing.B, criteria string, dispatch []byte, want bool) {
	benchMatchWith(b, criteria, dispatch, want, (*Filter).Match)
}

func benchMatchWith(b *testing.B, criteria string, dispatch []byte, want bool, match func(*Filter, []byte) (bool, error)) {
	f, err := Compile([]byte(criteria))
	if err != nil {
		b.Fatal(err)
	}
	if got, err := match(f, dispatch); err != nil || got != want {
		b.Fatalf("Match = %v, %v; want %v", got, err, want)
	}
	b.SetBytes(int64(len(dispatch)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		if _, err := match(f, dispatch); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, processCPU()-cpu, "dispatches")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "dispatches/s")
}

// BenchmarkMatch measures Match on MESSAGE_CREATE dispatches of testdata:
// message_create_2k.json (2.2 KB: member with roles, author, a mention, an
// attachment, nonce — the design §7 input) and message_create.json (2.5 KB,
// with an embed and components too), each matching the criteria, so every
// byte is scanned. Run with -cpu 1 for the per-core figure of design §7.
func BenchmarkMatch(b *testing.B) {
	for _, file := range []string{"message_create_2k.json", "message_create.json"} {
		msg := loadDispatch(b, file)
		for _, name := range []string{"TypeChannel", "TypeRegex", "GuildInNotBot", "MentionElemRole", "Or", "DCCSample"} {
			b.Run(fmt.Sprintf("%dB/%s", len(msg), name), func(b *testing.B) { benchMatch(b, benchCriteria[name], msg, true) })
		}
	}
}

// BenchmarkMatchTrusted is BenchmarkMatch for MatchTrusted, the variant the
// relay uses on dispatches discordgo has already decoded. The RelayOrder
// cases lay the dispatch out as the relay builds it ({"op":0,"d":{…},"s":…,
// "t":…}, so "t" comes last), which leaves no early exit to the scanner.
func BenchmarkMatchTrusted(b *testing.B) {
	for _, file := range []string{"message_create_2k.json", "message_create.json"} {
		msg := loadDispatch(b, file)
		relay := relayOrder(b, msg)
		for _, name := range []string{"TypeChannel", "TypeRegex", "GuildInNotBot", "MentionElemRole", "Or", "DCCSample"} {
			b.Run(fmt.Sprintf("%dB/%s", len(msg), name), func(b *testing.B) {
				benchMatchWith(b, benchCriteria[name], msg, true, (*Filter).MatchTrusted)
			})
		}
		for _, name := range []string{"TypeChannel", "TypeRegex"} {
			b.Run(fmt.Sprintf("%dB/RelayOrder/%s", len(msg), name), func(b *testing.B) {
				benchMatchWith(b, benchCriteria[name], relay, true, (*Filter).MatchTrusted)
			})
		}
	}
}

// relayOrder rewrites a dispatch in the relay's key order: op, d, s, t.
func relayOrder(tb testing.TB, msg []byte) []byte {
	tb.Helper()
	var env struct {
		Op int             `json:"op"`
		D  json.RawMessage `json:"d"`
		S  int64           `json:"s"`
		T  string          `json:"t"`
	}
	if err := json.Unmarshal(msg, &env); err != nil {
		tb.Fatal(err)
	}
	t, err := json.Marshal(env.T)
	if err != nil {
		tb.Fatal(err)
	}
	return fmt.Appendf(nil, `{"op":%d,"d":%s,"s":%d,"t":%s}`, env.Op, env.D, env.S, t)
}

// BenchmarkMatchRejected measures dispatches the criteria reject: a
// TYPING_START (rejected on "t", the first key) and a MESSAGE_CREATE in
// another channel (rejected on d.channel_id, near the end).
func BenchmarkMatchRejected(b *testing.B) {
	b.Run("OtherType", func(b *testing.B) {
		benchMatch(b, benchCriteria["TypeChannel"], loadDispatch(b, "typing_start.json"), false)
	})
	b.Run("OtherChannel", func(b *testing.B) {
		benchMatch(b, `{"t":"MESSAGE_CREATE","d.channel_id":"1"}`, loadDispatch(b, "message_create_2k.json"), false)
	})
}

// BenchmarkMatchMixed cycles through every testdata dispatch (several event
// types, matching and not) with the TypeChannel criteria.
func BenchmarkMatchMixed(b *testing.B) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		b.Fatal("no testdata")
	}
	var msgs [][]byte
	total := 0
	for _, f := range files {
		m := loadDispatch(b, filepath.Base(f))
		msgs = append(msgs, m)
		total += len(m)
	}
	f, err := Compile([]byte(benchCriteria["TypeChannel"]))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(total / len(msgs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := f.Match(msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "dispatches/s")
}

// BenchmarkUnmarshalBaseline is the naive approach for comparison: decoding
// the dispatch with encoding/json into map[string]any.
func BenchmarkUnmarshalBaseline(b *testing.B) {
	msg := loadDispatch(b, "message_create.json")
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		var v map[string]any
		if err := json.Unmarshal(msg, &v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "dispatches/s")
}

// reportCPU reports the CPU time per operation and the operations per
// CPU-second (named what), the figures that hold on a loaded machine.
func reportCPU(b *testing.B, cpu time.Duration, what string) {
	if cpu <= 0 {
		return
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), what+"/cpu-s")
}
