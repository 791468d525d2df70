package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/artbridge/artbridge/discord"
	"github.com/artbridge/artbridge/moderation"
)

// Replies from the Fediverse reach the artist in the Discord thread of the
// post they answer. The moderator records, with its decision on each inbound
// Create of a Note, the Note of ours it replies to; the Forwarder sends those
// whose decision lets them through (passed, or released after a silence) as a
// message in the thread, behind a spoiler when the reply carries a content
// warning, is marked sensitive, or moderation marked it so. What became of
// each is kept with the decision, so a restart neither loses nor repeats one,
// and a reply its author deletes is removed from the thread too.

// ForwardState is what became of a reply to forward.
type ForwardState string

// Forward states. The zero value is a reply still to send.
const (
	ForwardPending   ForwardState = ""
	ForwardSent      ForwardState = "sent"
	ForwardSkipped   ForwardState = "skipped"   // no Discord thread for the post, the post is gone, or too old
	ForwardWithdrawn ForwardState = "withdrawn" // deleted by its author
	ForwardFailed    ForwardState = "failed"    // Discord refused it until forwardGiveUp
)

// ReplyToForward is a moderated reply to one of our Notes, waiting to be sent.
type ReplyToForward struct {
	ActivityID string
	ReplyID    string // the reply object's id
	Actor      string
	Action     moderation.Action // ActionSensitive puts it behind a spoiler
	InReplyTo  string            // our Note
	Raw        []byte            // the activity as received
	Attempts   int
	// Since is when the reply was let through: decided, or released.
	Since time.Time
}

// ForwardOutcome is the result of one attempt.
type ForwardOutcome struct {
	ActivityID string
	State      ForwardState
	// Next is when to try again (State ForwardPending).
	Next             time.Time
	Channel, Message string // where it was sent (ForwardSent)
	Error            string
}

// SentForward is a Discord message that carries a forwarded reply.
type SentForward struct {
	Channel, Message string
}

// ForwardStore keeps the forwarding state; the storage package implements it.
type ForwardStore interface {
	// RepliesToForward lists replies let through and not yet handled whose
	// next attempt is due at now, oldest first.
	RepliesToForward(ctx context.Context, now time.Time, limit int) ([]ReplyToForward, error)
	// FinishForward records an attempt; false means the reply was withdrawn
	// meanwhile and nothing was recorded.
	FinishForward(ctx context.Context, o ForwardOutcome) (bool, error)
	// WithdrawForwards marks the forwards of the reply replyID by actor
	// withdrawn and returns the messages already sent for it.
	WithdrawForwards(ctx context.Context, actor, replyID string) ([]SentForward, error)
	// SubmissionByPost returns the Discord submission of a post.
	SubmissionByPost(ctx context.Context, postID string) (SubmissionRecord, error)
	// InteractionCounts counts a Note's standing likes and boosts.
	InteractionCounts(ctx context.Context, noteIRI string) (likes, boosts int, err error)
}

// ForwardMessenger posts, edits and deletes Discord messages (the discord.Bot).
type ForwardMessenger interface {
	SendMessage(ctx context.Context, channelID, text string) (string, error)
	EditMessage(ctx context.Context, channelID, messageID, text string) error
	DeleteMessage(ctx context.Context, channelID, messageID string) error
}

const (
	// forwardMaxAge is how long after it was let through a reply is still
	// forwarded: older ones (Discord configured long after, an outage of
	// days) are skipped rather than posted into threads all at once.
	forwardMaxAge = 7 * 24 * time.Hour
	// forwardGiveUp is how long Discord may refuse a reply before it is
	// given up.
	forwardGiveUp = 24 * time.Hour
	forwardBatch  = 20
	// forwardPoll is how often the forwarder looks for work it was not
	// woken for (replies released from a silence, retries).
	forwardPoll = 5 * time.Second
	// forwardTextLimit caps the reply's text in the message (Discord's limit
	// is 2,000 characters for the whole message).
	forwardTextLimit = 1500
	// forwardSettle is how long after publishing a post without a Discord
	// submission is still expected to get one: the Flow saves the link
	// between post and thread just after publishing.
	forwardSettle = 2 * time.Minute
	// countsEvery is the shortest time between two edits of one post's
	// acknowledgement for new likes and boosts (Discord allows five edits
	// per five seconds in a channel; a burst of likes makes one edit).
	countsEvery = 3 * time.Second
)

