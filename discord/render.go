package discord

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Discord's message limits, in characters.
const (
	maxContent          = 2000
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxEmbedFieldValue  = 1024
	maxEmbedTotal       = 6000
	maxEmbeds           = 10
	// embedBudget leaves room below maxEmbedTotal for the fixed parts' rounding.
	embedBudget = 5800
)

// stateColour is the embed colour of a state.
func stateColour(s PanelState) int {
	switch s {
	case StatePending:
		return 0x5865F2
	case StatePublished:
		return 0x57F287
	case StateDeleted:
		return 0xED4245
	}
	return 0x99AAB5
}

// renderedPanel is a panel in Discord's message terms.
type renderedPanel struct {
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
}

// renderPanel turns the view model into message content, embeds and buttons that
// respect Discord's limits.
func renderPanel(p Panel) (renderedPanel, error) {
	state := p.State
	if state == "" {
		state = StatePending
	}
	var r renderedPanel
	r.Content = truncate(panelHeadline(p, state), maxContent)

	// The variable-length parts share the embed budget: the post text and each
	// description get at most `limit` characters, the largest limit that fits.
	pieces := make([]string, 0, 1+len(p.Images))
	text := p.Text
	if strings.TrimSpace(text) == "" {
		text = "*(no text)*"
	}
	pieces = append(pieces, text)
	for _, im := range p.Images {
		pieces = append(pieces, altShown(im))
	}
	fixed := 0
	post := &discordgo.MessageEmbed{
		Title: "Post preview",
		Color: stateColour(state),
	}
	if p.PostURL != "" && state == StatePublished {
		post.URL = p.PostURL
	}
	if p.ContentWarning != "" {
		post.Fields = append(post.Fields, &discordgo.MessageEmbedField{
			Name: "Content warning", Value: truncate(p.ContentWarning, maxEmbedFieldValue),
		})
	}
	if p.ContentWarning == "" && p.SuggestedCW != "" {
		post.Fields = append(post.Fields, &discordgo.MessageEmbedField{
			Name:  "Suggested content warning (not set)",
			Value: truncate(p.SuggestedCW+" — from your ||spoiler|| text. Discord spoilers don't exist on the Fediverse: press **Edit descriptions** to set it, or leave it empty.", maxEmbedFieldValue),
		})
	}
	if p.Language != "" {
		post.Fields = append(post.Fields, &discordgo.MessageEmbedField{Name: "Language", Value: languageName(p.Language), Inline: true})
	}
	sens := "no"
	if p.Sensitive {
		sens = "yes: the images are hidden behind a sensitive-content warning"
	}
	post.Fields = append(post.Fields, &discordgo.MessageEmbedField{Name: "Sensitive", Value: sens, Inline: true})
	fixed += embedFixedLen(post)

	images := make([]*discordgo.MessageEmbed, 0, len(p.Images))
	for i, im := range p.Images {
		e := &discordgo.MessageEmbed{
			Title:  truncate(fmt.Sprintf("Image %d of %d: %s", i+1, len(p.Images), im.Filename), maxEmbedTitle),
			Color:  stateColour(state),
			Footer: &discordgo.MessageEmbedFooter{Text: altFooter(im)},
		}
		fixed += embedFixedLen(e)
		images = append(images, e)
	}
	links := linkEmbeds(p, state, maxEmbeds-1-len(images))
	for _, e := range links {
		fixed += embedFixedLen(e) + utf8.RuneCountInString(e.Description)
	}
	limit := shareBudget(pieces, embedBudget-fixed, maxEmbedDescription)
	post.Description = truncate(pieces[0], limit)
	for i, e := range images {
		e.Description = truncate(pieces[i+1], limit)
	}
	r.Embeds = append(append(r.Embeds, post), images...)
	r.Embeds = append(r.Embeds, links...)

	comps, err := panelComponents(p, state)
	if err != nil {
		return renderedPanel{}, err
	}
	r.Components = comps
	return r, nil
}

// panelHeadline is the message content above the preview.
func panelHeadline(p Panel, state PanelState) string {
	var b strings.Builder
	switch state {
	case StatePending:
		b.WriteString("**Preview of your Fediverse post.** Check the text and every image description, then press **Confirm**. Nothing is published before that.")
	case StatePublished:
		b.WriteString("**Published on the Fediverse.**")
		if p.PostURL != "" {
			b.WriteString(" " + p.PostURL)
		}
	case StateCancelled:
		b.WriteString("**Cancelled.** Nothing was published.")
	case StateExpired:
		b.WriteString("**Expired.** This submission was not confirmed in time; nothing was published.")
	case StateDeleted:
		b.WriteString("**Taken down from the Fediverse.**")
	default:
		b.WriteString("**" + string(state) + "**")
	}
	if p.Notice != "" {
		b.WriteString("\n> ")
		b.WriteString(strings.ReplaceAll(p.Notice, "\n", "\n> "))
	}
	return b.String()
}

// altShown is an image's description as the preview shows it.
func altShown(im PanelImage) string {
	if strings.TrimSpace(im.Alt) == "" {
		return "*no description*"
	}
	if im.AltSource == AltAI {
		return "AI draft: " + im.Alt
	}
	return im.Alt
}

// altFooter explains where the description comes from, and the spoiler state.
func altFooter(im PanelImage) string {
	var s string
	switch {
	case strings.TrimSpace(im.Alt) == "":
		s = "No description: people using screen readers will not know what this shows."
	case im.AltSource == AltAI:
		s = "Description drafted by AI: check it before you confirm."
	default:
		s = "Description by the artist."
	}
	if im.Spoiler {
		s += " Spoiler: shown behind a sensitive-content warning."
	}
	return s
}

