package discord

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// deleteCommandName is the slash command that takes a post down.
const deleteCommandName = "delete_fedi"

// formTimeout bounds the handler's form lookup: a modal must answer within 3 s.
const formTimeout = 2 * time.Second

// Texts shown to users when something goes wrong on our side.
const (
	msgInternalError = "Something went wrong on our side. Please try again in a moment."
	msgTooSlow       = "That took too long. Please press the button again."
	msgNoImages      = "There are no images to describe."
	msgDone          = "Done."
)

// responder sends an interaction's initial response (the callback). Gateway
// interactions answer by REST; HTTP interactions answer in the HTTP response.
type responder func(ctx context.Context, resp *discordgo.InteractionResponse) error

// onInteractionCreate handles interactions that arrive over the gateway.
func (b *Bot) onInteractionCreate(s *discordgo.Session, ic *discordgo.InteractionCreate) {
	if ic.Interaction == nil {
		return
	}
	i := ic.Interaction
	b.spawn(func(ctx context.Context) {
		b.dispatch(ctx, i, func(ctx context.Context, resp *discordgo.InteractionResponse) error {
			return s.InteractionRespond(i, resp, discordgo.WithContext(ctx))
		})
	})
}

// dispatch is the single path for every interaction, from the gateway or HTTP.
// It answers through respond first (within Discord's 3 s), then runs the handler
// and applies its reply. Interactions that are not artbridge's are left unanswered.
func (b *Bot) dispatch(ctx context.Context, i *discordgo.Interaction, respond responder) {
	switch i.Type {
	case discordgo.InteractionPing:
		b.respond(ctx, i, respond, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
	case discordgo.InteractionMessageComponent:
		b.onComponent(ctx, i, respond)
	case discordgo.InteractionModalSubmit:
		b.onModalSubmit(ctx, i, respond)
	case discordgo.InteractionApplicationCommand:
		b.onCommand(ctx, i, respond)
	}
}

// respond sends the initial response and logs a failure.
func (b *Bot) respond(ctx context.Context, i *discordgo.Interaction, respond responder, resp *discordgo.InteractionResponse) bool {
	if err := respond(ctx, resp); err != nil {
		b.log.Error("answering a Discord interaction failed", "interaction", i.ID, "type", int(resp.Type), "err", err)
		return false
	}
	return true
}

// onComponent handles a panel button.
func (b *Bot) onComponent(ctx context.Context, i *discordgo.Interaction, respond responder) {
	data, ok := i.Data.(discordgo.MessageComponentInteractionData)
	if !ok {
		return
	}
	action, sub, err := parseCustomID(data.CustomID)
	if err != nil || action == descriptionsModal {
		return // another app's component, or not a button of ours
	}
	p := Press{UserID: interactionUser(i), ChannelID: i.ChannelID, SubmissionID: sub, Action: Action(action),
		Values: data.Values}
	if i.Message != nil {
		p.MessageID = i.Message.ID
	}
	if p.Action == ActionLanguage {
		if len(data.Values) != 1 {
			return // a select of ours always has exactly one value
		}
		p.Values = []string{data.Values[0]}
	}
	if p.Action == ActionEditDescriptions {
		b.openDescriptions(ctx, i, respond, p)
		return
	}
	if !b.respond(ctx, i, respond, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}) {
		return
	}
	hctx, cancel := context.WithTimeout(ctx, handlerTimeout)
	defer cancel()
	var reply Reply
	if !b.guard("PanelButton", func() { reply = b.h.PanelButton(hctx, p) }) {
		reply = Reply{Ephemeral: msgInternalError}
	}
	b.applyReply(hctx, i, reply)
}

// openDescriptions answers "Edit descriptions" with the modal, or a private refusal.
func (b *Bot) openDescriptions(ctx context.Context, i *discordgo.Interaction, respond responder, p Press) {
	type result struct {
		form    Form
		refusal string
	}
	fctx, cancel := context.WithTimeout(ctx, formTimeout)
	defer cancel()
	ch := make(chan result, 1)
	if !b.spawn(func(context.Context) {
		var r result
		if !b.guard("DescriptionsForm", func() { r.form, r.refusal = b.h.DescriptionsForm(fctx, p) }) {
			r.refusal = msgInternalError
		}
		ch <- r
	}) {
		return
	}
	var r result
	select {
	case r = <-ch:
	case <-fctx.Done():
		r.refusal = msgTooSlow
	}
	if r.refusal == "" && len(r.form.Fields) == 0 {
		r.refusal = msgNoImages
	}
	if r.refusal != "" {
		b.respond(ctx, i, respond, ephemeralResponse(r.refusal))
		return
	}
	modal, err := renderModal(p.SubmissionID, r.form)
	if err != nil {
		b.log.Error("building the descriptions form failed", "submission", p.SubmissionID, "err", err)
		b.respond(ctx, i, respond, ephemeralResponse(msgInternalError))
		return
	}
	b.respond(ctx, i, respond, modal)
}

