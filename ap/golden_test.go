package ap

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func goldenKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func goldenService(t *testing.T) *Service {
	t.Helper()
	key := goldenKey(t)
	s, err := New(Config{BaseURL: "https://art.example.org", Username: "art", DisplayName: "Art", Key: key}, nil, nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func goldenNote(s *Service) Note {
	published := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	return Note{
		IRI:            s.NoteIRI("0mwt912hvea60b10ea1"),
		Published:      published,
		ContentHTML:    `<p>Evening light in the old port <a href="https://art.example.org/tags/watercolour" class="mention hashtag" rel="tag">#<span>watercolour</span></a></p><p>Art by Mira</p>`,
		ContentWarning: "flashing colours",
		Sensitive:      true,
		Language:       "en",
		Hashtags:       []Hashtag{{Name: "watercolour", Href: s.TagURL("watercolour")}},
		Emoji:          []Emoji{{Shortcode: "blobcat", IconURL: "https://cdn.discordapp.com/emojis/1.png", MediaType: "image/png"}},
		Attachments: []Attachment{
			{URL: s.MediaURL("4df7.jpg"), MediaType: "image/jpeg", Alt: "Watercolour of a harbour at dusk.", Blurhash: "LHG98LNc00NK$mS1WAWAwIWFX6X4", Width: 1200, Height: 800},
			{URL: s.MediaURL("9a1c.png"), MediaType: "image/png", Alt: "", Width: 40, Height: 30},
		},
		License: "https://creativecommons.org/licenses/by-nc/4.0/",
	}
}

// checkGolden compares doc with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, doc map[string]any) {
	t.Helper()
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ap -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file (run with -update if the change is intended):\n%s", name, got)
	}
}

func TestGoldenDocuments(t *testing.T) {
	s := goldenService(t)
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	note, err := s.NoteDocument(goldenNote(s))
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "note.json", note)

	create, err := s.CreateDocument(s.ActivityIRI("c1"), note, at)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "create.json", create)

	edited := goldenNote(s)
	edited.Updated = at.Add(time.Hour)
	edited.ContentHTML = `<p>Evening light in the old port, edited</p>`
	editedDoc, err := s.NoteDocument(edited)
	if err != nil {
		t.Fatal(err)
	}
	upd, err := s.UpdateDocument(s.ActivityIRI("u1"), editedDoc, at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "update.json", upd)

	del, err := s.DeleteDocument(s.ActivityIRI("d1"), s.NoteIRI("0mwt912hvea60b10ea1"), at.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "delete.json", del)
}

// The properties go-fed v1.0.0 does not model are added by hand; this fails if
// they go missing (design §8).
func TestExtraPropertiesStay(t *testing.T) {
	s := goldenService(t)
	note, err := s.NoteDocument(goldenNote(s))
	if err != nil {
		t.Fatal(err)
	}
	ctx := note["@context"].([]any)[2].(map[string]any)
	for _, term := range []string{"sensitive", "Hashtag", "toot", "blurhash", "Emoji"} {
		if _, ok := ctx[term]; !ok {
			t.Errorf("@context lacks %q", term)
		}
	}
	if note["sensitive"] != true {
		t.Errorf("sensitive = %v", note["sensitive"])
	}
	atts := note["attachment"].([]any)
	first := atts[0].(map[string]any)
	if first["name"] != "Watercolour of a harbour at dusk." || first["summary"] != first["name"] || first["width"] != 1200 || first["blurhash"] == nil {
		t.Errorf("attachment %v", first)
	}
	if _, ok := atts[1].(map[string]any)["name"]; ok {
		t.Errorf("an empty description must be absent, not empty: %v", atts[1])
	}
	tags := note["tag"].([]any)
	if tags[0].(map[string]any)["type"] != "Hashtag" || tags[0].(map[string]any)["name"] != "#watercolour" || tags[1].(map[string]any)["type"] != "Emoji" {
		t.Errorf("tags %v", tags)
	}
	actor := s.ActorDocument()
	for _, k := range []string{"manuallyApprovesFollowers", "discoverable", "indexable", "endpoints"} {
		if _, ok := actor[k]; !ok {
			t.Errorf("actor lacks %s", k)
		}
	}
	// Alt text is capped at 1,500 characters.
	long := goldenNote(s)
	long.Attachments[0].Alt = string(bytes.Repeat([]byte("é"), 2000))
	doc, _ := s.NoteDocument(long)
	if n := len([]rune(doc["attachment"].([]any)[0].(map[string]any)["name"].(string))); n != MaxAltText {
		t.Errorf("alt text of %d characters, want %d", n, MaxAltText)
	}
}
