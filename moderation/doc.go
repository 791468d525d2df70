// Package moderation is artbridge's keyword and hashtag moderation engine.
//
// It parses rulesets (see ParseRules and docs/moderation.md), normalises the
// text of ActivityStreams posts (HTML to text, Unicode NFKC, case folding),
// finds whole-word keywords and hashtags in one pass whose cost does not grow
// with the number of keywords, and turns hits into a Verdict by counting them
// per remote actor and ruleset within each ruleset's window.
//
// The package is pure: it performs no I/O, reads no clock and logs nothing.
// Rules arrive as bytes, times are passed in, and the counts that thresholds
// need live behind the History interface, which the server implements on its
// database and which Tracker implements in memory.
package moderation
