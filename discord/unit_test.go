package discord

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	good := Config{Token: "abc", ApplicationID: "123", ArtForums: []string{"456"}}.WithDefaults()
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	if good.APIBaseURL != DefaultAPIBaseURL || good.MaxImages != 4 || len(good.AcceptedTypes) != 4 {
		t.Errorf("defaults: %+v", good)
	}
	cases := map[string]func(*Config){
		"discord.token":              func(c *Config) { c.Token = "" },
		"discord.application_id":     func(c *Config) { c.ApplicationID = "12a" },
		"discord.guild_id":           func(c *Config) { c.GuildID = "-1" },
		"discord.art_forums":         func(c *Config) { c.ArtForums = nil },
		"discord.moderators_channel": func(c *Config) { c.ModeratorsChannel = "x" },
		"discord.api_base_url":       func(c *Config) { c.APIBaseURL = "discord.com/api" },
		"discord.public_key":         func(c *Config) { c.PublicKey = "abcd" },
		"discord.accepted_types":     func(c *Config) { c.AcceptedTypes = []string{"image/tiff"} },
		"discord.max_images":         func(c *Config) { c.MaxImages = 5 },
		"discord.credits_format":     func(c *Config) { c.CreditsFormat = "Art by someone" },
		"discord.terms_url":          func(c *Config) { c.TermsURL = "/terms" },
	}
	for key, mutate := range cases {
		c := good
		mutate(&c)
		err := c.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != key || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: got %v", key, err)
		}
	}
	c := good
	c.Token = "Bot abc"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "prefix") {
		t.Errorf("Bot prefix: %v", err)
	}
}

func TestNormalizeAPIBase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                                  DefaultAPIBaseURL,
		"https://discord.com/api/v9/":       "https://discord.com/api/v9",
		"https://chat.example.org/api/v10":  "https://chat.example.org/api/v10",
		"http://127.0.0.1:8080/discord/api": "http://127.0.0.1:8080/discord/api",
	} {
		got, err := normalizeAPIBase(in)
		if err != nil || got != want {
			t.Errorf("%q → %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestBaseRewriter(t *testing.T) {
	t.Parallel()
	var seen []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Host+r.URL.RequestURI())
	}))
	defer hs.Close()
	rt := &baseRewriter{base: hs.URL + "/x/api/v10/", next: http.DefaultTransport}
	c := &http.Client{Transport: rt}
	for _, u := range []string{"https://discord.com/api/v9/channels/1/messages?limit=2", hs.URL + "/direct"} {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	host := strings.TrimPrefix(hs.URL, "http://")
	if len(seen) != 2 || seen[0] != host+"/x/api/v10/channels/1/messages?limit=2" || seen[1] != host+"/direct" {
		t.Errorf("seen %v", seen)
	}
}

func TestCustomIDRoundTrip(t *testing.T) {
	t.Parallel()
	for _, a := range []Action{ActionConfirm, ActionCancel, ActionAIToggle, ActionRefresh, ActionCreditsToggle, ActionEditDescriptions, ActionUpdate} {
		id, err := encodeCustomID(string(a), "01HZX")
		if err != nil {
			t.Fatal(err)
		}
		act, sub, err := parseCustomID(id)
		if err != nil || act != string(a) || sub != "01HZX" {
			t.Errorf("%s: %q %q %v", id, act, sub, err)
		}
	}
	if _, err := encodeCustomID("confirm", strings.Repeat("x", 90)); err == nil {
		t.Error("over-long custom_id accepted")
	}
	if _, err := encodeCustomID("confirm", "a:b"); err == nil {
		t.Error("colon in submission ID accepted")
	}
}

func FuzzParseCustomID(f *testing.F) {
	for _, s := range []string{"ab:confirm:1", "ab:descriptions:x", "ab::", "other:1", "ab:update_fedi:" + strings.Repeat("9", 80), ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		act, sub, err := parseCustomID(s)
		if err != nil {
			return
		}
		id, err := encodeCustomID(act, sub)
		if err != nil || id != s {
			t.Fatalf("parse(%q) = %q %q, re-encoded %q %v", s, act, sub, id, err)
		}
	})
}

