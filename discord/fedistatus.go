package discord

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// statusCommandName is the slash command that shows a post's federation receipt.
const statusCommandName = "fedi_status"

// StatusHandler is implemented by a Handler that answers /fedi_status; the bot
// answers the command only for such a handler.
type StatusHandler interface {
	// FediStatus answers /fedi_status with the post's federation receipt
	// (servers reached, pending, failed), to its artist only. ref is empty
	// inside a thread (the thread's post is meant).
	FediStatus(ctx context.Context, inv Invocation, ref string) Reply
}

// statusCommand is /fedi_status for the given contexts.
func statusCommand(dm *bool, contexts *[]discordgo.InteractionContextType) *discordgo.ApplicationCommand {
	return &discordgo.ApplicationCommand{
		Name:         statusCommandName,
		Type:         discordgo.ChatApplicationCommand,
		Description:  "See which Fediverse servers your post reached",
		DMPermission: dm,
		Contexts:     contexts,
		Options: []*discordgo.ApplicationCommandOption{{
			Type:        discordgo.ApplicationCommandOptionString,
			Name:        "post",
			Description: "The post's ID or link (not needed inside the submission's thread)",
			Required:    false,
			MaxLength:   512,
		}},
	}
}

// onStatusCommand answers /fedi_status privately (ephemeral) with what the
// handler says.
func (b *Bot) onStatusCommand(ctx context.Context, i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData, respond responder) {
	sh, ok := b.h.(StatusHandler)
	if !ok {
		return
	}
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
	if !b.guard("FediStatus", func() { reply = sh.FediStatus(hctx, inv, ref) }) {
		reply = Reply{Ephemeral: msgInternalError}
	}
	text := truncate(reply.Ephemeral, maxContent)
	if text == "" {
		text = msgDone
	}
	if _, err := b.session.InteractionResponseEdit(i, &discordgo.WebhookEdit{
		Content:         &text,
		AllowedMentions: noMentions(),
	}, discordgo.WithContext(hctx)); err != nil {
		b.log.Error("answering /fedi_status failed", "interaction", i.ID, "err", err)
	}
}
