package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
	"github.com/artbridge/artbridge/discord/discordtest"
)

// licenseSelect returns the panel's license select.
func licenseSelect(t *testing.T, m discordtest.Message) discordtest.Component {
	t.Helper()
	for _, c := range discordtest.Selects(m.Components) {
		if strings.HasPrefix(c.CustomID, "ab:license:") {
			return c
		}
	}
	t.Fatalf("panel has no license select: %+v", m.Components)
	return discordtest.Component{}
}

// The panel offers the Creative Commons set and "all rights reserved", with
// [instance] default_license preselected; the artist's pick federates as the
// Note's license and shows on the post page. Only the artist may choose.
func TestDiscordPanelLicenseSelect(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, "\n[instance]\ndefault_license = \"https://creativecommons.org/licenses/by-nc/4.0/\"\n")
	remote := followedBy(t, ctx, s)

	thread, err := w.dc.CreateForumThread(w.forum, artistID, "Harbour", "Evening in the old port",
		discordtest.File{Name: "harbour.png", ContentType: "image/png", Data: pngBytes(t, 40, 30), Width: 40, Height: 30,
			Description: "Watercolour of a harbour."})
	if err != nil {
		t.Fatal(err)
	}
	p := w.panel(t, ctx, thread, nil)
	sel := licenseSelect(t, p)
	opts := sel.SelectOptions()
	var labels, preselected []string
	for _, o := range opts {
		labels = append(labels, o.Label)
		if o.Default {
			preselected = append(preselected, o.Value)
		}
	}
	joined := strings.Join(labels, " | ")
	for _, want := range []string{"CC BY 4.0", "CC BY-SA 4.0", "CC BY-NC-ND 4.0", "CC0", "All rights reserved"} {
		if !strings.Contains(joined, want) {
			t.Errorf("license options lack %s: %s", want, joined)
		}
	}
	if len(preselected) != 1 || preselected[0] != "https://creativecommons.org/licenses/by-nc/4.0/" {
		t.Errorf("preselected %v, want the instance default", preselected)
	}

	// A value the select does not offer never reaches us (Discord refuses it);
	// someone else's choice is refused privately.
	if _, err := w.dc.ChooseOptions(artistID, p.ChannelID, p.ID, sel.CustomID, "javascript:alert(1)"); err == nil {
		t.Fatal("the fake accepted a value the select did not offer")
	}
	in, err := w.dc.ChooseOptions(otherID, p.ChannelID, p.ID, sel.CustomID, "https://creativecommons.org/licenses/by/4.0/")
	if err != nil {
		t.Fatal(err)
	}
	if f := waitFollowup(t, ctx, w, in); !strings.Contains(f.Content, "Only the artist") {
		t.Fatalf("another user's license choice: %q", f.Content)
	}

	in, err = w.dc.ChooseOptions(artistID, p.ChannelID, p.ID, sel.CustomID, "https://creativecommons.org/licenses/by-sa/4.0/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.WaitCallback(ctx); err != nil {
		t.Fatal(err)
	}
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(m.Content, "License: CC BY-SA 4.0") })
	for _, o := range licenseSelect(t, p).SelectOptions() {
		if o.Default != (o.Value == "https://creativecommons.org/licenses/by-sa/4.0/") {
			t.Errorf("after the choice, option %s default=%v", o.Label, o.Default)
		}
	}

	click(t, ctx, w, artistID, p, "confirm")
	create := remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)
	note := create.Activity["object"].(map[string]any)
	if note["license"] != "https://creativecommons.org/licenses/by-sa/4.0/" {
		t.Fatalf("Note license %v", note["license"])
	}
	page := string(mustGet(t, note["id"].(string), "text/html"))
	if !strings.Contains(page, `<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>`) {
		t.Errorf("post page license:\n%s", page)
	}
	// A published panel has no license select any more.
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(m.Content, "Published") })
	if len(discordtest.Selects(p.Components)) != 0 {
		t.Errorf("published panel still has a select")
	}
}