// onModalSubmit handles the submitted descriptions form.
func (b *Bot) onModalSubmit(ctx context.Context, i *discordgo.Interaction, respond responder) {
	data, ok := i.Data.(discordgo.ModalSubmitInteractionData)
	if !ok {
		return
	}
	action, sub, err := parseCustomID(data.CustomID)
	if err != nil || action != descriptionsModal {
		return
	}
	values := modalValues(data.Components)
	p := Press{UserID: interactionUser(i), ChannelID: i.ChannelID, SubmissionID: sub, Action: ActionEditDescriptions}
	if i.Message != nil {
		p.MessageID = i.Message.ID
	}
	if !b.respond(ctx, i, respond, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}) {
		return
	}
	hctx, cancel := context.WithTimeout(ctx, handlerTimeout)
	defer cancel()
	var reply Reply
	if !b.guard("DescriptionsSubmitted", func() { reply = b.h.DescriptionsSubmitted(hctx, p, values) }) {
		reply = Reply{Ephemeral: msgInternalError}
	}
	b.applyReply(hctx, i, reply)
}

// onCommand handles /delete_fedi.
func (b *Bot) onCommand(ctx context.Context, i *discordgo.Interaction, respond responder) {
	data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
	if ok && data.Name == statusCommandName {
		b.onStatusCommand(ctx, i, data, respond)
		return
	}
	if !ok || data.Name != deleteCommandName {
		return
	}
	b.answerPostCommand(ctx, i, data, respond, "/"+deleteCommandName, func(ctx context.Context, inv Invocation, ref string) Reply {
		return b.h.DeleteCommand(ctx, inv, ref)
	})
}

// answerPostCommand answers a slash command that names a post (its optional
// "post" option) privately: it defers at once, runs the handler within
// handlerTimeout and edits the deferred answer with the handler's reply.
func (b *Bot) answerPostCommand(ctx context.Context, i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData,
	respond responder, name string, run func(context.Context, Invocation, string) Reply) {
	ref := ""
	for _, o := range data.Options {
		if o != nil && o.Name == "post" {
			if s, ok := o.Value.(string); ok {
				ref = strings.TrimSpace(s)
			}
		}
	}
	inv := Invocation{UserID: interactionUser(i), ChannelID: i.ChannelID, GuildID: i.GuildID}
	if !b.respond(ctx, i, respond, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
	}) {
		return
	}
	hctx, cancel := context.WithTimeout(ctx, handlerTimeout)
	defer cancel()
	var reply Reply
	if !b.guard(name, func() { reply = run(hctx, inv, ref) }) {
		reply = Reply{Ephemeral: msgInternalError}
	}
	text := reply.Ephemeral
	if text == "" {
		text = msgDone
	}
	text = truncate(text, maxContent)
	if _, err := b.session.InteractionResponseEdit(i, &discordgo.WebhookEdit{
		Content:         &text,
		AllowedMentions: noMentions(),
	}, discordgo.WithContext(hctx)); err != nil {
		b.log.Error("answering "+name+" failed", "interaction", i.ID, "err", err)
	}
}

