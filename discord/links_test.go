package discord

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

func TestLinkImagesTellsImagesFromPages(t *testing.T) {
	t.Parallel()
	embeds := []*discordgo.MessageEmbed{
		{Type: "article", URL: "https://x.com/mira/status/1", Image: &discordgo.MessageEmbedImage{
			URL: "https://pbs.twimg.com/media/a.jpg", ProxyURL: "https://media.discordapp.net/external/z/a.jpg", Width: 10, Height: 20}},
		{Type: "article", URL: "https://blog.example/post"}, // a page without a picture
		{Type: "image", URL: "https://i.example/b.png", Thumbnail: &discordgo.MessageEmbedThumbnail{URL: "https://i.example/b.png"}},
		{Type: "article", URL: "javascript:alert(1)", Image: &discordgo.MessageEmbedImage{URL: "https://i.example/c.png"}},
	}
	content := "see https://x.com/mira/status/1 and https://i.example/b.png, https://raw.example/d.WEBP?x=1 " +
		"and https://www.gallery.example/p/2). ||https://hidden.example/e.gif||"
	images, pages := linkImages(content, embeds)
	var got []string
	for _, l := range images {
		got = append(got, l.Host+" "+l.ImageURL+" "+l.ProxyURL)
	}
	want := []string{
		"x.com https://pbs.twimg.com/media/a.jpg https://media.discordapp.net/external/z/a.jpg",
		"i.example https://i.example/b.png ",
		"raw.example https://raw.example/d.WEBP?x=1 ",
		"hidden.example https://hidden.example/e.gif ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("images:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Join(pages, " ") != "https://www.gallery.example/p/2" {
		t.Errorf("pages %q", pages)
	}
}

func TestDownloadLinkUsesTheProxyOnlyOnDiscordHosts(t *testing.T) {
	t.Parallel()
	b := &Bot{cfg: Config{APIBaseURL: "http://127.0.0.1:5555/api/v9"}}
	for u, want := range map[string]bool{
		"https://media.discordapp.net/external/a/b.png":        true,
		"https://images-ext-1.discordapp.net/external/a/b.png": true,
		"http://127.0.0.1:5555/external/1/b.png":               true,
		"https://media.discordapp.net.evil.example/b.png":      false,
		"http://127.0.0.1:6666/b.png":                          false,
	} {
		if got := b.isDiscordMedia(u); got != want {
			t.Errorf("isDiscordMedia(%s) = %v", u, got)
		}
	}
}

func FuzzLinkImages(f *testing.F) {
	for _, s := range []string{"", "https://a.example/x.png", "||https://a.example/y.jpg|| https://b.example/page",
		"http://[::1]:80/a.gif", "https://" + strings.Repeat("a", 3000) + ".png", "https://%zz/x.png"} {
		f.Add(s, "https://e.example/p", "https://e.example/i.png")
	}
	f.Fuzz(func(t *testing.T, content, page, img string) {
		images, pages := linkImages(content, []*discordgo.MessageEmbed{{URL: page, Image: &discordgo.MessageEmbedImage{URL: img}}})
		if len(images) > 2*maxLinksRead || len(pages) > maxLinksRead {
			t.Fatalf("%d images, %d pages", len(images), len(pages))
		}
		for _, l := range images {
			if !isWebURL(l.PageURL) || !isWebURL(l.ImageURL) || len(l.ImageURL) > maxLinkURL || !utf8.ValidString(l.Host) && utf8.ValidString(content+page) {
				t.Fatalf("bad offer %+v", l)
			}
		}
	})
}
