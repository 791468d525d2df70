package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Every key of the config file is documented in docs/configuration.md.
func TestEveryConfigKeyIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(prefix, f.Type) // embedded: its keys are the section's own
				continue
			}
			key := f.Tag.Get("toml")
			if key == "" || key == "-" {
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				if !strings.Contains(string(doc), "## `["+key+"]`") {
					t.Errorf("section [%s] is not documented", key)
				}
				walk(key+".", f.Type)
				continue
			}
			if !strings.Contains(string(doc), "`"+key+"`") {
				t.Errorf("key %s%s is not documented in docs/configuration.md", prefix, key)
			}
		}
	}
	walk("", reflect.TypeOf(Config{}))
}

func TestConfigStrictAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.toml")
	if err := os.WriteFile(path, []byte("listen = \"127.0.0.1:9\"\n[actor]\nusername = \"gallery\"\n[alttext]\nmodle = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(path, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "alttext.modle") {
		t.Fatalf("unknown key: %v", err)
	}
	if err := os.WriteFile(path, []byte("[actor]\nusername = \"gallery\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ARTBRIDGE_DISCORD_TOKEN": "tok", "ARTBRIDGE_OPENAI_API_KEY": "sk"}
	cfg, err := loadConfig(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Actor.Username != "gallery" || cfg.Discord.Token != "tok" || cfg.AltText.APIKey != "sk" || cfg.Listen != "127.0.0.1:8080" {
		t.Fatalf("config %+v", cfg)
	}
	for _, bad := range []string{"base_url = \"art.example.org\"\n", "base_url = \"https://a.example/sub\"\n", "[actor]\nusername = \"a b\"\n", "log_level = \"loud\"\n"} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := loadConfig(path, func(string) string { return "" }); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestVersionAndUsage(t *testing.T) {
	out, code := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "artbridge ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if _, code := runCLI(t, "frobnicate"); code != exitUsage {
		t.Fatalf("unknown command exit %d", code)
	}
}

func TestBackupCommand(t *testing.T) {
	s := startServer(t, serverOptions{})
	dest := filepath.Join(t.TempDir(), "copy.db")
	out, code := runCLI(t, "backup", "--config", s.Config, dest)
	if code != 0 || !strings.Contains(out, dest) {
		t.Fatalf("backup: %d %q", code, out)
	}
	if st, err := os.Stat(dest); err != nil || st.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}
	if _, code := runCLI(t, "backup", "--config", s.Config, dest); code != exitUsage {
		t.Fatal("backup over an existing file must refuse")
	}
}
