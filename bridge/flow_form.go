package bridge

import (
	"context"
	"fmt"
	"strings"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/discord"
)

// DescriptionsForm answers "Edit descriptions" with the current descriptions.
func (f *Flow) DescriptionsForm(ctx context.Context, p discord.Press) (discord.Form, string) {
	rec, err := f.load(ctx, p.SubmissionID)
	if err != nil {
		return discord.Form{}, msgGone
	}
	if p.UserID != rec.ArtistID {
		return discord.Form{}, msgOnlyArtist
	}
	if rec.State != SubmissionPending {
		return discord.Form{}, "This submission is " + string(rec.State) + "."
	}
	form := discord.Form{Title: "Descriptions and content warning", ContentWarning: rec.Draft.Submission.ContentWarning}
	if form.ContentWarning == "" {
		form.ContentWarning = rec.Draft.SuggestedCW
	}
	for i, img := range rec.Draft.Submission.Images {
		if i == discord.MaxFormFields {
			break
		}
		label := fmt.Sprintf("Image %d", i+1)
		if img.Filename != "" {
			label = truncateRunes(fmt.Sprintf("Image %d: %s", i+1, img.Filename), 45)
		}
		form.Fields = append(form.Fields, discord.FormField{Label: label, Value: img.Alt,
			Placeholder: "What is in the picture? Describe it for someone who can't see it."})
	}
	return form, ""
}

// DescriptionsSubmitted stores the artist's descriptions; their words always win.
func (f *Flow) DescriptionsSubmitted(ctx context.Context, p discord.Press, form discord.FormValues) discord.Reply {
	values := form.Alts
	rec, unlock, refusal := f.forArtist(ctx, p)
	defer unlock()
	if refusal != "" {
		return discord.Reply{Ephemeral: refusal}
	}
	if rec.State != SubmissionPending {
		return discord.Reply{Ephemeral: "This submission is " + string(rec.State) + "."}
	}
	for i := range rec.Draft.Submission.Images {
		if i >= len(values) {
			break
		}
		img := &rec.Draft.Submission.Images[i]
		v := truncateRunes(strings.TrimSpace(values[i]), ap.MaxAltText)
		switch {
		case v == "":
			img.Alt, img.AltSource, img.AltModel = "", AltNone, ""
		case img.AltSource == AltAI && sameWords(v, img.Alt):
			// an AI draft the artist kept as it was (Discord may have
			// changed its white space): it stays labelled and recorded as AI
		default:
			img.Alt, img.AltSource = v, AltArtist
		}
	}
	rec.Draft.Submission.ContentWarning = cleanCW(form.ContentWarning)
	rec.Draft.Notice = "Descriptions saved."
	if rec.Draft.Submission.ContentWarning != "" {
		rec.Draft.Notice = "Descriptions and content warning saved."
	}
	if err := f.save(ctx, &rec); err != nil {
		return discord.Reply{Ephemeral: "Something went wrong saving your descriptions; please try again."}
	}
	return f.replyPanel(ctx, rec)
}
