package discordtest

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// gwSession is a gateway session: it outlives connections so it can be resumed.
type gwSession struct {
	id      string
	token   string
	intents int
	seq     int64
	log     []gwFrame // every dispatch, for Resume replay
	conn    *gwConn
}

// gwFrame is one dispatch frame.
type gwFrame struct {
	Op int             `json:"op"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
	D  json.RawMessage `json:"d"`
}

// gwConn is one websocket connection.
type gwConn struct {
	ws      *websocket.Conn
	out     chan []byte
	done    chan struct{}
	once    sync.Once
	session *gwSession // guarded by Server.mu
}

// kill closes the connection abruptly (no close frame), like a dropped socket.
func (c *gwConn) kill() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.UnderlyingConn().Close()
	})
}

// send queues a frame; a full queue drops the connection.
func (c *gwConn) send(frame []byte) {
	select {
	case c.out <- frame:
	case <-c.done:
	default:
		c.kill()
	}
}

// writer sends queued frames in order.
func (c *gwConn) writer() {
	for {
		select {
		case <-c.done:
			return
		case f := <-c.out:
			_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := c.ws.WriteMessage(websocket.TextMessage, f); err != nil {
				c.kill()
				return
			}
		}
	}
}

func opFrame(op int, d any) []byte {
	raw, _ := json.Marshal(d)
	b, _ := json.Marshal(gwFrame{Op: op, D: raw})
	return b
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveGateway runs one gateway connection.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	refuse := s.down || s.closed
	s.mu.Unlock()
	if refuse {
		http.Error(w, "gateway unavailable", http.StatusServiceUnavailable)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws, out: make(chan []byte, 4096), done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.conns[c] = true
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	go c.writer()
	defer func() {
		c.kill()
		s.mu.Lock()
		delete(s.conns, c)
		if c.session != nil && c.session.conn == c {
			c.session.conn = nil
		}
		s.notifyLocked()
		s.mu.Unlock()
	}()

	c.send(opFrame(10, map[string]any{"heartbeat_interval": s.opts.HeartbeatInterval.Milliseconds()}))
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var in struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(data, &in); err != nil {
			s.closeWith(c, 4002, "Decode error")
			return
		}
		switch in.Op {
		case 1: // heartbeat
			c.send(opFrame(11, nil))
		case 2:
			if !s.identify(c, in.D) {
				return
			}
		case 6:
			if !s.resume(c, in.D) {
				return
			}
		case 3, 4, 8: // presence, voice, request members: accepted, ignored
		default:
			s.closeWith(c, 4001, "Unknown opcode")
			return
		}
	}
}

// closeWith sends a close frame with a gateway close code.
func (s *Server) closeWith(c *gwConn, code int, text string) {
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.kill()
}

func (s *Server) identify(c *gwConn, d json.RawMessage) bool {
	var id struct {
		Token   string `json:"token"`
		Intents *int   `json:"intents"`
	}
	if err := json.Unmarshal(d, &id); err != nil {
		s.closeWith(c, 4002, "Decode error")
		return false
	}
	token := id.Token
	if len(token) > 4 && token[:4] == "Bot " {
		token = token[4:]
	}
	s.mu.Lock()
	b := s.bots[token]
	r, isRefused := s.refused[token]
	s.mu.Unlock()
	if b == nil {
		s.closeWith(c, 4004, "Authentication failed.")
		return false
	}
	if isRefused {
		s.closeWith(c, r.code, r.text)
		return false
	}
	if id.Intents == nil {
		s.closeWith(c, 4013, "Invalid intent(s).")
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.session != nil && c.session.conn == c {
		c.session.conn = nil
	}
	sess := &gwSession{id: randomToken(), token: token, intents: *id.Intents, conn: c}
	s.sessions[sess.id] = sess
	c.session = sess
	s.identifies = append(s.identifies, Identify{Token: token, Intents: *id.Intents, At: time.Now()})
	guilds := []any{}
	for gid := range s.guilds {
		guilds = append(guilds, map[string]any{"id": gid, "unavailable": true})
	}
	s.dispatchToLocked(sess, "READY", map[string]any{
		"v":                  9,
		"user":               wireUser(b.user),
		"guilds":             guilds,
		"session_id":         sess.id,
		"resume_gateway_url": s.wsURL,
		"application":        map[string]any{"id": b.appID, "flags": 0},
		"private_channels":   []any{},
		"relationships":      []any{},
		"user_settings":      map[string]any{},
		"presences":          []any{},
		"shard":              []int{0, 1},
	})
	if sess.intents&IntentGuilds != 0 {
		for gid := range s.guilds {
			s.dispatchToLocked(sess, "GUILD_CREATE", s.wireGuildLocked(gid))
		}
	}
	s.notifyLocked()
	return true
}

func (s *Server) resume(c *gwConn, d json.RawMessage) bool {
	var rs struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if err := json.Unmarshal(d, &rs); err != nil {
		s.closeWith(c, 4002, "Decode error")
		return false
	}
	token := rs.Token
	if len(token) > 4 && token[:4] == "Bot " {
		token = token[4:]
	}
	s.mu.Lock()
	if r, isRefused := s.refused[token]; isRefused {
		s.mu.Unlock()
		s.closeWith(c, r.code, r.text)
		return false
	}
	defer s.mu.Unlock()
	sess := s.sessions[rs.SessionID]
	if sess == nil || sess.token != token {
		c.send(opFrame(9, false))
		return true
	}
	if old := sess.conn; old != nil && old != c {
		old.kill()
	}
	sess.conn = c
	c.session = sess
	for _, f := range sess.log {
		if f.S != nil && *f.S > rs.Seq {
			b, _ := json.Marshal(f)
			c.send(b)
		}
	}
	s.dispatchToLocked(sess, "RESUMED", map[string]any{})
	s.notifyLocked()
	return true
}

func (s *Server) wireGuildLocked(gid string) map[string]any {
	channels := []any{}
	threads := []any{}
	for _, id := range s.order {
		ch := s.channels[id]
		if ch == nil || ch.GuildID != gid {
			continue // deleted, or another guild
		}
		if ch.Type == ChannelThread {
			threads = append(threads, wireChannel(ch))
		} else {
			channels = append(channels, wireChannel(ch))
		}
	}
	return map[string]any{
		"id":           gid,
		"name":         s.guilds[gid],
		"unavailable":  false,
		"channels":     channels,
		"threads":      threads,
		"members":      []any{},
		"roles":        []any{},
		"emojis":       []any{},
		"stickers":     []any{},
		"voice_states": []any{},
		"presences":    []any{},
		"member_count": 1,
		"owner_id":     "1",
		"joined_at":    time.Now().UTC().Format(time.RFC3339),
		"large":        false,
	}
}

// dispatchToLocked sends a dispatch on one session, recording it for Resume.
func (s *Server) dispatchToLocked(sess *gwSession, event string, d any) {
	raw, err := json.Marshal(d)
	if err != nil {
		return
	}
	sess.seq++
	seq := sess.seq
	ev := event
	f := gwFrame{Op: 0, S: &seq, T: &ev, D: raw}
	sess.log = append(sess.log, f)
	if sess.conn != nil {
		b, _ := json.Marshal(f)
		sess.conn.send(b)
	}
}

// dispatchAllLocked sends a dispatch to every session whose intents include
// intent (0: every session).
func (s *Server) dispatchAllLocked(event string, d any, intent int) {
	for _, sess := range s.sessions {
		if intent == 0 || sess.intents&intent != 0 {
			s.dispatchToLocked(sess, event, d)
		}
	}
}

// dispatchMessageLocked sends MESSAGE_CREATE/UPDATE to the sessions allowed to
// see it, without content for those lacking MESSAGE_CONTENT (except the author
// and DMs, as on Discord).
func (s *Server) dispatchMessageLocked(event string, m *Message) {
	intent := intentForMessage(m)
	dmOwner := ""
	if ch := s.channels[m.ChannelID]; ch != nil && ch.Type == ChannelDM {
		dmOwner = ch.OwnerID
	}
	for _, sess := range s.sessions {
		if sess.intents&intent == 0 {
			continue
		}
		b := s.bots[sess.token]
		if dmOwner != "" && (b == nil || b.appID != dmOwner) {
			continue
		}
		withContent := sess.intents&IntentMessageContent != 0 || m.GuildID == "" ||
			(b != nil && b.user.ID == m.Author.ID)
		w := s.wireMessageLocked(m, withContent)
		if m.GuildID != "" && !m.Author.Bot {
			w["member"] = map[string]any{"roles": []any{}, "joined_at": time.Now().UTC().Format(time.RFC3339), "deaf": false, "mute": false}
		}
		s.dispatchToLocked(sess, event, w)
	}
}

func intentForMessage(m *Message) int {
	if m.GuildID == "" {
		return IntentDirectMessages
	}
	return IntentGuildMessages
}

// Dispatch sends an arbitrary dispatch (event name and data) to every session of
// the bot with this token, whatever its intents. It returns how many sessions
// got it.
func (s *Server) Dispatch(token, event string, d any) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sess := range s.sessions {
		if sess.token == token {
			s.dispatchToLocked(sess, event, d)
			n++
		}
	}
	return n
}

// DropConnection closes every gateway connection abruptly, without a close
// frame, as a network failure would. Sessions stay resumable.
func (s *Server) DropConnection() {
	for _, c := range s.liveConns() {
		c.kill()
	}
}

// Reconnect sends op 7 (Reconnect) on every gateway connection.
func (s *Server) Reconnect() {
	for _, c := range s.liveConns() {
		c.send(opFrame(7, nil))
	}
}

// InvalidateSessions sends op 9 (Invalid Session) with d = resumable on every
// connection; when not resumable, the sessions are forgotten.
func (s *Server) InvalidateSessions(resumable bool) {
	s.mu.Lock()
	if !resumable {
		for id, sess := range s.sessions {
			if sess.conn != nil {
				delete(s.sessions, id)
			}
		}
	}
	s.mu.Unlock()
	for _, c := range s.liveConns() {
		c.send(opFrame(9, resumable))
	}
}

// Connected reports how many gateway sessions of this token have a live
// connection.
func (s *Server) Connected(token string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sess := range s.sessions {
		if sess.token == token && sess.conn != nil {
			n++
		}
	}
	return n
}

// Resumes counts the RESUMED dispatches sent to sessions of this token.
func (s *Server) Resumes(token string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sess := range s.sessions {
		if sess.token != token {
			continue
		}
		for _, f := range sess.log {
			if f.T != nil && *f.T == "RESUMED" {
				n++
			}
		}
	}
	return n
}

func (s *Server) liveConns() []*gwConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*gwConn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// CloseSessions closes the gateway connections of a bot with a gateway close code
// (4004 authentication failed, 4014 disallowed intents, …), as Discord does when
// it ends a session it will not accept again: every later identify or resume of
// that token gets the same code. It returns how many connections it closed.
func (s *Server) CloseSessions(token string, code int, reason string) int {
	s.mu.Lock()
	if s.refused == nil {
		s.refused = map[string]refusal{}
	}
	s.refused[token] = refusal{code: code, text: reason}
	var conns []*gwConn
	for c := range s.conns {
		if c.session != nil && c.session.token == token {
			conns = append(conns, c)
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		s.closeWith(c, code, reason)
	}
	return len(conns)
}
