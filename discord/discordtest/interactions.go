package discordtest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Interaction types.
const (
	InteractionPing          = 1
	InteractionCommand       = 2
	InteractionComponent     = 3
	InteractionModalSubmit   = 5
	callbackPong             = 1
	callbackMessage          = 4
	callbackDeferredMessage  = 5
	callbackDeferredUpdate   = 6
	callbackUpdateMessage    = 7
	callbackModal            = 9
	maxWaitForCallbackOnHook = time.Second
)

// Interaction is an interaction the fake dispatched, with what the bot did
// with it. Read it through its methods; they are safe for concurrent use.
type Interaction struct {
	srv          *Server
	ID           string
	Token        string
	AppID        string
	Type         int
	ChannelID    string
	GuildID      string
	UserID       string
	MessageID    string // the message a component was on
	DispatchedAt time.Time

	// Guarded by srv.mu.
	callback   *Callback
	callbackAt time.Time
	original   *Message // the response message of a type 4/5 callback
	followups  []*Message
	httpStatus int
}

// Callback is the initial response to an interaction.
type Callback struct {
	Type       int
	Content    string
	Flags      int
	CustomID   string // modal
	Title      string // modal
	Components []Component
	Embeds     []Embed
}

// Callback returns the initial response, if any.
func (i *Interaction) Callback() (Callback, bool) {
	i.srv.mu.Lock()
	defer i.srv.mu.Unlock()
	if i.callback == nil {
		return Callback{}, false
	}
	return *i.callback, true
}

// WaitCallback waits for the initial response.
func (i *Interaction) WaitCallback(ctx context.Context) (Callback, error) {
	var cb Callback
	err := i.srv.WaitFor(ctx, func() bool {
		var ok bool
		cb, ok = i.Callback()
		return ok
	})
	return cb, err
}

// Latency is the time from dispatch to the initial response (0 before it).
func (i *Interaction) Latency() time.Duration {
	i.srv.mu.Lock()
	defer i.srv.mu.Unlock()
	if i.callback == nil {
		return 0
	}
	return i.callbackAt.Sub(i.DispatchedAt)
}

// Original returns the response message of a type 4 or 5 callback.
func (i *Interaction) Original() (Message, bool) {
	i.srv.mu.Lock()
	defer i.srv.mu.Unlock()
	if i.original == nil {
		return Message{}, false
	}
	return cloneMessage(i.original), true
}

// Followups returns the follow-up messages, oldest first.
func (i *Interaction) Followups() []Message {
	i.srv.mu.Lock()
	defer i.srv.mu.Unlock()
	out := make([]Message, 0, len(i.followups))
	for _, m := range i.followups {
		out = append(out, cloneMessage(m))
	}
	return out
}

// HTTPStatus is the status the bot's interactions endpoint answered (HTTP
// delivery only).
func (i *Interaction) HTTPStatus() int {
	i.srv.mu.Lock()
	defer i.srv.mu.Unlock()
	return i.httpStatus
}

// SetInteractionsEndpoint makes the fake deliver this application's
// interactions by signed HTTP POST to url (as Discord does when an
// interactions endpoint URL is set) instead of over the gateway. key signs
// the requests; its public half is the application's public key.
func (s *Server) SetInteractionsEndpoint(appID, url string, key ed25519.PrivateKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.botByAppLocked(appID); b != nil {
		b.endpoint = url
		b.signKey = key
	}
}

// ClickButton presses the button with customID on a message, as userID.
func (s *Server) ClickButton(userID, channelID, messageID, customID string) (*Interaction, error) {
	s.mu.Lock()
	m := s.findMessageLocked(channelID, messageID)
	if m == nil || m.Deleted {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: no message %s in %s", messageID, channelID)
	}
	var btn *Component
	for _, b := range Buttons(m.Components) {
		if b.CustomID == customID {
			btn = &b
			break
		}
	}
	if btn == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: message %s has no button %q", messageID, customID)
	}
	if btn.Disabled {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: button %q is disabled", customID)
	}
	if !m.Author.Bot {
		s.mu.Unlock()
		return nil, errors.New("discordtest: only bot messages have buttons")
	}
	i := s.newInteractionLocked(InteractionComponent, m.Author.ID, userID, m.ChannelID)
	i.MessageID = m.ID
	d := s.wireInteractionLocked(i)
	d["message"] = s.wireMessageLocked(m, true)
	d["data"] = map[string]any{"custom_id": customID, "component_type": 2}
	s.mu.Unlock()
	return i, s.deliver(i, d)
}

