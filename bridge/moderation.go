package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/moderation"
)

// ReportState is where a moderation report stands.
type ReportState string

// Report states.
const (
	// ReportOpen is a report whose action still holds (for silence and
	// suspend: the actor is still restricted).
	ReportOpen ReportState = "open"
	// ReportLifted is a silence or suspension that an operator undid.
	ReportLifted ReportState = "lifted"
)

// ModerationReport is one entry of the audit trail: a ruleset triggered on an
// inbound post. Reports stay local; nothing is sent to the remote server.
type ModerationReport struct {
	ID         int64
	At         time.Time
	Actor      string
	PostID     string
	ActivityID string
	// Ruleset is the ruleset whose action won.
	Ruleset string
	Action  moderation.Action
	// Hits are every hit of every ruleset in the post.
	Hits     []moderation.Hit
	State    ReportState
	LiftedAt time.Time
}

// ActorRestriction is a remote actor under a silence (its posts are held) or
// a suspension (its activities are dropped).
type ActorRestriction struct {
	Actor    string
	Action   moderation.Action // ActionSilence or ActionSuspend
	ReportID int64
	Since    time.Time
}

// DecisionState is what became of one moderated inbound post.
type DecisionState string

// Decision states.
const (
	// DecisionPassed may be passed on (with a content warning and spoilered
	// media when the action is sensitive).
	DecisionPassed DecisionState = "passed"
	// DecisionHeld is kept but not passed on: its actor is silenced.
	DecisionHeld DecisionState = "held"
	// DecisionReleased was held, then released by an operator: pass it on.
	DecisionReleased DecisionState = "released"
	// DecisionDropped is the post that got its actor suspended.
	DecisionDropped DecisionState = "dropped"
)

// InboundDecision is the moderation decision on one inbound Create or Update
// of a Note, Question or Article. Whatever forwards replies (to a Discord
// thread) must honour it: pass on only passed and released posts, and those
// whose Action is sensitive behind a content warning with spoilered media.
type InboundDecision struct {
	ActivityID string
	PostID     string
	Actor      string
	// InReplyTo is the Note of ours a Create answers ("" for anything else):
	// the Forwarder sends such replies into the post's Discord thread.
	InReplyTo string
	Action    moderation.Action
	Ruleset   string
	ReportID  int64 // 0 when no report
	State     DecisionState
	At        time.Time
}

// ModerationRecord is what Inspect writes in one transaction.
type ModerationRecord struct {
	// Report is the report to add (nil when no ruleset triggered). Its ID is
	// assigned by the store.
	Report *ModerationReport
	// Decision is stored for the activity; its ReportID is filled from
	// Report when there is one.
	Decision InboundDecision
	// Restrict makes the report's actor silenced or suspended (by the
	// report's action, keeping an existing suspension over a new silence).
	// A suspended actor also stops being a follower.
	Restrict bool
	// ApplyRestriction makes the store read the decision's actor's
	// restriction in the same transaction and apply it: when the actor is
	// suspended nothing is written (the result is Dropped); when it is
	// silenced, a decision that would pass is held instead, as a silence
	// under the restriction's report when the record has no report of its
	// own. Set it when the caller did not read the restriction itself.
	ApplyRestriction bool
}

// ModerationResult is what ApplyModeration did.
type ModerationResult struct {
	ReportID int64
	// FollowerRemoved is true when a suspension removed a follower.
	FollowerRemoved bool
	// Dropped is true when ApplyRestriction found the actor suspended and
	// nothing was written.
	Dropped bool
	// Silenced is true when ApplyRestriction found the actor silenced.
	Silenced bool
	// State is the decision's state as stored.
	State DecisionState
}

