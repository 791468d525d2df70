package richtext

import "testing"

// caption300 is a realistic caption of about 300 characters: two paragraphs,
// a line break, a link, hashtags in two scripts, a Discord emoji and a mention.
const caption300 = "Finished this commission for @mira@art.example today! Inks on bristol, " +
	"coloured digitally <:blobheart:1123581321345589>\n" +
	"Process video: https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s (timelapse).\n\n" +
	"Thanks for all the support this month. #MastoArt #illustration #猫 #ink #commission"

func BenchmarkRender(b *testing.B) {
	opts := Options{TagURL: tagURL}
	b.SetBytes(int64(len(caption300)))
	b.ReportAllocs()
	for b.Loop() {
		res := Render(caption300, opts)
		if len(res.Hashtags) != 5 {
			b.Fatalf("hashtags %q", res.Hashtags)
		}
	}
}

func BenchmarkRender100KB(b *testing.B) {
	opts := Options{TagURL: tagURL}
	in := ""
	for len(in) < 100<<10 {
		in += caption300 + "\n\n"
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		Render(in, opts)
	}
}
