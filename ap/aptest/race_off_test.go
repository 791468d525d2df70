//go:build !race

package aptest_test

// raceEnabled is true when the tests run under the race detector, which makes
// RSA signing several times slower.
const raceEnabled = false
