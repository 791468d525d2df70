package discord

import (
	"strings"
	"testing"
)

func TestLanguagesConfig(t *testing.T) {
	t.Parallel()
	base := Config{Token: "abc", ApplicationID: "123", ArtForums: []string{"456"}}
	if c := base.WithDefaults(); len(c.Languages) != 1 || c.Languages[0] != "en" || c.DefaultLanguage != "en" {
		t.Fatalf("defaults: %q %q", c.Languages, c.DefaultLanguage)
	}
	c := base
	c.Languages = []string{"fr", "en"}
	if c = c.WithDefaults(); c.DefaultLanguage != "fr" || c.Validate() != nil {
		t.Fatalf("default is the first of the list: %q (%v)", c.DefaultLanguage, c.Validate())
	}
	many := make([]string, 26)
	for i := range many {
		many[i] = "x-a" + string(rune('a'+i))
	}
	cases := []struct {
		langs []string
		def   string
		want  string
	}{
		{[]string{"en", "not a tag"}, "", "discord.languages"},
		{[]string{"en", "EN"}, "", "listed twice"},
		{[]string{"en", "de"}, "fr", "discord.default_language"},
		{many, "", "at most 25"},
	}
	for _, k := range cases {
		c := base
		c.Languages, c.DefaultLanguage = k.langs, k.def
		err := c.WithDefaults().Validate()
		if err == nil || !strings.Contains(err.Error(), k.want) {
			t.Errorf("%q / %q: %v, want %q", k.langs, k.def, err, k.want)
		}
	}
	if got := LanguageOptions([]string{"de", "pt-BR"}); got[0].Name != "Deutsch (de)" || !strings.HasSuffix(got[1].Name, "(pt-BR)") {
		t.Errorf("names %+v", got)
	}
}
