//go:build amd64 && !purego

package filter

import "testing"

func TestClassifyBlocksSSE2(t *testing.T) { checkClassifier(t, classifyBlocksSSE2) }

func TestClassifyBlocksAVX2(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this machine")
	}
	checkClassifier(t, classifyBlocksAVX2)
}
