package moderation

import (
	"os"
	"strings"
	"testing"
)

// TestDocsExamplesParse keeps the rules examples of docs/moderation.md valid.
func TestDocsExamplesParse(t *testing.T) {
	b, err := os.ReadFile("../docs/moderation.md")
	if err != nil {
		t.Skipf("docs not beside the package: %v", err)
	}
	blocks := strings.Split(string(b), "```toml\n")[1:]
	if len(blocks) < 4 {
		t.Fatalf("found %d toml examples", len(blocks))
	}
	for i, blk := range blocks {
		blk = blk[:strings.Index(blk, "```")]
		if _, _, err := ParseRules("docs example", []byte(blk)); err != nil {
			t.Errorf("example %d: %v", i+1, err)
		}
	}
}
