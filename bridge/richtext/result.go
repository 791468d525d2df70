package richtext

import "strings"

// Result is a rendered caption.
type Result struct {
	// HTML is the Note content, for example
	// <p>Hello <a href="…" class="mention hashtag" rel="tag">#<span>cats</span></a></p><p>line<br>line</p>.
	// It is empty when the text is empty.
	HTML string
	// Hashtags holds the distinct hashtag names in order of first
	// appearance, without '#' and as written; duplicates are detected
	// case-insensitively and the first spelling wins.
	Hashtags []string
	// Emoji holds the distinct Discord custom emoji whose :shortcode:
	// appears in Text, in order of first appearance.
	Emoji []Emoji
	// Text is the normalised plain text that was rendered, after UTF-8
	// repair, control character removal, emoji conversion, whitespace
	// normalisation and capping. Paragraphs are separated by "\n\n" and
	// line breaks are "\n".
	Text string
}

// Emoji is a Discord custom emoji found in the caption, rendered as
// :Shortcode: in the text. The bridge turns it into an Emoji tag whose icon is
// Discord's CDN image for ID.
type Emoji struct {
	// Shortcode is the emoji's name, without colons: [A-Za-z0-9_]{2,32}.
	Shortcode string
	// ID is the Discord snowflake of the emoji, in decimal.
	ID string
	// Animated is true for <a:name:id> (a GIF on Discord's CDN).
	Animated bool
}

// Append returns r followed by more: the HTML is concatenated, the texts are
// joined by a paragraph break, and hashtags and emoji are merged without
// duplicates (hashtags compared case-insensitively, emoji by shortcode). It is
// meant for the paragraphs the bridge adds after the caption (post tail,
// credits); r and more are not modified.
func (r Result) Append(more Result) Result {
	out := Result{HTML: r.HTML + more.HTML}
	switch {
	case r.Text == "":
		out.Text = more.Text
	case more.Text == "":
		out.Text = r.Text
	default:
		out.Text = r.Text + "\n\n" + more.Text
	}
	seen := make(map[string]struct{}, len(r.Hashtags)+len(more.Hashtags))
	for _, list := range [][]string{r.Hashtags, more.Hashtags} {
		for _, h := range list {
			k := strings.ToLower(h)
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
			out.Hashtags = append(out.Hashtags, h)
		}
	}
	seenEmoji := make(map[string]struct{}, len(r.Emoji)+len(more.Emoji))
	for _, list := range [][]Emoji{r.Emoji, more.Emoji} {
		for _, e := range list {
			if _, dup := seenEmoji[e.Shortcode]; dup {
				continue
			}
			seenEmoji[e.Shortcode] = struct{}{}
			out.Emoji = append(out.Emoji, e)
		}
	}
	return out
}
