package discordtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// SelectOption is one option of a string select, as Discord stores it.
type SelectOption struct {
	Label   string `json:"label"`
	Value   string `json:"value"`
	Default bool   `json:"default,omitempty"`
}

// Selects returns every string select (component type 3) in the components, in order.
func Selects(cs []Component) []Component {
	var out []Component
	for _, c := range cs {
		if c.Type == 3 {
			out = append(out, c)
		}
		out = append(out, Selects(c.Components)...)
	}
	return out
}

// OptionsOf decodes the options of a select.
func OptionsOf(c Component) []SelectOption {
	var opts []SelectOption
	_ = json.Unmarshal(c.Options, &opts)
	return opts
}

// ChooseOptions picks values in the string select with customID on a message,
// as userID. As Discord does, it refuses values the select does not offer and
// more or fewer values than the select allows.
func (s *Server) ChooseOptions(userID, channelID, messageID, customID string, values ...string) (*Interaction, error) {
	s.mu.Lock()
	m := s.findMessageLocked(channelID, messageID)
	if m == nil || m.Deleted {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: no message %s in %s", messageID, channelID)
	}
	var sel *Component
	for _, c := range Selects(m.Components) {
		if c.CustomID == customID {
			sel = &c
			break
		}
	}
	if sel == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: message %s has no select %q", messageID, customID)
	}
	if sel.Disabled || !m.Author.Bot {
		s.mu.Unlock()
		return nil, errors.New("discordtest: that select cannot be used")
	}
	minV, maxV := 1, 1
	if sel.MinValues != nil {
		minV = *sel.MinValues
	}
	if sel.MaxValues != nil {
		maxV = *sel.MaxValues
	}
	if len(values) < minV || len(values) > maxV {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: %d values for a select of %d to %d", len(values), minV, maxV)
	}
	offered := OptionsOf(*sel)
	for _, v := range values {
		if !slices.ContainsFunc(offered, func(o SelectOption) bool { return o.Value == v }) {
			s.mu.Unlock()
			return nil, fmt.Errorf("discordtest: the select offers no value %q", v)
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