func FuzzRewriteCustomEmoji(f *testing.F) {
	for _, s := range []string{"<:a:1>", "x <a:dance:22> y <:a:1>", "<:bad name:1>", "<:x:>", "plain", "<<:a:1>>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, emoji := rewriteCustomEmoji(s)
		if len(out) > len(s) {
			t.Fatalf("output longer than input: %q → %q", s, out)
		}
		if customEmojiPattern.MatchString(out) && !customEmojiPattern.MatchString(s) {
			t.Fatalf("rewrite created markup: %q → %q", s, out)
		}
		seen := map[string]bool{}
		for _, e := range emoji {
			if seen[e.ID] || e.Name == "" || !strings.Contains(out, ":"+e.Name+":") {
				t.Fatalf("bad emoji list for %q: %+v", s, emoji)
			}
			seen[e.ID] = true
		}
	})
}

func TestSpoilerDetection(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a    discordgo.MessageAttachment
		want bool
	}{
		{discordgo.MessageAttachment{Filename: "a.png"}, false},
		{discordgo.MessageAttachment{Filename: "a.png", Flags: 8}, true},
		{discordgo.MessageAttachment{Filename: "SPOILER_a.png"}, true},
		{discordgo.MessageAttachment{Filename: "spoiler_a.png", Flags: 4}, false},
	} {
		if got := isSpoiler(&c.a); got != c.want {
			t.Errorf("%+v: %v", c.a, got)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	lo, hi := 100*time.Millisecond, time.Second
	for n := 1; n < 40; n++ {
		d := backoff(n, lo, hi)
		ceil := min(lo<<min(n-1, 20), hi)
		if d < ceil/2 || d > ceil {
			t.Errorf("attempt %d: %v outside [%v, %v]", n, d, ceil/2, ceil)
		}
	}
}

func TestRenderPanelLimits(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 1500)
	p := Panel{SubmissionID: "s", Text: strings.Repeat("t", 5000), ContentWarning: strings.Repeat("c", 2000), Notice: strings.Repeat("n", 3000)}
	for i := 0; i < 4; i++ {
		p.Images = append(p.Images, PanelImage{Filename: strings.Repeat("f", 300), Alt: long, AltSource: AltAI, Spoiler: true})
	}
	for _, st := range []PanelState{StatePending, StatePublished, StateCancelled, StateExpired, StateDeleted} {
		p.State = st
		r, err := renderPanel(p)
		if err != nil {
			t.Fatal(err)
		}
		if utf8.RuneCountInString(r.Content) > maxContent {
			t.Errorf("%s: content %d", st, utf8.RuneCountInString(r.Content))
		}
		total := 0
		for _, e := range r.Embeds {
			total += embedFixedLen(e) + utf8.RuneCountInString(e.Description)
			if utf8.RuneCountInString(e.Title) > maxEmbedTitle || utf8.RuneCountInString(e.Description) > maxEmbedDescription {
				t.Errorf("%s: embed over limits", st)
			}
			for _, f := range e.Fields {
				if utf8.RuneCountInString(f.Value) > maxEmbedFieldValue {
					t.Errorf("%s: field over limit", st)
				}
			}
		}
		if total > maxEmbedTotal {
			t.Errorf("%s: embeds total %d", st, total)
		}
		for _, row := range r.Components {
			for _, c := range row.(discordgo.ActionsRow).Components {
				b := c.(discordgo.Button)
				if (st == StatePending) == b.Disabled && b.Label != "Update on the Fediverse" && b.Style != discordgo.LinkButton {
					t.Errorf("%s: button %q disabled=%v", st, b.Label, b.Disabled)
				}
			}
		}
	}
	// Short descriptions are shown whole, AI drafts marked, missing ones named.
	p = Panel{SubmissionID: "s", Images: []PanelImage{{Filename: "a", Alt: "cat", AltSource: AltAI}, {Filename: "b"}}, AIAvailable: false}
	r, _ := renderPanel(p)
	if r.Embeds[1].Description != "AI draft: cat" || r.Embeds[2].Description != "*no description*" {
		t.Errorf("descriptions %q %q", r.Embeds[1].Description, r.Embeds[2].Description)
	}
	for _, row := range r.Components {
		for _, c := range row.(discordgo.ActionsRow).Components {
			if strings.HasPrefix(c.(discordgo.Button).Label, "AI alt text") {
				t.Error("AI toggle shown while unavailable")
			}
		}
	}
	p.AIAvailable, p.AIConsent = true, true
	r, _ = renderPanel(p)
	found := false
	for _, row := range r.Components {
		for _, c := range row.(discordgo.ActionsRow).Components {
			found = found || c.(discordgo.Button).Label == "AI alt text: on"
		}
	}
	if !found {
		t.Error("AI toggle label lacks its state")
	}
}