// Forwarder sends moderated replies into Discord threads.
type Forwarder struct {
	svc   *Service
	store ForwardStore
	msgr  ForwardMessenger
	log   *slog.Logger

	wakeCh chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// Posts whose likes or boosts changed since their acknowledgement was
	// last edited, and when each was last edited. In memory: after a
	// restart the counts are brought up to date by the next like or boost.
	mu       sync.Mutex
	recount  map[string]bool
	lastEdit map[string]time.Time
}

// NewForwarder returns a forwarder; Start runs it.
func NewForwarder(svc *Service, store ForwardStore, msgr ForwardMessenger) *Forwarder {
	return &Forwarder{svc: svc, store: store, msgr: msgr, log: svc.log, wakeCh: make(chan struct{}, 1),
		recount: map[string]bool{}, lastEdit: map[string]time.Time{}}
}

// CountsChanged notes that a Note's likes or boosts changed: its
// acknowledgement in Discord is edited to show them.
func (f *Forwarder) CountsChanged(noteIRI string) {
	f.mu.Lock()
	f.recount[noteIRI] = true
	f.mu.Unlock()
	f.Wake()
}

// updateCounts edits the acknowledgements of the posts whose counts changed,
// each at most once per countsEvery (the others wait for a later pass).
func (f *Forwarder) updateCounts(ctx context.Context) {
	now := f.svc.now()
	var due []string
	f.mu.Lock()
	for note := range f.recount {
		if now.Sub(f.lastEdit[note]) >= countsEvery {
			due = append(due, note)
			delete(f.recount, note)
			f.lastEdit[note] = now
		}
	}
	for note, at := range f.lastEdit {
		if now.Sub(at) > time.Hour && !f.recount[note] {
			delete(f.lastEdit, note) // keeps the map to the posts of the last hour
		}
	}
	f.mu.Unlock()
	for _, note := range due {
		if err := f.editAck(ctx, note); err != nil && ctx.Err() == nil {
			if !errors.Is(err, errAckNotYet) {
				f.log.WarnContext(ctx, "show likes and boosts in Discord", "note", note, "err", err)
			}
			if !discord.IsGone(err) {
				f.mu.Lock()
				f.recount[note] = true // try again at a later pass
				f.mu.Unlock()
			}
		}
	}
}

// errAckNotYet: a post published a moment ago has no saved acknowledgement yet.
var errAckNotYet = errors.New("the acknowledgement is not saved yet")

// editAck rewrites a post's acknowledgement with its likes and boosts.
func (f *Forwarder) editAck(ctx context.Context, noteIRI string) error {
	post, err := f.svc.resolve(ctx, noteIRI)
	if err != nil || post.Deleted() {
		return nil // taken down: its acknowledgement is gone
	}
	sub, err := f.store.SubmissionByPost(ctx, post.ID)
	if err != nil || sub.AckMessageID == "" || sub.State != SubmissionPublished {
		if post.ArtistID != OperatorID && f.svc.now().Sub(post.Published) < forwardSettle {
			return errAckNotYet // the Flow may not have saved it yet
		}
		return nil // published from the command line, or no acknowledgement
	}
	likes, boosts, err := f.store.InteractionCounts(ctx, noteIRI)
	if err != nil {
		return err
	}
	return f.msgr.EditMessage(ctx, sub.ThreadID, sub.AckMessageID, ackText(post.NoteIRI, likes, boosts))
}

// ackText is the acknowledgement of a published post: its link, then its
// likes and boosts once it has any.
func ackText(noteIRI string, likes, boosts int) string {
	text := "Published on the Fediverse: " + noteIRI
	var counts []string
	if likes > 0 {
		counts = append(counts, fmt.Sprintf("❤️ %d %s", likes, plural(likes, "like", "likes")))
	}
	if boosts > 0 {
		counts = append(counts, fmt.Sprintf("🔁 %d %s", boosts, plural(boosts, "boost", "boosts")))
	}
	if len(counts) > 0 {
		text += "\n" + strings.Join(counts, " · ")
	}
	return text
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Wake makes the forwarder look for work now.
func (f *Forwarder) Wake() {
	select {
	case f.wakeCh <- struct{}{}:
	default:
	}
}

// Start runs the forwarding loop until Close.
func (f *Forwarder) Start(ctx context.Context) {
	ctx, f.cancel = context.WithCancel(context.WithoutCancel(ctx))
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		t := time.NewTicker(forwardPoll)
		defer t.Stop()
		for ctx.Err() == nil {
			for f.forwardDue(ctx) == forwardBatch && ctx.Err() == nil {
			}
			f.updateCounts(ctx)
			select {
			case <-ctx.Done():
			case <-f.wakeCh:
			case <-t.C:
			}
		}
	}()
}

