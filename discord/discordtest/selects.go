package discordtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// SelectOption is one option of a string select menu (component type 3).
type SelectOption struct {
	Label   string `json:"label"`
	Value   string `json:"value"`
	Default bool   `json:"default,omitempty"`
}

// SelectOptions decodes the options of a string select menu.
func (c Component) SelectOptions() []SelectOption {
	var out []SelectOption
	_ = json.Unmarshal(c.Options, &out)
	return out
}

// Selects returns every select menu (types 3, 5–8) in the components, in order.
func Selects(cs []Component) []Component {
	var out []Component
	for _, c := range cs {
		switch c.Type {
		case 3, 5, 6, 7, 8:
			out = append(out, c)
		}
		out = append(out, Selects(c.Components)...)
	}
	return out
}

// ChooseOptions picks values in a string select menu of a bot message, as a
// user does in the client: the values must be options of the menu, between its
// min_values (default 1) and max_values (default 1). The interaction is a
// MESSAGE_COMPONENT whose data carries component_type 3 and the values.
func (s *Server) ChooseOptions(userID, channelID, messageID, customID string, values ...string) (*Interaction, error) {
	s.mu.Lock()
	m := s.findMessageLocked(channelID, messageID)
	if m == nil || m.Deleted {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: no message %s in %s", messageID, channelID)
	}
	var menu *Component
	for _, c := range Selects(m.Components) {
		if c.CustomID == customID {
			menu = &c
			break
		}
	}
	switch {
	case menu == nil:
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: message %s has no select %q", messageID, customID)
	case menu.Disabled:
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: select %q is disabled", customID)
	case menu.Type != 3:
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: select %q is not a string select", customID)
	case !m.Author.Bot:
		s.mu.Unlock()
		return nil, errors.New("discordtest: only bot messages have selects")
	}
	lo, hi := 1, 1
	if menu.MinValues != nil {
		lo = *menu.MinValues
	}
	if menu.MaxValues != nil {
		hi = *menu.MaxValues
	}
	if len(values) < lo || len(values) > hi {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: select %q takes %d to %d values, not %d", customID, lo, hi, len(values))
	}
	opts := menu.SelectOptions()
	for _, v := range values {
		if !slices.ContainsFunc(opts, func(o SelectOption) bool { return o.Value == v }) {
			s.mu.Unlock()
			return nil, fmt.Errorf("discordtest: %q is not an option of select %q", v, customID)
		}
	}
	i := s.newInteractionLocked(InteractionComponent, m.Author.ID, userID, m.ChannelID)
	i.MessageID = m.ID
	d := s.wireInteractionLocked(i)
	d["message"] = s.wireMessageLocked(m, true)
	d["data"] = map[string]any{"custom_id": customID, "component_type": 3, "values": values}
	s.mu.Unlock()
	return i, s.deliver(i, d)
}