// ModerationStore is the persistence of inbound moderation. The storage
// package implements it.
type ModerationStore interface {
	// ModerationHistory is the database's moderation.History, bound to ctx.
	// Record also forgets the actor's hits of that ruleset older than
	// retention before the recorded time.
	ModerationHistory(ctx context.Context, retention time.Duration) moderation.History
	// ModerationPosts lists the IDs of the actor's first posts with hits of
	// ruleset since a time, oldest first.
	ModerationPosts(ctx context.Context, actor, ruleset string, since time.Time, limit int) ([]string, error)
	// ApplyModeration writes a report, the actor's restriction and the
	// decision in one transaction.
	ApplyModeration(ctx context.Context, rec ModerationRecord) (ModerationResult, error)
	// ActorRestriction returns the actor's restriction; ok is false when it
	// has none.
	ActorRestriction(ctx context.Context, actor string) (r ActorRestriction, ok bool, err error)
	// RestrictedActors lists silenced and suspended actors, newest first.
	RestrictedActors(ctx context.Context) ([]ActorRestriction, error)
	// ModerationReport returns one report (ap.ErrNotFound when missing).
	ModerationReport(ctx context.Context, id int64) (ModerationReport, error)
	// ModerationReports lists reports, newest first; openOnly leaves out
	// lifted ones.
	ModerationReports(ctx context.Context, openOnly bool, limit int) ([]ModerationReport, error)
	// LiftRestriction ends the restriction of actor: its silence and
	// suspension reports become lifted, its held posts released and its
	// counted hits forgotten. It returns the number of posts released.
	LiftRestriction(ctx context.Context, actor string, at time.Time) (int, error)
	// InboundDecision returns the decision on one activity (ap.ErrNotFound
	// when it was not moderated).
	InboundDecision(ctx context.Context, activityID string) (InboundDecision, error)
}

// ModeratorNotifier tells the moderators (in their Discord channel).
// *discord.Bot implements it.
type ModeratorNotifier interface {
	NotifyModerators(ctx context.Context, text string) error
}

// Errors of moderation.
var (
	ErrReportNotFound = errors.New("report not found")
	ErrNotLiftable    = errors.New("only a silence or suspension can be undone")
	ErrAlreadyLifted  = errors.New("report already lifted")
)

// moderatedTypes are the object types whose Create and Update are moderated.
var moderatedTypes = map[string]bool{"Note": true, "Question": true, "Article": true}

// firstPostsShown is how many of an actor's posts a notice links.
const firstPostsShown = 3

// Moderator is the inbound moderation pipeline: it runs replies and mentions
// through the rules, keeps per-actor counts in the store, applies actions and
// keeps the audit trail. The rules can be swapped while it runs (SetRules,
// on SIGHUP); counts carry over because they are keyed by ruleset name.
type Moderator struct {
	store    ModerationStore
	notifier ModeratorNotifier
	log      *slog.Logger
	now      func() time.Time
	engine   atomic.Pointer[moderation.Engine] // nil: no rules
}

// NewModerator builds the pipeline. rules may be nil (no rules: nothing is
// scanned, but silenced and suspended actors stay so). notifier may be nil:
// notices are then logged at warn level.
func NewModerator(store ModerationStore, rules *moderation.Rules, notifier ModeratorNotifier, logger *slog.Logger, clock func() time.Time) *Moderator {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = time.Now
	}
	m := &Moderator{store: store, notifier: notifier, log: logger, now: clock}
	m.SetRules(rules)
	return m
}

// SetRules replaces the rules atomically (nil: no rules). Posts being
// inspected finish with the rules they started with.
func (m *Moderator) SetRules(rules *moderation.Rules) {
	if rules == nil {
		m.engine.Store(nil)
		return
	}
	m.engine.Store(moderation.NewEngine(rules))
}

// Rules returns the rules in force (nil when none).
func (m *Moderator) Rules() *moderation.Rules {
	if e := m.engine.Load(); e != nil {
		return e.Rules()
	}
	return nil
}

// Admit refuses suspended actors (their activities are dropped after the
// signature check).
func (m *Moderator) Admit(ctx context.Context, actorIRI string) (bool, error) {
	r, ok, err := m.store.ActorRestriction(ctx, actorIRI)
	if err != nil {
		return false, fmt.Errorf("moderation: admit %s: %w", actorIRI, err)
	}
	return !ok || r.Action != moderation.ActionSuspend, nil
}

// Inspect runs a Create or Update of a Note, Question or Article through the
// rules and applies the verdict; other activities are ignored.
func (m *Moderator) Inspect(ctx context.Context, in ap.InboundActivity, doc map[string]any) error {
	return m.InspectReply(ctx, in, doc, "")
}

