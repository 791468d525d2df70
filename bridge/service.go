package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/bridge/richtext"
)

// Config configures the bridge service.
type Config struct {
	MediaDir      string
	MaxImageBytes int64
	MaxImages     int      // default 4
	AcceptedTypes []string // media types; empty: PNG, JPEG, GIF, WebP
	PostTail      string   // appended to every post as its own paragraph
	MaxTextChars  int      // caption cap (default 5000)
}

// Service is the bridge between artists and the Fediverse.
type Service struct {
	cfg   Config
	ap    *ap.Service
	store Store
	log   *slog.Logger
	now   func() time.Time

	// moderator checks what the Fediverse sends (nil: no rules).
	moderator *Moderator
	forwarder *Forwarder // nil without Discord
	// imageChecks bounds how many images are checked at once: the worst
	// accepted image needs ~750 MB and seconds of CPU (docs/performance.md),
	// so submissions arriving together wait their turn instead of adding up.
	imageChecks chan struct{}
}

// SetModerator installs the inbound moderation pipeline (before serving).
func (s *Service) SetModerator(m *Moderator) { s.moderator = m }

// New builds the service.
func New(cfg Config, apSvc *ap.Service, store Store, logger *slog.Logger, clock func() time.Time) *Service {
	if cfg.MaxImages <= 0 {
		cfg.MaxImages = 4
	}
	if cfg.MaxTextChars <= 0 {
		cfg.MaxTextChars = 5000
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = time.Now
	}
	return &Service{cfg: cfg, ap: apSvc, store: store, log: logger, now: clock,
		imageChecks: make(chan struct{}, concurrentImageChecks)}
}

func (s *Service) validate(sub Submission) error {
	if len(sub.Images) == 0 {
		return ErrNoImages
	}
	if len(sub.Images) > s.cfg.MaxImages {
		return fmt.Errorf("%w: %d, at most %d", ErrTooManyImage, len(sub.Images), s.cfg.MaxImages)
	}
	if err := ap.CheckLicenseURL(sub.License); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	for i, img := range sub.Images {
		if img.File == "" || img.MediaType == "" {
			return fmt.Errorf("%w: image %d was not stored", ErrInvalid, i+1)
		}
	}
	return nil
}

// noteFor builds the Note of a submission.
func (s *Service) noteFor(postID string, sub Submission, published, updated time.Time) ap.Note {
	opts := richtext.Options{TagURL: s.ap.TagURL, MaxChars: s.cfg.MaxTextChars}
	r := richtext.Render(sub.Text, opts)
	html := r.HTML
	if sub.Credits != "" {
		html += richtext.Paragraph(sub.Credits, opts)
	}
	if s.cfg.PostTail != "" {
		html += richtext.Paragraph(s.cfg.PostTail, opts)
	}
	tags := append([]string{}, r.Hashtags...)
	if s.cfg.PostTail != "" {
		tags = append(tags, richtext.Render(s.cfg.PostTail, opts).Hashtags...)
	}
	tags = append(tags, sub.Hashtags...)
	var hashtags []ap.Hashtag
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimPrefix(strings.TrimSpace(t), "#")
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		seen[strings.ToLower(t)] = true
		hashtags = append(hashtags, ap.Hashtag{Name: t, Href: s.ap.TagURL(t)})
	}
	sensitive := sub.Sensitive || sub.ContentWarning != ""
	n := ap.Note{
		IRI:            s.ap.NoteIRI(postID),
		Published:      published,
		Updated:        updated,
		ContentHTML:    html,
		ContentWarning: sub.ContentWarning,
		Language:       sub.Language,
		Hashtags:       hashtags,
		License:        sub.License,
	}
	for _, img := range sub.Images {
		if img.Spoiler {
			sensitive = true
		}
		n.Attachments = append(n.Attachments, ap.Attachment{
			URL: s.ap.MediaURL(img.File), MediaType: img.MediaType, Alt: img.Alt,
			Blurhash: img.Blurhash, Width: img.Width, Height: img.Height,
		})
	}
	for _, e := range sub.Emoji {
		n.Emoji = append(n.Emoji, ap.Emoji{Shortcode: e.Shortcode, IconURL: e.URL, MediaType: e.MediaType})
	}
	n.Sensitive = sensitive
	return n
}

