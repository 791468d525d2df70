//go:build race

package relay_test

// raceEnabled reports a -race build, whose memory use says nothing about production.
const raceEnabled = true