// InspectReply is Inspect for an activity that may answer one of our Notes:
// inReplyTo, when not empty, is recorded with the decision on a Create, for
// the Forwarder.
func (m *Moderator) InspectReply(ctx context.Context, in ap.InboundActivity, doc map[string]any, inReplyTo string) error {
	if in.Type != "Create" && in.Type != "Update" {
		return nil
	}
	obj, ok := doc["object"].(map[string]any)
	if !ok || !moderatedTypes[typeOf(obj["type"])] {
		return nil
	}
	eng := m.engine.Load()
	var restriction ActorRestriction
	var restricted bool
	if eng != nil {
		// The rules count the actor's posts: a suspended actor's post must
		// not be counted, so its restriction is read before the scan.
		var err error
		if restriction, restricted, err = m.store.ActorRestriction(ctx, in.Actor); err != nil {
			return fmt.Errorf("moderation: %w", err)
		}
		if restricted && restriction.Action == moderation.ActionSuspend {
			m.dropped(ctx, in)
			return nil
		}
	}
	post, err := moderation.PostFromDocument(doc)
	if err != nil {
		if eng == nil {
			// An activity of a suspended actor is dropped, not failed.
			r, ok, rerr := m.store.ActorRestriction(ctx, in.Actor)
			if rerr != nil {
				return fmt.Errorf("moderation: %w", rerr)
			}
			if ok && r.Action == moderation.ActionSuspend {
				m.dropped(ctx, in)
				return nil
			}
		}
		return fmt.Errorf("moderation: %s: %w", in.ID, err)
	}
	// Counts and actions concern the actor whose signature was verified.
	post.Actor = in.Actor
	if post.ID == "" {
		post.ID = iriOf(obj)
	}
	at := in.ReceivedAt
	if at.IsZero() {
		at = m.now()
	}
	at = at.UTC()
	var v moderation.Verdict
	if eng != nil {
		v, err = eng.Moderate(&post, m.store.ModerationHistory(ctx, eng.Rules().MaxWindow()), at)
		if err != nil {
			return err
		}
	}
	rec := ModerationRecord{Decision: InboundDecision{
		ActivityID: in.ID, PostID: post.ID, Actor: in.Actor, Action: v.Action, Ruleset: v.Ruleset,
		State: DecisionPassed, At: at,
	}}
	if in.Type == "Create" {
		rec.Decision.InReplyTo = inReplyTo
	}
	if v.Ruleset != "" {
		rec.Report = &ModerationReport{At: at, Actor: in.Actor, PostID: post.ID, ActivityID: in.ID,
			Ruleset: v.Ruleset, Action: v.Action, Hits: v.Hits, State: ReportOpen}
		rec.Restrict = v.AppliesToActor
	}
	switch {
	case v.Action == moderation.ActionSuspend:
		rec.Decision.State = DecisionDropped
	case v.Action == moderation.ActionSilence:
		rec.Decision.State = DecisionHeld
	case restricted: // silenced before: held whatever this post says
		rec.Decision.State = DecisionHeld
		if rec.Report == nil {
			rec.Decision.Action, rec.Decision.Ruleset, rec.Decision.ReportID = moderation.ActionSilence, "", restriction.ReportID
		}
	}
	// Without rules nothing was read before: the store applies the
	// restriction in force in the transaction that writes the decision.
	rec.ApplyRestriction = eng == nil
	res, err := m.store.ApplyModeration(ctx, rec)
	if err != nil {
		return fmt.Errorf("moderation: apply: %w", err)
	}
	if res.Dropped {
		m.dropped(ctx, in)
		return nil
	}
	restricted = restricted || res.Silenced
	if rec.Report == nil {
		if len(v.Hits) > 0 || restricted {
			m.log.DebugContext(ctx, "moderation: no ruleset triggered", "actor", in.Actor, "post", post.ID,
				"hits", len(v.Hits), "state", res.State)
		}
		return nil
	}
	rec.Report.ID = res.ReportID
	m.log.InfoContext(ctx, "moderation report", "report", res.ReportID, "actor", in.Actor, "post", post.ID,
		"ruleset", v.Ruleset, "action", v.Action.String(), "follower_removed", res.FollowerRemoved)
	if v.Action >= moderation.ActionNotify && v.Action != moderation.ActionSensitive {
		m.notify(ctx, *rec.Report, m.windowOf(v.Ruleset))
	}
	return nil
}

// dropped logs an activity admitted before its actor's suspension and
// processed after it.
func (m *Moderator) dropped(ctx context.Context, in ap.InboundActivity) {
	m.log.DebugContext(ctx, "moderation: dropped activity of a suspended actor", "actor", in.Actor, "id", in.ID)
}

// windowOf is the window of a ruleset of the current rules (the default when
// it is gone).
func (m *Moderator) windowOf(ruleset string) time.Duration {
	if r := m.Rules(); r != nil {
		for _, rs := range r.Rulesets() {
			if rs.Name == ruleset {
				return rs.Window
			}
		}
	}
	return moderation.DefaultWindow
}