// Close stops the loop and waits for it.
func (f *Forwarder) Close(ctx context.Context) error {
	if f.cancel == nil {
		return nil
	}
	f.cancel()
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("bridge: forwarder did not stop: %w", ctx.Err())
	}
}

// forwardDue handles one batch of due replies and returns how many it
// recorded: a full batch means more may be due; an error stops at once (the
// ticker tries again), so a failing database is not hammered.
func (f *Forwarder) forwardDue(ctx context.Context) int {
	now := f.svc.now()
	due, err := f.store.RepliesToForward(ctx, now, forwardBatch)
	if err != nil {
		if ctx.Err() == nil {
			f.log.ErrorContext(ctx, "replies to forward", "err", err)
		}
		return 0
	}
	for _, r := range due {
		o := f.forward(ctx, r, now)
		if ctx.Err() != nil && o.State != ForwardSent {
			return 0 // shutting down: left as it was
		}
		wctx := context.WithoutCancel(ctx)
		recorded, err := f.store.FinishForward(wctx, o)
		if err != nil {
			f.log.ErrorContext(ctx, "record forwarded reply", "activity", r.ActivityID, "err", err)
			return 0
		}
		if !recorded && o.State == ForwardSent {
			// Its author deleted it while it was being sent.
			if err := f.msgr.DeleteMessage(wctx, o.Channel, o.Message); err != nil {
				f.log.InfoContext(ctx, "remove withdrawn reply from Discord", "activity", r.ActivityID, "err", err)
			}
		}
	}
	return len(due)
}

// forward tries to send one reply.
func (f *Forwarder) forward(ctx context.Context, r ReplyToForward, now time.Time) ForwardOutcome {
	o := ForwardOutcome{ActivityID: r.ActivityID, State: ForwardSkipped}
	if now.Sub(r.Since) > forwardMaxAge {
		o.Error = "too old to forward"
		return o
	}
	post, err := f.svc.resolve(ctx, r.InReplyTo)
	if err != nil || post.Deleted() {
		o.Error = "the post is gone"
		return o
	}
	sub, err := f.store.SubmissionByPost(ctx, post.ID)
	if err != nil || sub.ThreadID == "" {
		if post.ArtistID != OperatorID && now.Sub(post.Published) < forwardSettle {
			// Published from Discord a moment ago: the submission that links
			// it to its thread may not be saved yet.
			o.State, o.Next, o.Error = ForwardPending, now.Add(forwardPoll), "waiting for the post's Discord thread"
			return o
		}
		o.Error = "the post has no Discord thread"
		return o
	}
	text, err := replyMessage(r)
	if err != nil {
		o.Error = err.Error()
		return o
	}
	msgID, err := f.msgr.SendMessage(ctx, sub.ThreadID, text)
	if discord.IsGone(err) {
		o.Error = "the Discord thread is gone"
		return o
	}
	if err != nil {
		o.State, o.Error = ForwardPending, err.Error()
		if now.Sub(r.Since) > forwardGiveUp {
			o.State = ForwardFailed
			return o
		}
		// 30 s, 1 min, 2 min, … up to an hour.
		o.Next = now.Add(min(30*time.Second<<min(r.Attempts, 10), time.Hour))
		f.log.WarnContext(ctx, "forward reply to Discord", "activity", r.ActivityID, "thread", sub.ThreadID, "err", err)
		return o
	}
	return ForwardOutcome{ActivityID: r.ActivityID, State: ForwardSent, Channel: sub.ThreadID, Message: msgID}
}

// Withdraw removes from Discord the forwards of a reply its author deleted,
// and keeps any not yet sent from being sent.
func (f *Forwarder) Withdraw(ctx context.Context, actor, replyID string) error {
	sent, err := f.store.WithdrawForwards(ctx, actor, replyID)
	if err != nil {
		return fmt.Errorf("withdraw reply %s: %w", replyID, err)
	}
	var errs []error
	for _, m := range sent {
		if err := f.msgr.DeleteMessage(ctx, m.Channel, m.Message); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		// The thread or the message may be gone already: logged, not retried.
		f.log.InfoContext(ctx, "remove withdrawn reply from Discord", "reply", replyID, "err", errors.Join(errs...))
	}
	return nil
}

