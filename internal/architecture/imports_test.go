package architecture

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/artbridge/artbridge"

// allowed lists, for each product package, the artbridge packages it may import
// (design §1). Subpackages of bridge are its own helpers and import nothing of ours.
var allowed = map[string][]string{
	"moderation":                {},
	"netguard":                  {},
	"rsasig":                    {},
	"ap":                        {"rsasig"},
	"discord":                   {"netguard"},
	"discord/relay/filter":      {},
	"discord/relay":             {"discord/relay/filter", "discord", "netguard"},
	"discord/relay/relayclient": {"discord/relay"},
	"bridge/alttext":            {},
	"bridge/media":              {},
	"bridge/richtext":           {},
	"bridge":                    {"ap", "discord", "moderation", "bridge/media", "bridge/richtext"},
	"storage":                   {"ap", "bridge", "discord/relay", "moderation", "discord"},
	"internal/architecture":     {},
}

// fakes are test helpers that must never be linked into the product.
var fakes = []string{"ap/aptest", "discord/discordtest", "bridge/alttext/alttexttest"}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func list(t *testing.T, args ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, errOut.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

func TestImportDirections(t *testing.T) {
	for _, p := range list(t, module+"/...") {
		name, _ := rel(p.ImportPath)
		if strings.HasPrefix(name, "cmd/") || isFake(name) {
			continue
		}
		ok, known := allowed[name]
		if !known {
			t.Errorf("package %s is not in the design's direction table (add it to allowed with its imports)", name)
			continue
		}
		for _, imp := range p.Imports {
			dep, ours := rel(imp)
			if !ours {
				continue
			}
			if !contains(ok, dep) {
				t.Errorf("%s imports %s, which breaks the direction table", name, dep)
			}
		}
	}
}

func TestProductLinksNoFake(t *testing.T) {
	for _, p := range list(t, "-deps", module+"/cmd/artbridge") {
		name, ours := rel(p.ImportPath)
		if ours && isFake(name) {
			t.Errorf("the artbridge binary links the test fake %s", name)
		}
		if p.ImportPath == "testing" || p.ImportPath == "net/http/httptest" {
			t.Errorf("the artbridge binary links %s", p.ImportPath)
		}
	}
}

func isFake(name string) bool { return contains(fakes, name) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