// panelComponents builds the button rows.
func panelComponents(p Panel, state PanelState) ([]discordgo.MessageComponent, error) {
	pending := state == StatePending
	btn := func(action Action, label string, style discordgo.ButtonStyle) (discordgo.Button, error) {
		id, err := encodeCustomID(string(action), p.SubmissionID)
		if err != nil {
			return discordgo.Button{}, err
		}
		return discordgo.Button{Label: label, Style: style, CustomID: id, Disabled: !pending}, nil
	}
	type spec struct {
		action Action
		label  string
		style  discordgo.ButtonStyle
		show   bool
	}
	aiLabel := "AI alt text: off"
	if p.AIConsent {
		aiLabel = "AI alt text: on"
	}
	creditsLabel := "Add credits"
	if p.CreditsIncluded {
		creditsLabel = "Remove credits"
	}
	rowsSpec := [][]spec{
		{
			{ActionConfirm, "Confirm", discordgo.SuccessButton, true},
			{ActionCancel, "Cancel", discordgo.DangerButton, true},
			{ActionAIToggle, aiLabel, discordgo.SecondaryButton, p.AIAvailable},
			{ActionRefresh, "Refresh", discordgo.SecondaryButton, true},
		},
		{
			{ActionCreditsToggle, creditsLabel, discordgo.SecondaryButton, true},
			{ActionEditDescriptions, "Edit descriptions", discordgo.PrimaryButton, true},
			{ActionUseLinks, "Use linked images", discordgo.SuccessButton, len(p.LinkOffers) > 0},
		},
	}
	var rows []discordgo.MessageComponent
	for _, rs := range rowsSpec {
		var row discordgo.ActionsRow
		for _, s := range rs {
			if !s.show {
				continue
			}
			b, err := btn(s.action, s.label, s.style)
			if err != nil {
				return nil, err
			}
			row.Components = append(row.Components, b)
		}
		rows = append(rows, row)
	}
	if pending && len(p.Languages) > 1 {
		row, err := languageSelect(p)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	if pending {
		if row, ok, err := licenseRow(p); err != nil {
			return nil, err
		} else if ok {
			rows = append(rows, row)
		}
	}
	if state == StatePublished {
		var row discordgo.ActionsRow
		if p.CanUpdate {
			id, err := encodeCustomID(string(ActionUpdate), p.SubmissionID)
			if err != nil {
				return nil, err
			}
			row.Components = append(row.Components, discordgo.Button{
				Label: "Update on the Fediverse", Style: discordgo.PrimaryButton, CustomID: id,
			})
		}
		if isWebURL(p.PostURL) {
			row.Components = append(row.Components, discordgo.Button{
				Label: "View on the Fediverse", Style: discordgo.LinkButton, URL: p.PostURL,
			})
		}
		if len(row.Components) > 0 {
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// isWebURL reports whether s can be a link button's URL.
func isWebURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// embedFixedLen counts the characters of an embed other than its description.
func embedFixedLen(e *discordgo.MessageEmbed) int {
	n := utf8.RuneCountInString(e.Title)
	for _, f := range e.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	if e.Footer != nil {
		n += utf8.RuneCountInString(e.Footer.Text)
	}
	return n
}

// shareBudget returns the largest per-piece limit (at most ceiling) such that the
// pieces, each cut to the limit, fit in budget characters.
func shareBudget(pieces []string, budget, ceiling int) int {
	fits := func(limit int) bool {
		total := 0
		for _, s := range pieces {
			total += min(utf8.RuneCountInString(s), limit)
		}
		return total <= budget
	}
	if fits(ceiling) {
		return ceiling
	}
	lo, hi := 0, ceiling // fits(lo) is assumed; the answer is in [lo, hi)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return max(lo, 16)
}

// truncate cuts s to at most n characters, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// languageSelect is the row with the post's language, one option per
// configured language (a modal cannot hold a select, so it lives in the panel).
func languageSelect(p Panel) (discordgo.ActionsRow, error) {
	id, err := encodeCustomID(string(ActionLanguage), p.SubmissionID)
	if err != nil {
		return discordgo.ActionsRow{}, err
	}
	one := 1
	menu := discordgo.SelectMenu{
		MenuType:    discordgo.StringSelectMenu,
		CustomID:    id,
		Placeholder: "Language of the post",
		MinValues:   &one,
		MaxValues:   1,
	}
	for i, o := range p.Languages {
		if i == MaxLanguages {
			break
		}
		menu.Options = append(menu.Options, discordgo.SelectMenuOption{
			Label:   truncate("Language: "+o.Name, 100),
			Value:   o.Tag,
			Default: o.Tag == p.Language,
		})
	}
	return discordgo.ActionsRow{Components: []discordgo.MessageComponent{menu}}, nil
}

// linkEmbeds previews the offered linked images, at most n.
func linkEmbeds(p Panel, state PanelState, n int) []*discordgo.MessageEmbed {
	var out []*discordgo.MessageEmbed
	for i, l := range p.LinkOffers {
		if i >= n {
			break
		}
		e := &discordgo.MessageEmbed{
			Title:       truncate(fmt.Sprintf("Use this image from %s?", l.Host), maxEmbedTitle),
			Description: truncate(fmt.Sprintf("Linked image %d. Nothing is copied until you press **Use linked images**; the post will credit %s", i+1, l.PageURL), 300),
			Color:       stateColour(state),
		}
		if isWebURL(l.PageURL) && len(l.PageURL) <= 2048 {
			e.URL = l.PageURL
		}
		if isWebURL(l.PreviewURL) && len(l.PreviewURL) <= 2048 {
			e.Image = &discordgo.MessageEmbedImage{URL: l.PreviewURL}
		}
		out = append(out, e)
	}
	return out
}
