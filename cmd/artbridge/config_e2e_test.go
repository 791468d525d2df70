package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each config mistake an operator makes gives a message that names its key and
// says what fits, through the built binary, with exit status 2.
func TestConfigMistakesNameTheirKey(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, toml, want string }{
		{"type", "listen = 8080\n", `listen: expected a string like "127.0.0.1:8080", got 8080`},
		{"public listen without base_url", "listen = \"0.0.0.0:8080\"\n", "base_url must be set to the public URL"},
		{"base_url with a path", "base_url = \"https://art.example.org/gallery\"\n", "without a path or query"},
		{"base_url scheme", "base_url = \"ftp://art.example.org\"\n", "scheme must be https://"},
		{"duration of an off feature", "[alttext]\ntimeout = \"30\"\n", `alttext.timeout: expected a duration like "30s", got "30"`},
		{"type of an off feature", "[alttext]\ntimeout = 30\n", `alttext.timeout: expected a string like "30s", got 30`},
		{"number as a string", "[discord]\nmax_images = \"4\"\n", `discord.max_images: expected a whole number like 4, got "4"`},
		{"list of strings", "[federation]\nblocked_domains = [1]\n", "federation.blocked_domains: expected a list of strings, got a list"},
		{"public metrics without token", "[metrics]\nlisten = \"0.0.0.0:9464\"\n", "metrics.listen \"0.0.0.0:9464\" accepts connections from other machines: set metrics.token"},
		{"unknown key", "[alttext]\nmodle = \"x\"\n", "unknown key alttext.modle"},
		{"syntax", "listen = \n", "artbridge.toml:1:"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "artbridge.toml"), []byte(c.toml), 0o600); err != nil {
			t.Fatal(err)
		}
		res := runBinary(t, dir, nil, "status") // finds ./artbridge.toml
		if res.Code != exitUsage || !strings.Contains(res.Stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and %q", c.name, res.Code, res.Stderr, c.want)
		}
		if strings.Contains(res.Stderr, "main.") {
			t.Errorf("%s: the message names a Go type: %q", c.name, res.Stderr)
		}
	}
}

// $ARTBRIDGE_CONFIG is used when --config is absent, and a missing one is an
// error that says where the name came from; without any file the command says
// it uses the defaults.
func TestConfigSearch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "elsewhere.toml")
	if err := os.WriteFile(cfg, []byte("data_dir = \"d\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runBinary(t, dir, []string{"ARTBRIDGE_CONFIG=" + cfg}, "post", "list")
	if res.Code != 0 || !strings.Contains(res.Stderr, "using config "+cfg) {
		t.Errorf("$ARTBRIDGE_CONFIG: exit %d, %q", res.Code, res.Stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "d", "artbridge.db")); err != nil {
		t.Errorf("the command did not use the data_dir of $ARTBRIDGE_CONFIG: %v", err)
	}
	res = runBinary(t, dir, []string{"ARTBRIDGE_CONFIG=" + filepath.Join(dir, "missing.toml")}, "post", "list")
	if res.Code != exitUsage || !strings.Contains(res.Stderr, "$ARTBRIDGE_CONFIG") {
		t.Errorf("missing $ARTBRIDGE_CONFIG: exit %d, %q", res.Code, res.Stderr)
	}
	if _, err := os.Stat("/etc/artbridge/artbridge.toml"); err == nil {
		t.Skip("this machine has /etc/artbridge/artbridge.toml")
	}
	empty := t.TempDir()
	res = runBinary(t, empty, nil, "post", "list")
	if res.Code != 0 || !strings.Contains(res.Stderr, "using the built-in defaults") {
		t.Errorf("no config: exit %d, %q", res.Code, res.Stderr)
	}
}

// base_url is normalised: lower-case scheme and host, no trailing slash, no
// default port.
func TestBaseURLNormalised(t *testing.T) {
	for in, want := range map[string]string{
		"HTTPS://Art.Example.ORG/":    "https://art.example.org",
		"https://art.example.org:443": "https://art.example.org",
		"http://LOCALHOST:8080/":      "http://localhost:8080",
		"https://[::1]:8443":          "https://[::1]:8443",
	} {
		got, err := normalizeBaseURL(in)
		if err != nil || got != want {
			t.Errorf("normalizeBaseURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"https://user:pw@art.example.org", "https://art.example.org/?x=1", "art.example.org", "https://"} {
		if got, err := normalizeBaseURL(bad); err == nil {
			t.Errorf("normalizeBaseURL(%q) = %q, want an error", bad, got)
		}
	}
}

// A [discord] section without a token says at start that Discord is off.
func TestDiscordSectionWithoutTokenSaysOff(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{extraTOML: "\n[discord]\nguild_id = \"123456789012345678\"\n"})
	if !strings.Contains(s.Log.String(), "Discord is off: the [discord] section has no token") {
		t.Errorf("the server did not say Discord is off:\n%s", s.Log.String())
	}
}
