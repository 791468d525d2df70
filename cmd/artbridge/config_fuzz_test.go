package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadConfig feeds arbitrary files to the config loader: it never panics,
// and a refusal never names a Go type instead of a key.
func FuzzLoadConfig(f *testing.F) {
	for _, seed := range []string{
		"listen = 8080\n", "listen = \"0.0.0.0:8080\"\n", "base_url = \"HTTPS://A.example/\"\n",
		"[alttext]\ntimeout = \"30\"\n", "[discord]\nmax_images = \"4\"\nart_forums = [1]\n",
		"[metrics]\nlisten = \"0.0.0.0:9464\"\ntoken = \"t\"\n", "[federation]\nblocked_domains = \"x\"\n",
		"actor = 3\n", "[actor]\nusername = [\"a\"]\n", "log_level = true\n",
	} {
		f.Add(seed)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string) {
		if len(body) > 4096 {
			return
		}
		path := filepath.Join(dir, "fuzz.toml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := loadConfig(path, func(string) string { return "" })
		if err != nil {
			if strings.Contains(err.Error(), "main.") {
				t.Fatalf("the error names a Go type: %v", err)
			}
			return
		}
		if again, err := normalizeBaseURL(cfg.BaseURL); err != nil || again != cfg.BaseURL {
			t.Fatalf("base_url %q is not normalised (%q, %v)", cfg.BaseURL, again, err)
		}
	})
}

// FuzzNormalizeBaseURL: normalising is idempotent and keeps scheme and host only.
func FuzzNormalizeBaseURL(f *testing.F) {
	for _, seed := range []string{"https://art.example.org", "HTTP://LOCALHOST:8080/", "https://[::1]:443", "https://a.b/c", "http://%zz"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := normalizeBaseURL(in)
		if err != nil {
			return
		}
		again, err := normalizeBaseURL(out)
		if err != nil || again != out {
			t.Fatalf("normalizeBaseURL(%q) = %q, then %q, %v", in, out, again, err)
		}
		if !strings.HasPrefix(out, "http://") && !strings.HasPrefix(out, "https://") || strings.HasSuffix(out, "/") {
			t.Fatalf("normalizeBaseURL(%q) = %q", in, out)
		}
	})
}