// Publish makes a Note of the submission and queues its Create to every
// follower's inbox, all in one transaction.
func (s *Service) Publish(ctx context.Context, artist Artist, sub Submission) (Post, error) {
	if err := s.validate(sub); err != nil {
		return Post{}, err
	}
	now := s.now().UTC()
	id := newPostID(now)
	note := s.noteFor(id, sub, now, time.Time{})
	noteDoc, err := s.ap.NoteDocument(note)
	if err != nil {
		return Post{}, err
	}
	createIRI := s.ap.ActivityIRI(ap.NewID())
	createDoc, err := s.ap.CreateDocument(createIRI, noteDoc, now)
	if err != nil {
		return Post{}, err
	}
	noteJSON, err := ap.Marshal(noteDoc)
	if err != nil {
		return Post{}, err
	}
	createJSON, err := ap.Marshal(createDoc)
	if err != nil {
		return Post{}, err
	}
	inboxes, err := s.ap.FollowerInboxes(ctx)
	if err != nil {
		return Post{}, err
	}
	p := Post{ID: id, NoteIRI: note.IRI, ArtistID: artist.ID, ArtistName: artist.Name, Submission: sub,
		CreateIRI: createIRI, Published: now}
	obj := ap.Object{IRI: note.IRI, Type: "Note", JSON: noteJSON, Published: now}
	act := ap.Activity{IRI: createIRI, Type: "Create", ObjectIRI: note.IRI, JSON: createJSON, InOutbox: true, Published: now}
	if err := s.store.SavePost(ctx, p, obj, act, inboxes, now); err != nil {
		return Post{}, err
	}
	s.ap.Wake()
	s.log.InfoContext(ctx, "published", "post", id, "note", note.IRI, "inboxes", len(inboxes))
	return p, nil
}

// Edit replaces a post's submission and sends an Update to the same reach as
// the Create had, plus current followers.
func (s *Service) Edit(ctx context.Context, caller Caller, ref string, sub Submission) (Post, error) {
	p, err := s.resolve(ctx, ref)
	if err != nil {
		return Post{}, err
	}
	if err := authorise(caller, p); err != nil {
		return Post{}, err
	}
	if p.Deleted() {
		return Post{}, ErrAlreadyGone
	}
	if err := s.validate(sub); err != nil {
		return Post{}, err
	}
	now := s.now().UTC()
	note := s.noteFor(p.ID, sub, p.Published, now)
	noteDoc, err := s.ap.NoteDocument(note)
	if err != nil {
		return Post{}, err
	}
	updateIRI := s.ap.ActivityIRI(ap.NewID())
	updateDoc, err := s.ap.UpdateDocument(updateIRI, noteDoc, now)
	if err != nil {
		return Post{}, err
	}
	noteJSON, err := ap.Marshal(noteDoc)
	if err != nil {
		return Post{}, err
	}
	updateJSON, err := ap.Marshal(updateDoc)
	if err != nil {
		return Post{}, err
	}
	inboxes, err := s.reach(ctx, p)
	if err != nil {
		return Post{}, err
	}
	p.Submission = sub
	p.Updated = now
	obj := ap.Object{IRI: p.NoteIRI, Type: "Note", JSON: noteJSON, Published: p.Published}
	act := ap.Activity{IRI: updateIRI, Type: "Update", ObjectIRI: p.NoteIRI, JSON: updateJSON, Published: now}
	if err := s.store.UpdatePost(ctx, p, obj, act, inboxes, now); err != nil {
		return Post{}, err
	}
	s.ap.Wake()
	return p, nil
}

// reach is every inbox that got or may have a post beyond its followers: the
// Create's inboxes, current followers, fetchers and interacting actors. Edits
// go there; the takedown computes its own set inside its transaction.
func (s *Service) reach(ctx context.Context, p Post) ([]string, error) {
	followers, err := s.ap.FollowerInboxes(ctx)
	if err != nil {
		return nil, err
	}
	deliveries, err := s.store.ActivityDeliveries(ctx, p.CreateIRI)
	if err != nil {
		return nil, err
	}
	inboxes := followers
	for _, d := range deliveries {
		if d.State == ap.DeliveryCancelled {
			continue
		}
		inboxes = append(inboxes, d.Inbox)
	}
	return s.ap.FilterInboxes(ctx, inboxes), nil
}