// notify tells the moderators about a report, with links to the actor and its
// first posts found. Failures are logged: the report is already stored.
func (m *Moderator) notify(ctx context.Context, r ModerationReport, window time.Duration) {
	posts, err := m.store.ModerationPosts(ctx, r.Actor, r.Ruleset, r.At.Add(-window), firstPostsShown)
	if err != nil {
		m.log.WarnContext(ctx, "moderation: list posts for notice", "report", r.ID, "err", err)
	}
	text := NoticeText(r, posts)
	if m.notifier == nil {
		m.log.WarnContext(ctx, "moderator notice (Discord not configured)", "report", r.ID, "text", text)
		return
	}
	nctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := m.notifier.NotifyModerators(nctx, text); err != nil {
		m.log.WarnContext(ctx, "moderation: notify moderators", "report", r.ID, "err", err, "text", text)
	}
}

// NoticeText is the moderators' notice of a report: what triggered, the
// actor, its first posts found (links) and, for silence and suspend, how to
// undo it.
func NoticeText(r ModerationReport, posts []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Moderation report %d: ruleset %q → %s\nActor: %s\n", r.ID, r.Ruleset, r.Action, r.Actor)
	if len(posts) == 0 && r.PostID != "" {
		posts = []string{r.PostID}
	}
	if len(posts) > 0 {
		b.WriteString("Posts:")
		for _, p := range posts {
			b.WriteString("\n- " + p)
		}
		b.WriteString("\n")
	}
	seen := map[string]bool{}
	var terms []string
	for _, h := range r.Hits {
		if h.Ruleset == r.Ruleset && !seen[h.Term] {
			seen[h.Term] = true
			terms = append(terms, h.Term)
		}
	}
	if len(terms) > 0 {
		fmt.Fprintf(&b, "Terms: %s\n", strings.Join(terms, ", "))
	}
	switch r.Action {
	case moderation.ActionSilence:
		fmt.Fprintf(&b, "The actor's posts are held. Release: artbridge moderation undo %d\n", r.ID)
	case moderation.ActionSuspend:
		fmt.Fprintf(&b, "The actor is suspended and no longer follows us. Lift: artbridge moderation undo %d\n", r.ID)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Undo lifts the silence or suspension of a report: the actor is admitted
// again, its held posts are released and its counted hits forgotten. A
// suspended actor is not made a follower again: it has to follow anew.
func (m *Moderator) Undo(ctx context.Context, reportID int64) (ModerationReport, int, error) {
	r, err := m.store.ModerationReport(ctx, reportID)
	if errors.Is(err, ap.ErrNotFound) {
		return ModerationReport{}, 0, fmt.Errorf("%w: %d", ErrReportNotFound, reportID)
	}
	if err != nil {
		return ModerationReport{}, 0, err
	}
	if !r.Action.AppliesToActor() {
		return r, 0, fmt.Errorf("%w (report %d is %s)", ErrNotLiftable, r.ID, r.Action)
	}
	if r.State == ReportLifted {
		return r, 0, fmt.Errorf("%w: %d", ErrAlreadyLifted, r.ID)
	}
	now := m.now().UTC()
	released, err := m.store.LiftRestriction(ctx, r.Actor, now)
	if err != nil {
		return r, 0, err
	}
	m.log.InfoContext(ctx, "moderation lifted", "report", r.ID, "actor", r.Actor, "action", r.Action.String(), "released", released)
	r.State, r.LiftedAt = ReportLifted, now
	return r, released, nil
}

// Reports lists reports, newest first; openOnly leaves lifted ones out.
func (m *Moderator) Reports(ctx context.Context, openOnly bool, limit int) ([]ModerationReport, error) {
	return m.store.ModerationReports(ctx, openOnly, limit)
}

// Actors lists silenced and suspended actors.
func (m *Moderator) Actors(ctx context.Context) ([]ActorRestriction, error) {
	return m.store.RestrictedActors(ctx)
}

// Decision returns the moderation decision on one inbound activity
// (ap.ErrNotFound when it was not moderated).
func (m *Moderator) Decision(ctx context.Context, activityID string) (InboundDecision, error) {
	return m.store.InboundDecision(ctx, activityID)
}

// typeOf returns an object's type, the first one when it has several.
func typeOf(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && moderatedTypes[s] {
				return s
			}
		}
	}
	return ""
}