// SubmitModal submits the modal that the interaction opened, with values by
// text input custom_id.
func (s *Server) SubmitModal(opened *Interaction, userID string, values map[string]string) (*Interaction, error) {
	s.mu.Lock()
	cb := opened.callback
	if cb == nil || cb.Type != callbackModal {
		s.mu.Unlock()
		return nil, errors.New("discordtest: that interaction did not open a modal")
	}
	rows := []any{}
	for _, row := range cb.Components {
		for _, in := range row.Components {
			v, ok := values[in.CustomID]
			if !ok {
				v = in.Value
			}
			rows = append(rows, map[string]any{"type": 1, "components": []any{
				map[string]any{"type": 4, "custom_id": in.CustomID, "value": v},
			}})
		}
	}
	i := s.newInteractionLocked(InteractionModalSubmit, opened.AppID, userID, opened.ChannelID)
	i.MessageID = opened.MessageID
	d := s.wireInteractionLocked(i)
	if m := s.findMessageLocked(opened.ChannelID, opened.MessageID); m != nil {
		d["message"] = s.wireMessageLocked(m, true)
	}
	d["data"] = map[string]any{"custom_id": cb.CustomID, "components": rows}
	s.mu.Unlock()
	return i, s.deliver(i, d)
}

// RunSlashCommand runs a registered chat command of appID as userID, in
// channelID or, when channelID is empty, in the user's DM with the bot.
// Options are string options by name.
func (s *Server) RunSlashCommand(appID, userID, channelID, name string, options map[string]string) (*Interaction, error) {
	s.mu.Lock()
	b := s.botByAppLocked(appID)
	if b == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: unknown application %s", appID)
	}
	guildID := ""
	if channelID == "" {
		channelID = s.dmChannelLocked(b, userID).ID
	} else {
		ch, ok := s.channels[channelID]
		if !ok {
			s.mu.Unlock()
			return nil, fmt.Errorf("discordtest: unknown channel %s", channelID)
		}
		guildID = ch.GuildID
	}
	var cmd *Command
	for _, c := range s.commands {
		if c.ApplicationID == appID && c.Name == name && (c.GuildID == "" || c.GuildID == guildID) {
			cmd = c
		}
	}
	if cmd == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: command /%s is not registered for this place", name)
	}
	if guildID == "" {
		dmOK := cmd.GuildID == "" && (cmd.DMPermission == nil || *cmd.DMPermission)
		if cmd.Contexts != nil {
			dmOK = cmd.GuildID == "" && slices.Contains(cmd.Contexts, 1)
		}
		if !dmOK {
			s.mu.Unlock()
			return nil, fmt.Errorf("discordtest: command /%s is not usable in DMs", name)
		}
	}
	i := s.newInteractionLocked(InteractionCommand, appID, userID, channelID)
	d := s.wireInteractionLocked(i)
	opts := []any{}
	names := make([]string, 0, len(options))
	for k := range options {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		opts = append(opts, map[string]any{"name": k, "type": 3, "value": options[k]})
	}
	d["data"] = map[string]any{"id": cmd.ID, "name": name, "type": 1, "options": opts}
	s.mu.Unlock()
	return i, s.deliver(i, d)
}

// Ping sends a PING interaction to the application's HTTP endpoint.
func (s *Server) Ping(appID string) (*Interaction, error) {
	s.mu.Lock()
	i := s.newInteractionLocked(InteractionPing, appID, "", "")
	d := map[string]any{"id": i.ID, "application_id": appID, "type": 1, "token": i.Token, "version": 1}
	s.mu.Unlock()
	return i, s.deliver(i, d)
}

