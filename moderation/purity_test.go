package moderation

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestPureImports keeps the package pure: no I/O, clock-free by design, no
// logging and no other artbridge package. Only these imports are allowed in
// its product files.
func TestPureImports(t *testing.T) {
	allowed := map[string]bool{
		"bufio": true, "bytes": true, "encoding/json": true, "errors": true, "fmt": true, "io": true,
		"sort": true, "strconv": true, "strings": true, "sync": true, "time": true, "unicode": true,
		"unicode/utf8":                    true,
		"github.com/pelletier/go-toml/v2": true, "golang.org/x/net/html": true, "golang.org/x/net/html/atom": true,
		"golang.org/x/text/cases": true, "golang.org/x/text/transform": true, "golang.org/x/text/unicode/norm": true,
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowed[path] {
				t.Errorf("%s imports %q, which the pure moderation package must not use", name, path)
			}
		}
	}
}
