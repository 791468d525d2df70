package discord

import (
	"github.com/bwmarrin/discordgo"
)

// ActionLicense is the panel's license select: the artist picks the license
// of the post. Its press carries the chosen value in Press.Values.
const ActionLicense Action = "license"

// LicenseChoice is one option of the license select.
type LicenseChoice struct {
	Value string // what the handler gets back: a license URL, or a token of its own
	Label string // shown to the artist
}

// Discord's limits on a string select.
const (
	maxSelectOptions     = 25
	maxSelectOptionValue = 100
	maxSelectOptionLabel = 100
)

// licenseRow is the action row of the license select, shown on pending panels
// that offer licenses. The option whose Value is p.License is preselected.
func licenseRow(p Panel) (discordgo.ActionsRow, bool, error) {
	if len(p.Licenses) == 0 {
		return discordgo.ActionsRow{}, false, nil
	}
	id, err := encodeCustomID(string(ActionLicense), p.SubmissionID)
	if err != nil {
		return discordgo.ActionsRow{}, false, err
	}
	one := 1
	menu := discordgo.SelectMenu{
		MenuType:    discordgo.StringSelectMenu,
		CustomID:    id,
		Placeholder: "License of this post",
		MinValues:   &one,
		MaxValues:   1,
	}
	for _, l := range p.Licenses {
		if len(menu.Options) == maxSelectOptions || l.Value == "" || len(l.Value) > maxSelectOptionValue {
			continue
		}
		menu.Options = append(menu.Options, discordgo.SelectMenuOption{
			Label:   truncate("License: "+l.Label, maxSelectOptionLabel),
			Value:   l.Value,
			Default: l.Value == p.License,
		})
	}
	if len(menu.Options) == 0 {
		return discordgo.ActionsRow{}, false, nil
	}
	return discordgo.ActionsRow{Components: []discordgo.MessageComponent{menu}}, true, nil
}