func (s *Server) newInteractionLocked(typ int, appID, userID, channelID string) *Interaction {
	i := &Interaction{srv: s, ID: s.newIDLocked(), Token: "aW50ZXJhY3Rpb24" + randomToken(), AppID: appID,
		Type: typ, ChannelID: channelID, UserID: userID}
	if ch := s.channels[channelID]; ch != nil {
		i.GuildID = ch.GuildID
	}
	s.interactions[i.ID] = i
	return i
}

// wireInteractionLocked renders the common interaction fields.
func (s *Server) wireInteractionLocked(i *Interaction) map[string]any {
	d := map[string]any{
		"id":                             i.ID,
		"application_id":                 i.AppID,
		"type":                           i.Type,
		"token":                          i.Token,
		"version":                        1,
		"channel_id":                     i.ChannelID,
		"locale":                         "en-US",
		"app_permissions":                "2248473465835073",
		"entitlements":                   []any{},
		"authorizing_integration_owners": map[string]any{"0": "0"},
	}
	if ch := s.channels[i.ChannelID]; ch != nil {
		d["channel"] = wireChannel(ch)
	}
	u := wireUser(s.userLocked(i.UserID))
	if i.GuildID != "" {
		d["guild_id"] = i.GuildID
		d["guild_locale"] = "en-US"
		d["context"] = 0
		d["member"] = map[string]any{
			"user": u, "roles": []any{}, "joined_at": time.Now().UTC().Format(time.RFC3339),
			"permissions": "2248473465835073", "deaf": false, "mute": false, "flags": 0,
		}
	} else {
		d["context"] = 1
		d["user"] = u
	}
	return d
}

