package discord

import (
	"context"

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
	b.answerPostCommand(ctx, i, data, respond, "/"+statusCommandName, sh.FediStatus)
}
