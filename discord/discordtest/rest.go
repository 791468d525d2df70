package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// apiPrefix matches the versioned REST prefix the fake serves.
var apiPrefix = regexp.MustCompile(`^/api/v(9|10)(/.*)$`)

// ctx of one REST request.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	route string
	token string
	bot   *bot
	body  []byte
	idx   int // index in s.requests
}

func (s *Server) routes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/gateway" || r.URL.Path == "/gateway/":
			s.record(r, r.URL.Path, "", nil, 0)
			s.serveGateway(w, r)
		case strings.HasPrefix(r.URL.Path, "/attachments/"):
			s.serveCDN(w, r)
		case strings.HasPrefix(r.URL.Path, "/external/"):
			s.serveProxy(w, r)
		default:
			s.serveAPI(w, r)
		}
	})
}

// record stores a request and returns its index.
func (s *Server) record(r *http.Request, route, token string, body []byte, status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Route: route, Token: token, Body: body, Status: status, At: time.Now(),
	})
	s.notifyLocked()
	return len(s.requests) - 1
}

func (c *call) reply(s *Server, status int, v any) {
	s.mu.Lock()
	s.requests[c.idx].Status = status
	s.notifyLocked()
	s.mu.Unlock()
	if status == http.StatusNoContent {
		c.w.WriteHeader(status)
		return
	}
	data, _ := json.Marshal(v)
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(data)
}

func (c *call) fail(s *Server, status, code int, msg string) {
	c.reply(s, status, map[string]any{"message": msg, "code": code})
}