// deliver sends the interaction over the gateway or to the HTTP endpoint.
func (s *Server) deliver(i *Interaction, d map[string]any) error {
	s.mu.Lock()
	b := s.botByAppLocked(i.AppID)
	if b == nil {
		s.mu.Unlock()
		return fmt.Errorf("discordtest: unknown application %s", i.AppID)
	}
	if b.endpoint == "" {
		i.DispatchedAt = time.Now()
		n := 0
		for _, sess := range s.sessions {
			if sess.token == b.token && sess.conn != nil {
				s.dispatchToLocked(sess, "INTERACTION_CREATE", d)
				n++
			}
		}
		if n == 0 {
			// Like Discord, a bot without a live connection still gets it on
			// Resume if it has a session.
			for _, sess := range s.sessions {
				if sess.token == b.token {
					s.dispatchToLocked(sess, "INTERACTION_CREATE", d)
					n++
				}
			}
		}
		s.notifyLocked()
		s.mu.Unlock()
		if n == 0 {
			return errors.New("discordtest: the bot has no gateway session")
		}
		return nil
	}
	url, key := b.endpoint, b.signKey
	s.mu.Unlock()

	body, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("discordtest: %w", err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig := ed25519.Sign(key, append([]byte(ts), body...))
	req, err := http.NewRequestWithContext(s.closeCtx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("discordtest: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	req.Header.Set("X-Signature-Timestamp", ts)
	s.mu.Lock()
	i.DispatchedAt = time.Now()
	s.mu.Unlock()
	resp, err := s.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("discordtest: POST interaction: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	s.mu.Lock()
	i.httpStatus = resp.StatusCode
	s.notifyLocked()
	s.mu.Unlock()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("discordtest: interactions endpoint answered %d: %s", resp.StatusCode, bytes.TrimSpace(raw))
	}
	if status, msg := s.acceptCallback(i, raw); status != http.StatusNoContent {
		return fmt.Errorf("discordtest: the endpoint's response was refused (%d): %s", status, msg)
	}
	return nil
}

// callbackBody is an interaction response.
type callbackBody struct {
	Type *int            `json:"type"`
	Data json.RawMessage `json:"data"`
}

// interactionCallback serves POST /interactions/{id}/{token}/callback.
func (s *Server) interactionCallback(c *call, id, token string) {
	s.mu.Lock()
	i := s.interactions[id]
	s.mu.Unlock()
	if i == nil || i.Token != token {
		c.fail(s, http.StatusNotFound, 10062, "Unknown interaction")
		return
	}
	status, body := s.acceptCallback(i, c.body)
	if status == http.StatusNoContent {
		c.reply(s, status, nil)
		return
	}
	c.reply(s, status, body)
}

// acceptCallback validates and records an initial response; it returns 204 or
// an error status with a Discord-style body.
func (s *Server) acceptCallback(i *Interaction, raw []byte) (int, any) {
	var cb callbackBody
	f := &formErrors{}
	if !decodeStrict(raw, &cb, f) {
		return http.StatusBadRequest, f.body()
	}
	if cb.Type == nil {
		f.add("type", "BASE_TYPE_REQUIRED", "This field is required")
		return http.StatusBadRequest, f.body()
	}
	t := *cb.Type
	allowed := map[int][]int{
		InteractionPing:        {callbackPong},
		InteractionCommand:     {callbackMessage, callbackDeferredMessage, callbackModal},
		InteractionComponent:   {callbackMessage, callbackDeferredMessage, callbackDeferredUpdate, callbackUpdateMessage, callbackModal},
		InteractionModalSubmit: {callbackMessage, callbackDeferredMessage, callbackDeferredUpdate, callbackUpdateMessage},
	}[i.Type]
	if !slices.Contains(allowed, t) {
		f.add("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Interaction response type %d is not valid for interaction type %d", t, i.Type)
		return http.StatusBadRequest, f.body()
	}
	out := &Callback{Type: t}
	var msg messageBody
	switch t {
	case callbackMessage, callbackUpdateMessage, callbackDeferredMessage:
		if len(cb.Data) > 0 && string(cb.Data) != "null" {
			if !decodeStrict(cb.Data, &msg, f) {
				return http.StatusBadRequest, f.body()
			}
			validateMessage(&msg, t == callbackMessage, t != callbackUpdateMessage, f)
		} else if t == callbackMessage {
			f.add("data", "BASE_TYPE_REQUIRED", "This field is required")
		}
	case callbackModal:
		var m modalBody
		if !decodeStrict(cb.Data, &m, f) {
			return http.StatusBadRequest, f.body()
		}
		validateModal(&m, f)
		out.CustomID, out.Title, out.Components = m.CustomID, m.Title, m.Components
	}
	if !f.empty() {
		return http.StatusBadRequest, f.body()
	}
	if msg.Content != nil {
		out.Content = *msg.Content
	}
	if msg.Flags != nil {
		out.Flags = *msg.Flags
	}
	if msg.Components != nil && t != callbackModal {
		out.Components = *msg.Components
	}
	if msg.Embeds != nil {
		out.Embeds = *msg.Embeds
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if i.callback != nil {
		return http.StatusBadRequest, map[string]any{"message": "Interaction has already been acknowledged.", "code": 40060}
	}
	now := time.Now()
	if now.Sub(i.DispatchedAt) > s.opts.InteractionDeadline {
		return http.StatusNotFound, map[string]any{"message": "Unknown interaction", "code": 10062}
	}
	i.callback, i.callbackAt = out, now
	b := s.botByAppLocked(i.AppID)
	switch t {
	case callbackMessage, callbackDeferredMessage:
		m := &Message{ID: s.newIDLocked(), ChannelID: i.ChannelID, GuildID: i.GuildID, Timestamp: now,
			InteractionID: i.ID, Content: out.Content, Flags: out.Flags, Components: out.Components, Embeds: out.Embeds}
		if b != nil {
			m.Author = b.user
		}
		i.original = m
		if out.Flags&FlagEphemeral == 0 {
			s.messages[i.ChannelID] = append(s.messages[i.ChannelID], m)
			s.dispatchMessageLocked("MESSAGE_CREATE", m)
		}
	case callbackUpdateMessage:
		if m := s.findMessageLocked(i.ChannelID, i.MessageID); m != nil {
			applyBody(m, &msg)
			m.EditedTimestamp = now
			s.dispatchMessageLocked("MESSAGE_UPDATE", m)
		}
	}
	s.notifyLocked()
	return http.StatusNoContent, nil
}

// interactionByToken finds the interaction of a webhook route, waiting briefly
// for its callback (an HTTP endpoint's response may still be on its way).
func (s *Server) interactionByToken(c *call, appID, token string) *Interaction {
	s.mu.Lock()
	var found *Interaction
	for _, i := range s.interactions {
		if i.AppID == appID && i.Token == token {
			found = i
			break
		}
	}
	s.mu.Unlock()
	if found == nil {
		c.fail(s, http.StatusNotFound, 10015, "Unknown Webhook")
		return nil
	}
	ctx, cancel := context.WithTimeout(s.closeCtx, maxWaitForCallbackOnHook)
	defer cancel()
	if _, err := found.WaitCallback(ctx); err != nil {
		c.fail(s, http.StatusNotFound, 10015, "Unknown Webhook")
		return nil
	}
	return found
}

// followup serves POST /webhooks/{app}/{token}: an interaction follow-up.
func (s *Server) followup(c *call, appID, token string) {
	i := s.interactionByToken(c, appID, token)
	if i == nil {
		return
	}
	var body messageBody
	if !c.readMessageBody(s, &body, true, true) {
		return
	}
	s.mu.Lock()
	m := &Message{ID: s.newIDLocked(), ChannelID: i.ChannelID, GuildID: i.GuildID, Timestamp: time.Now(), InteractionID: i.ID}
	if b := s.botByAppLocked(appID); b != nil {
		m.Author = b.user
	}
	applyBody(m, &body)
	i.followups = append(i.followups, m)
	if m.Flags&FlagEphemeral == 0 {
		s.messages[i.ChannelID] = append(s.messages[i.ChannelID], m)
		s.dispatchMessageLocked("MESSAGE_CREATE", m)
	}
	w := s.wireMessageLocked(m, true)
	s.notifyLocked()
	s.mu.Unlock()
	if c.r.URL.Query().Get("wait") == "true" {
		c.reply(s, http.StatusOK, w)
		return
	}
	c.reply(s, http.StatusNoContent, nil)
}

// webhookMessage serves GET/PATCH/DELETE /webhooks/{app}/{token}/messages/{id}.
func (s *Server) webhookMessage(c *call, appID, token, messageID string) {
	i := s.interactionByToken(c, appID, token)
	if i == nil {
		return
	}
	s.mu.Lock()
	var target *Message
	if messageID == "@original" {
		switch i.callback.Type {
		case callbackDeferredUpdate, callbackUpdateMessage:
			target = s.findMessageLocked(i.ChannelID, i.MessageID)
		default:
			target = i.original
		}
	} else {
		for _, m := range i.followups {
			if m.ID == messageID {
				target = m
			}
		}
	}
	gone := target == nil || target.Deleted
	s.mu.Unlock()
	if gone {
		c.fail(s, http.StatusNotFound, 10008, "Unknown Message")
		return
	}
	switch c.r.Method {
	case http.MethodGet:
		s.mu.Lock()
		w := s.wireMessageLocked(target, true)
		s.mu.Unlock()
		c.reply(s, http.StatusOK, w)
	case http.MethodDelete:
		s.mu.Lock()
		target.Deleted = true
		s.notifyLocked()
		s.mu.Unlock()
		c.reply(s, http.StatusNoContent, nil)
	case http.MethodPatch:
		var body messageBody
		if !c.readMessageBody(s, &body, false, false) {
			return
		}
		s.mu.Lock()
		applyBody(target, &body)
		target.EditedTimestamp = time.Now()
		if target.Flags&FlagEphemeral == 0 {
			s.dispatchMessageLocked("MESSAGE_UPDATE", target)
		}
		w := s.wireMessageLocked(target, true)
		s.notifyLocked()
		s.mu.Unlock()
		c.reply(s, http.StatusOK, w)
	default:
		c.fail(s, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	}
}
