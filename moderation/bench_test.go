package moderation

import (
	"testing"
	"time"
)

// benchScan measures Scan over realistic posts against nKeywords keywords.
func benchScan(b *testing.B, nKeywords int) {
	words := loadWords(b)
	keywords := genKeywords(words, 10000)[:nKeywords]
	e := NewEngine(keywordRules(b, keywords))
	posts := genPosts(words, keywords, 512)
	hits := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		hits += len(e.Scan(&posts[i%len(posts)]))
	}
	reportRates(b, cpu0)
	b.ReportMetric(float64(hits)/float64(b.N), "rulesets-hit/post")
}

// benchModerate measures Scan and Decide with an in-memory Tracker.
func benchModerate(b *testing.B, nKeywords int) {
	words := loadWords(b)
	keywords := genKeywords(words, 10000)[:nKeywords]
	e := NewEngine(keywordRules(b, keywords))
	posts := genPosts(words, keywords, 512)
	tr := NewTracker(e.Rules().MaxWindow(), 0)
	start := posts[0].Published
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		p := &posts[i%len(posts)]
		if _, err := e.Moderate(p, tr, start.Add(time.Duration(i)*time.Second)); err != nil {
			b.Fatal(err)
		}
	}
	reportRates(b, cpu0)
}

func BenchmarkScan10000Keywords(b *testing.B)     { benchScan(b, 10000) }
func BenchmarkScan10Keywords(b *testing.B)        { benchScan(b, 10) }
func BenchmarkModerate10000Keywords(b *testing.B) { benchModerate(b, 10000) }
func BenchmarkModerate10Keywords(b *testing.B)    { benchModerate(b, 10) }

// BenchmarkParsePost measures reading a Mastodon Create activity.
func BenchmarkParsePost(b *testing.B) {
	raw := readTestdata(b, "mastodon_create.json")
	b.ReportAllocs()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		if _, err := ParsePost(raw); err != nil {
			b.Fatal(err)
		}
	}
	reportRates(b, cpu0)
}

// reportRates reports posts per second of wall time and, because the shared
// machine is often busy, CPU nanoseconds per post and posts per CPU second
// (GC work on other threads included), measured since cpu0.
func reportRates(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "posts/cpu-s")
	}
}