// replyMessage renders a reply as a Discord message: who replied (with a link
// to the reply), then its text quoted, or behind a spoiler with the content
// warning shown. Remote images are never embedded, only counted: the reader
// follows the link to see them on the author's server.
func replyMessage(r ReplyToForward) (string, error) {
	var doc map[string]any
	if err := json.Unmarshal(r.Raw, &doc); err != nil {
		return "", fmt.Errorf("read reply: %w", err)
	}
	post, err := moderation.PostFromDocument(doc)
	if err != nil {
		return "", fmt.Errorf("read reply: %w", err)
	}
	obj, _ := doc["object"].(map[string]any)
	link := replyLink(obj, post.ID)
	var b strings.Builder
	b.WriteString("💬 **Reply from ")
	b.WriteString(handleReplacer.Replace(handleOf(r.Actor)))
	b.WriteString("**")
	if link != "" {
		b.WriteString(" · <" + link + ">")
	}
	text := plainReplyText(post.Content)
	hidden := post.Sensitive || post.Summary != "" || r.Action == moderation.ActionSensitive
	switch {
	case hidden:
		cw := strings.TrimSpace(post.Summary)
		if cw == "" {
			cw = "sensitive content"
		}
		b.WriteString("\n⚠️ Content warning: " + escapeMarkdown(capRunes(cw, 200)))
		if text != "" {
			b.WriteString("\n||" + escapeMarkdown(text) + "||")
		}
	case text != "":
		for line := range strings.SplitSeq(escapeMarkdown(text), "\n") {
			b.WriteString("\n> " + line)
		}
	}
	switch n := attachmentCount(obj); {
	case n == 1:
		b.WriteString("\n📎 1 attachment: open the link to see it.")
	case n > 1:
		fmt.Fprintf(&b, "\n📎 %d attachments: open the link to see them.", n)
	}
	return b.String(), nil
}

// plainReplyText is the reply's text without HTML, blank runs collapsed and
// capped at forwardTextLimit characters.
func plainReplyText(html string) string {
	var lines []string
	blank := false
	for line := range strings.SplitSeq(moderation.PlainText(html), "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			blank = len(lines) > 0
			continue
		}
		if blank {
			lines = append(lines, "")
			blank = false
		}
		lines = append(lines, line)
	}
	return capRunes(strings.Join(lines, "\n"), forwardTextLimit)
}

// capRunes cuts s to at most n characters, marking the cut with an ellipsis.
func capRunes(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(truncateRunes(s, n-1)) + "…"
}

// formattingEscapes are the characters Discord reads as formatting, each
// with its escape.
var formattingEscapes = []string{
	`\`, `\\`, `*`, `\*`, `_`, `\_`, `~`, `\~`, "`", "\\`", `|`, `\|`, `>`, `\>`, `#`, `\#`,
	`[`, `\[`, `]`, `\]`, `<`, `\<`, `-`, `\-`,
}

// markdownReplacer escapes formatting and keeps @ from forming a mention.
var markdownReplacer = strings.NewReplacer(append(slices.Clone(formattingEscapes), `@`, "@\u200b")...)

// handleReplacer escapes formatting in a user@host handle, leaving its @.
var handleReplacer = strings.NewReplacer(formattingEscapes...)

// escapeMarkdown makes text show as typed in a Discord message: formatting
// characters are escaped and @ cannot form a mention (the messages allow none
// anyway).
func escapeMarkdown(s string) string { return markdownReplacer.Replace(s) }

// attachmentCount is how many attachments the reply object has.
func attachmentCount(obj map[string]any) int {
	switch a := obj["attachment"].(type) {
	case nil:
		return 0
	case []any:
		return len(a)
	default:
		return 1
	}
}

// replyLink is the reply's url (what people open in a browser: a string, a
// Link, or a list of those), else its id.
func replyLink(obj map[string]any, id string) string {
	urls, ok := obj["url"].([]any)
	if !ok {
		urls = []any{obj["url"]}
	}
	for _, v := range urls {
		href, _ := v.(string)
		if link, ok := v.(map[string]any); ok {
			href, _ = link["href"].(string)
		}
		if isWebURL(href) {
			return href
		}
	}
	if isWebURL(id) {
		return id
	}
	return ""
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && !strings.ContainsAny(s, " <>")
}

// handleOf renders an actor IRI as user@host when its last path segment looks
// like a user name (…/users/bob, …/@bob, …/u/bob), else as its host and path.
func handleOf(actorIRI string) string {
	u, err := url.Parse(actorIRI)
	if err != nil || u.Host == "" {
		return actorIRI
	}
	path := strings.TrimSuffix(u.Path, "/")
	name := strings.TrimPrefix(path[strings.LastIndexByte(path, '/')+1:], "@")
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return !(r == '_' || r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) >= 0 {
		return u.Host + path
	}
	return name + "@" + u.Host
}