// applyReply edits the panel the interaction came from and sends the private
// message, as the Reply asks.
func (b *Bot) applyReply(ctx context.Context, i *discordgo.Interaction, r Reply) {
	if r.Panel != nil {
		rp, err := renderPanel(*r.Panel)
		if err != nil {
			b.log.Error("rendering the panel failed", "submission", r.Panel.SubmissionID, "err", err)
			r.Ephemeral = strings.TrimSpace(r.Ephemeral + "\n" + msgInternalError)
		} else if _, err := b.session.InteractionResponseEdit(i, &discordgo.WebhookEdit{
			Content:         &rp.Content,
			Embeds:          &rp.Embeds,
			Components:      &rp.Components,
			AllowedMentions: noMentions(),
		}, discordgo.WithContext(ctx)); err != nil {
			b.log.Error("updating the panel failed", "interaction", i.ID, "err", err)
		}
	}
	if r.Ephemeral != "" {
		if _, err := b.session.FollowupMessageCreate(i, true, &discordgo.WebhookParams{
			Content:         truncate(r.Ephemeral, maxContent),
			Flags:           discordgo.MessageFlagsEphemeral,
			AllowedMentions: noMentions(),
		}, discordgo.WithContext(ctx)); err != nil {
			b.log.Error("sending a private reply failed", "interaction", i.ID, "err", err)
		}
	}
}

// ephemeralResponse answers at once with a message only the user sees.
func ephemeralResponse(text string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content:         truncate(text, maxContent),
			Flags:           discordgo.MessageFlagsEphemeral,
			AllowedMentions: noMentions(),
		},
	}
}

// Modal limits.
const (
	maxModalTitle       = 45
	maxInputLabel       = 45
	maxInputPlaceholder = 100
	// maxAltText is the longest description artbridge federates.
	maxAltText = 1500
	// cwInput is the custom_id of the content warning field.
	cwInput = "cw"
)

// renderModal builds the descriptions modal.
func renderModal(submissionID string, f Form) (*discordgo.InteractionResponse, error) {
	if len(f.Fields) > MaxFormFields {
		return nil, fmt.Errorf("discord: form has %d fields, at most %d", len(f.Fields), MaxFormFields)
	}
	id, err := encodeCustomID(descriptionsModal, submissionID)
	if err != nil {
		return nil, err
	}
	title := f.Title
	if title == "" {
		title = "Image descriptions"
	}
	rows := make([]discordgo.MessageComponent, 0, len(f.Fields)+1)
	for n, fld := range f.Fields {
		label := fld.Label
		if label == "" {
			label = "Image " + strconv.Itoa(n+1)
		}
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.TextInput{
				CustomID:    "alt_" + strconv.Itoa(n),
				Label:       truncate(label, maxInputLabel),
				Style:       discordgo.TextInputParagraph,
				Value:       truncate(fld.Value, maxAltText),
				Placeholder: truncate(fld.Placeholder, maxInputPlaceholder),
				Required:    false,
				MaxLength:   maxAltText,
			},
		}})
	}
	// A modal holds five rows: at most four descriptions and the content warning.
	rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.TextInput{
			CustomID:    cwInput,
			Label:       "Content warning (empty: none)",
			Style:       discordgo.TextInputShort,
			Value:       truncate(f.ContentWarning, MaxContentWarning),
			Placeholder: "e.g. blood, flashing colours, eye contact: shown before your post",
			Required:    false,
			MaxLength:   MaxContentWarning,
		},
	}})
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{
			CustomID:   id,
			Title:      truncate(title, maxModalTitle),
			Components: rows,
		},
	}, nil
}

// modalValues returns the text inputs' values: descriptions in field order
// (alt_0, alt_1, …) and the content warning (cw).
func modalValues(rows []discordgo.MessageComponent) (out FormValues) {
	byIndex := map[int]string{}
	most := -1
	for _, c := range rows {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, cc := range row.Components {
			in, ok := cc.(*discordgo.TextInput)
			if !ok {
				continue
			}
			if in.CustomID == cwInput {
				out.ContentWarning = truncate(in.Value, MaxContentWarning)
				continue
			}
			n, err := strconv.Atoi(strings.TrimPrefix(in.CustomID, "alt_"))
			if err != nil || n < 0 || n >= MaxFormFields || !strings.HasPrefix(in.CustomID, "alt_") {
				continue
			}
			byIndex[n] = in.Value
			most = max(most, n)
		}
	}
	out.Alts = make([]string, most+1)
	for n, v := range byIndex {
		out.Alts[n] = v
	}
	return out
}

// interactionUser is the ID of the user who acted, in a guild or a DM.
func interactionUser(i *discordgo.Interaction) string {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User.ID
	}
	if i.User != nil {
		return i.User.ID
	}
	return ""
}

// noMentions keeps bot messages from pinging anyone.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// errLate reports an HTTP interaction answered after its HTTP request ended.
var errLate = errors.New("discord: interaction response came after the HTTP request ended")