// Takedown deletes a post everywhere it went and returns the first receipt.
func (s *Service) Takedown(ctx context.Context, caller Caller, ref string) (Receipt, error) {
	p, err := s.resolve(ctx, ref)
	if err != nil {
		return Receipt{}, err
	}
	if err := authorise(caller, p); err != nil {
		return Receipt{}, err
	}
	if p.Deleted() {
		return s.Receipt(ctx, p.ID)
	}
	s.resolveReach(ctx, p)
	now := s.now().UTC()
	delIRI := s.ap.ActivityIRI(ap.NewID())
	delDoc, err := s.ap.DeleteDocument(delIRI, p.NoteIRI, now)
	if err != nil {
		return Receipt{}, err
	}
	delJSON, err := ap.Marshal(delDoc)
	if err != nil {
		return Receipt{}, err
	}
	act := ap.Activity{IRI: delIRI, Type: "Delete", ObjectIRI: p.NoteIRI, JSON: delJSON, Published: now}
	n, err := s.store.TakedownPost(ctx, p.ID, act, nil, now)
	if err != nil {
		return Receipt{}, err
	}
	s.ap.Wake()
	p.DeletedAt = now
	mediaErr := s.removeImages(ctx, p)
	s.log.InfoContext(ctx, "taken down", "post", p.ID, "inboxes", n)
	r, err := s.Receipt(ctx, p.ID)
	r.MediaError = mediaErr
	return r, err
}

// resolveReach learns the inboxes of actors that fetched or interacted with the
// post, so the Delete reaches them. Failures are logged: the takedown proceeds.
func (s *Service) resolveReach(ctx context.Context, p Post) {
	actors, err := s.store.UnresolvedReach(ctx, p.NoteIRI)
	if err != nil {
		s.log.WarnContext(ctx, "takedown reach", "err", err)
		return
	}
	for _, a := range actors {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if _, err := s.ap.ResolveActor(rctx, a); err != nil {
			s.log.WarnContext(ctx, "takedown: cannot resolve actor", "actor", a, "err", err)
		}
		cancel()
	}
}

// Receipt reports how the Delete of a taken-down post is going.
func (s *Service) Receipt(ctx context.Context, postID string) (Receipt, error) {
	p, err := s.store.Post(ctx, postID)
	if err != nil {
		return Receipt{}, err
	}
	r := Receipt{PostID: p.ID, NoteIRI: p.NoteIRI}
	if p.DeleteIRI == "" {
		return r, nil
	}
	ds, err := s.store.ActivityDeliveries(ctx, p.DeleteIRI)
	if err != nil {
		return Receipt{}, err
	}
	for _, d := range ds {
		switch d.State {
		case ap.DeliveryDelivered:
			r.Confirmed++
		case ap.DeliveryQueued:
			r.Pending++
		default:
			r.Failed++
		}
	}
	return r, nil
}

// Status lists, per inbox, where each activity about a post stands.
func (s *Service) Status(ctx context.Context, ref string) (Post, []HostStatus, error) {
	p, err := s.resolve(ctx, ref)
	if err != nil {
		return Post{}, nil, err
	}
	st, err := s.store.PostDeliveries(ctx, p.NoteIRI)
	return p, st, err
}

// Posts lists posts, newest first.
func (s *Service) Posts(ctx context.Context, offset, limit int) ([]Post, error) {
	return s.store.Posts(ctx, offset, limit)
}

// Post returns one post by ID or URL.
func (s *Service) Post(ctx context.Context, ref string) (Post, error) { return s.resolve(ctx, ref) }

// resolve finds a post by its ID, its Note IRI or a URL ending in its ID.
func (s *Service) resolve(ctx context.Context, ref string) (Post, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Post{}, fmt.Errorf("%w: no post given", ErrNotFound)
	}
	id := ref
	if u, err := url.Parse(ref); err == nil && u.Host != "" {
		if !strings.EqualFold(u.Host, s.ap.Host()) {
			return Post{}, fmt.Errorf("%w: %s is not on %s", ErrNotFound, ref, s.ap.Host())
		}
		id = u.Path[strings.LastIndexByte(u.Path, '/')+1:]
	}
	p, err := s.store.Post(ctx, id)
	if errors.Is(err, ap.ErrNotFound) {
		return Post{}, fmt.Errorf("%w: %s", ErrNotFound, ref)
	}
	return p, err
}

func authorise(c Caller, p Post) error {
	if c.Operator || (c.ArtistID != "" && c.ArtistID == p.ArtistID) {
		return nil
	}
	return ErrNotAllowed
}

// newPostID is a sortable, unguessable post id: the time in base 36, then randomness.
func newPostID(t time.Time) string {
	return fmt.Sprintf("%09s", strconv.FormatInt(t.UnixMilli(), 36)) + ap.NewID()[:10]
}
