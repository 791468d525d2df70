package discord

import (
	"context"
	"fmt"
	"slices"

	"github.com/bwmarrin/discordgo"
)

// commands is the application's slash command set for the given contexts,
// overwritten in bulk at start.
func commands(contexts ...discordgo.InteractionContextType) []*discordgo.ApplicationCommand {
	dm := slices.Contains(contexts, discordgo.InteractionContextBotDM)
	return []*discordgo.ApplicationCommand{{
		Name:         deleteCommandName,
		Type:         discordgo.ChatApplicationCommand,
		Description:  "Take your art down from the Fediverse",
		DMPermission: &dm,
		Contexts:     &contexts,
		Options: []*discordgo.ApplicationCommandOption{{
			Type:        discordgo.ApplicationCommandOptionString,
			Name:        "post",
			Description: "The post's ID or link (not needed inside the submission's thread)",
			Required:    false,
			MaxLength:   512,
		}},
	}, statusCommand(&dm, &contexts)}
}

// registerCommands overwrites the application's commands. With a guild
// configured, /delete_fedi is a guild command there (visible at once) and a
// global command limited to DMs with the bot (guild commands never reach DMs);
// without one it is a single global command for both.
func (b *Bot) registerCommands(ctx context.Context) error {
	global := commands(discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM)
	if b.cfg.GuildID != "" {
		global = commands(discordgo.InteractionContextBotDM)
		if _, err := b.session.ApplicationCommandBulkOverwrite(b.cfg.ApplicationID, b.cfg.GuildID,
			commands(discordgo.InteractionContextGuild), discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("discord: overwrite guild commands: %w", err)
		}
	}
	if _, err := b.session.ApplicationCommandBulkOverwrite(b.cfg.ApplicationID, "", global,
		discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("discord: overwrite global commands: %w", err)
	}
	return nil
}