func (c *call) formError(s *Server, f *formErrors) {
	c.reply(s, http.StatusBadRequest, f.body())
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	m := apiPrefix.FindStringSubmatch(r.URL.Path)
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if m == nil {
		idx := s.record(r, r.URL.Path, "", body, 0)
		c := &call{w: w, r: r, idx: idx}
		c.fail(s, http.StatusNotFound, 0, "404: Not Found")
		return
	}
	route := m[2]
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bot ")
	c := &call{w: w, r: r, route: route, token: token, body: body}
	c.idx = s.record(r, route, token, body, 0)

	// Interaction callbacks and interaction webhooks authenticate by their token.
	tokenRoute := strings.HasPrefix(route, "/interactions/") || strings.HasPrefix(route, "/webhooks/")
	s.mu.Lock()
	c.bot = s.bots[token]
	limited := s.takeRateLimitLocked(r.Method, route)
	down := s.down
	s.mu.Unlock()
	if !tokenRoute && c.bot == nil {
		c.fail(s, http.StatusUnauthorized, 0, "401: Unauthorized")
		return
	}
	if limited != nil && limited.status != 0 {
		c.fail(s, limited.status, 0, fmt.Sprintf("%d: scripted failure", limited.status))
		return
	}
	if limited != nil {
		secs := limited.retryAfter.Seconds()
		h := w.Header()
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(secs))))
		h.Set("X-RateLimit-Limit", "5")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().Add(limited.retryAfter).UnixMilli())/1000, 'f', 3, 64))
		h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
		h.Set("X-RateLimit-Bucket", "fake-"+strings.ReplaceAll(limited.prefix, "/", "-"))
		h.Set("X-RateLimit-Scope", "user")
		c.reply(s, http.StatusTooManyRequests, map[string]any{
			"message": "You are being rate limited.", "retry_after": secs, "global": false,
		})
		return
	}
	parts := strings.Split(strings.Trim(route, "/"), "/")
	switch {
	case r.Method == http.MethodGet && (route == "/gateway" || route == "/gateway/bot"):
		if down {
			c.fail(s, http.StatusServiceUnavailable, 0, "upstream connect error")
			return
		}
		resp := map[string]any{"url": s.wsURL}
		if route == "/gateway/bot" {
			resp["shards"] = 1
			resp["session_start_limit"] = map[string]any{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
		}
		c.reply(s, http.StatusOK, resp)
	case r.Method == http.MethodGet && route == "/users/@me":
		c.reply(s, http.StatusOK, wireUser(c.bot.user))
	case r.Method == http.MethodPost && route == "/users/@me/channels":
		s.createDM(c)
	case len(parts) == 2 && parts[0] == "channels" && r.Method == http.MethodGet:
		s.getChannel(c, parts[1])
	case len(parts) == 3 && parts[0] == "channels" && parts[2] == "messages" && r.Method == http.MethodPost:
		s.createMessage(c, parts[1])
	case len(parts) == 4 && parts[0] == "channels" && parts[2] == "messages":
		switch r.Method {
		case http.MethodGet:
			s.getMessage(c, parts[1], parts[3])
		case http.MethodPatch:
			s.editMessage(c, parts[1], parts[3])
		case http.MethodDelete:
			s.deleteMessage(c, parts[1], parts[3])
		default:
			c.fail(s, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
		}
	case parts[0] == "applications" && len(parts) == 3 && parts[2] == "commands":
		s.commandsRoute(c, parts[1], "")
	case parts[0] == "applications" && len(parts) == 5 && parts[2] == "guilds" && parts[4] == "commands":
		s.commandsRoute(c, parts[1], parts[3])
	case parts[0] == "interactions" && len(parts) == 4 && parts[3] == "callback" && r.Method == http.MethodPost:
		s.interactionCallback(c, parts[1], parts[2])
	case parts[0] == "webhooks" && len(parts) == 3 && r.Method == http.MethodPost:
		s.followup(c, parts[1], parts[2])
	case parts[0] == "webhooks" && len(parts) == 5 && parts[3] == "messages":
		s.webhookMessage(c, parts[1], parts[2], parts[4])
	default:
		c.fail(s, http.StatusNotFound, 0, "404: Not Found")
	}
}

// takeRateLimitLocked consumes a scripted 429 for the request, if any.
func (s *Server) takeRateLimitLocked(method, route string) *rateLimit {
	for _, rl := range s.rateLimits {
		if rl.remaining > 0 && (rl.method == "" || rl.method == method) && strings.HasPrefix(route, rl.prefix) {
			rl.remaining--
			return rl
		}
	}
	return nil
}

func (s *Server) createDM(c *call) {
	var body struct {
		RecipientID string `json:"recipient_id"`
	}
	f := &formErrors{}
	if !decodeStrict(c.body, &body, f) {
		c.formError(s, f)
		return
	}
	if !isSnowflake(body.RecipientID) {
		f.add("recipient_id", "NUMBER_TYPE_COERCE", "Value %q is not snowflake.", body.RecipientID)
		c.formError(s, f)
		return
	}
	s.mu.Lock()
	ch := s.dmChannelLocked(c.bot, body.RecipientID)
	w := wireChannel(ch)
	w["recipients"] = []any{wireUser(s.userLocked(body.RecipientID))}
	s.mu.Unlock()
	c.reply(s, http.StatusOK, w)
}

// dmChannelLocked returns (creating when needed) the DM between a bot and a user.
func (s *Server) dmChannelLocked(b *bot, userID string) *Channel {
	for _, id := range s.order {
		ch := s.channels[id]
		if ch == nil {
			continue // deleted (a thread)
		}
		if ch.Type == ChannelDM && ch.OwnerID == b.appID && ch.Recipient == userID {
			return ch
		}
	}
	s.userLocked(userID)
	ch := &Channel{ID: s.newIDLocked(), Type: ChannelDM, OwnerID: b.appID, Recipient: userID}
	s.channels[ch.ID] = ch
	s.order = append(s.order, ch.ID)
	s.notifyLocked()
	return ch
}

func (s *Server) getChannel(c *call, id string) {
	s.mu.Lock()
	ch, ok := s.channels[id]
	var w map[string]any
	if ok {
		w = wireChannel(ch)
	}
	s.mu.Unlock()
	if !ok {
		c.fail(s, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	c.reply(s, http.StatusOK, w)
}

func (s *Server) getMessage(c *call, channelID, messageID string) {
	s.mu.Lock()
	_, chOK := s.channels[channelID]
	m := s.findMessageLocked(channelID, messageID)
	var w map[string]any
	if m != nil && !m.Deleted {
		w = s.wireMessageLocked(m, true)
	}
	s.mu.Unlock()
	switch {
	case !chOK:
		c.fail(s, http.StatusNotFound, 10003, "Unknown Channel")
	case w == nil:
		c.fail(s, http.StatusNotFound, 10008, "Unknown Message")
	default:
		c.reply(s, http.StatusOK, w)
	}
}

func (s *Server) createMessage(c *call, channelID string) {
	var body messageBody
	f := &formErrors{}
	if !decodeStrict(c.body, &body, f) {
		c.formError(s, f)
		return
	}
	validateMessage(&body, true, false, f)
	if !f.empty() {
		if len(f.list) == 1 && f.list[0].code == "50006" {
			c.fail(s, http.StatusBadRequest, 50006, "Cannot send an empty message")
			return
		}
		c.formError(s, f)
		return
	}
	s.mu.Lock()
	ch, ok := s.channels[channelID]
	if !ok {
		s.mu.Unlock()
		c.fail(s, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	if ch.Type == ChannelForum {
		s.mu.Unlock()
		c.fail(s, http.StatusBadRequest, 50008, "Cannot send messages in a non-text channel")
		return
	}
	m := &Message{ID: s.newIDLocked(), ChannelID: channelID, GuildID: ch.GuildID, Author: c.bot.user, Timestamp: time.Now()}
	applyBody(m, &body)
	s.messages[channelID] = append(s.messages[channelID], m)
	w := s.wireMessageLocked(m, true)
	s.dispatchMessageLocked("MESSAGE_CREATE", m)
	s.notifyLocked()
	s.mu.Unlock()
	c.reply(s, http.StatusOK, w)
}

// applyBody copies the present fields of a payload into a message.
func applyBody(m *Message, b *messageBody) {
	if b.Content != nil {
		m.Content = *b.Content
	}
	if b.Embeds != nil {
		m.Embeds = append([]Embed(nil), *b.Embeds...)
	}
	if b.Components != nil {
		m.Components = append([]Component(nil), *b.Components...)
	}
	if b.Flags != nil {
		m.Flags = *b.Flags
	}
}

func (s *Server) editMessage(c *call, channelID, messageID string) {
	var body messageBody
	if !c.readMessageBody(s, &body, false, false) {
		return
	}
	s.mu.Lock()
	m := s.findMessageLocked(channelID, messageID)
	if m == nil || m.Deleted {
		s.mu.Unlock()
		c.fail(s, http.StatusNotFound, 10008, "Unknown Message")
		return
	}
	if m.Author.ID != c.bot.user.ID {
		s.mu.Unlock()
		c.fail(s, http.StatusForbidden, 50005, "Cannot edit a message authored by another user")
		return
	}
	applyBody(m, &body)
	m.EditedTimestamp = time.Now()
	w := s.wireMessageLocked(m, true)
	s.dispatchMessageLocked("MESSAGE_UPDATE", m)
	s.notifyLocked()
	s.mu.Unlock()
	c.reply(s, http.StatusOK, w)
}

func (s *Server) deleteMessage(c *call, channelID, messageID string) {
	s.mu.Lock()
	m := s.findMessageLocked(channelID, messageID)
	if m == nil || m.Deleted {
		s.mu.Unlock()
		c.fail(s, http.StatusNotFound, 10008, "Unknown Message")
		return
	}
	m.Deleted = true
	d := map[string]any{"id": m.ID, "channel_id": m.ChannelID}
	if m.GuildID != "" {
		d["guild_id"] = m.GuildID
	}
	s.dispatchAllLocked("MESSAGE_DELETE", d, intentForMessage(m))
	s.notifyLocked()
	s.mu.Unlock()
	c.reply(s, http.StatusNoContent, nil)
}

func (s *Server) commandsRoute(c *call, appID, guildID string) {
	if c.bot.appID != appID {
		c.fail(s, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	if guildID != "" {
		s.mu.Lock()
		_, ok := s.guilds[guildID]
		s.mu.Unlock()
		if !ok {
			c.fail(s, http.StatusNotFound, 10004, "Unknown Guild")
			return
		}
	}
	switch c.r.Method {
	case http.MethodGet:
		s.mu.Lock()
		out := []any{}
		for _, cmd := range s.commands {
			if cmd.ApplicationID == appID && cmd.GuildID == guildID {
				out = append(out, wireCommand(cmd))
			}
		}
		s.mu.Unlock()
		c.reply(s, http.StatusOK, out)
	case http.MethodPut:
		var raws []json.RawMessage
		f := &formErrors{}
		if !decodeStrict(c.body, &raws, f) {
			c.formError(s, f)
			return
		}
		bodies := make([]commandBody, len(raws))
		names := map[string]bool{}
		for i, raw := range raws {
			if !decodeStrict(raw, &bodies[i], f) {
				break
			}
			validateCommand(&bodies[i], strconv.Itoa(i), f)
			if names[bodies[i].Name] {
				f.add(strconv.Itoa(i)+".name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
			}
			names[bodies[i].Name] = true
		}
		if !f.empty() {
			c.formError(s, f)
			return
		}
		s.mu.Lock()
		kept := s.commands[:0]
		for _, cmd := range s.commands {
			if cmd.ApplicationID != appID || cmd.GuildID != guildID {
				kept = append(kept, cmd)
			}
		}
		s.commands = kept
		out := []any{}
		for i, b := range bodies {
			cmd := &Command{ID: s.newIDLocked(), ApplicationID: appID, GuildID: guildID, Name: b.Name,
				Raw: append(json.RawMessage(nil), raws[i]...), DMPermission: b.DMPermission}
			if b.Contexts != nil {
				cmd.Contexts = append([]int(nil), *b.Contexts...)
			}
			s.commands = append(s.commands, cmd)
			out = append(out, wireCommand(cmd))
		}
		s.notifyLocked()
		s.mu.Unlock()
		c.reply(s, http.StatusOK, out)
	default:
		c.fail(s, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	}
}

func wireCommand(cmd *Command) map[string]any {
	var w map[string]any
	_ = json.Unmarshal(cmd.Raw, &w)
	if w == nil {
		w = map[string]any{}
	}
	w["id"] = cmd.ID
	w["application_id"] = cmd.ApplicationID
	w["version"] = cmd.ID
	if w["type"] == nil {
		w["type"] = 1
	}
	if cmd.GuildID != "" {
		w["guild_id"] = cmd.GuildID
	}
	return w
}

// readMessageBody decodes and validates a message body as Discord does; on a
// problem it answers the request with the form error and returns false.
func (c *call) readMessageBody(s *Server, body *messageBody, create, followup bool) bool {
	f := &formErrors{}
	if !decodeStrict(c.body, body, f) {
		c.formError(s, f)
		return false
	}
	validateMessage(body, create, followup, f)
	if !f.empty() {
		c.formError(s, f)
		return false
	}
	return true
}
