package bridge

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/bridge/richtext"
	"github.com/artbridge/artbridge/discord"
)

// FlowConfig configures the Discord submission flow.
type FlowConfig struct {
	AcceptedTypes []string      // media types, checked again by content sniffing
	MaxImages     int           // default 4
	CreditsFormat string        // "Art by {artist}"
	PendingExpiry time.Duration // default 7 days
	TermsURL      string
	PrivacyURL    string
	// Languages are the BCP 47 tags the panel offers (default ["en"]);
	// DefaultLanguage is preselected (default the first).
	Languages       []string
	DefaultLanguage string
	// DefaultLicense is the license URL preselected on new panels (empty:
	// all rights reserved).
	DefaultLicense string
}

// Flow is the Discord submission flow: it implements discord.Handler on top of
// the bridge service. Each submission is serialised by its own lock, and its
// state lives in the store, so a restart between panel and Confirm loses nothing.
type Flow struct {
	svc   *Service
	cfg   FlowConfig
	store SubmissionStore
	bot   Notifier
	ai    AltTexter // nil: no AI drafts

	locks sync.Map // submission ID → *sync.Mutex

	cancel context.CancelFunc
	wg     sync.WaitGroup
	base   context.Context
}

var _ discord.Handler = (*Flow)(nil)

// NewFlow builds the flow. ai may be nil.
func NewFlow(svc *Service, cfg FlowConfig, store SubmissionStore, bot Notifier, ai AltTexter) *Flow {
	if cfg.MaxImages <= 0 || cfg.MaxImages > 4 {
		cfg.MaxImages = 4
	}
	if cfg.CreditsFormat == "" {
		cfg.CreditsFormat = "Art by {artist}"
	}
	if cfg.PendingExpiry <= 0 {
		cfg.PendingExpiry = 7 * 24 * time.Hour
	}
	if len(cfg.Languages) == 0 {
		cfg.Languages = []string{"en"}
	}
	if cfg.DefaultLanguage == "" {
		cfg.DefaultLanguage = cfg.Languages[0]
	}
	if ai != nil && !ai.Enabled() {
		ai = nil
	}
	return &Flow{svc: svc, cfg: cfg, store: store, bot: bot, ai: ai, base: context.Background()}
}

// SetNotifier sets the Discord side (the bot is built after the flow it calls).
func (f *Flow) SetNotifier(n Notifier) { f.bot = n }

// Start starts the expiry sweep; background work (AI drafts) is owned by the flow.
func (f *Flow) Start(ctx context.Context) {
	f.base, f.cancel = context.WithCancel(context.WithoutCancel(ctx))
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			f.sweepExpired(f.base)
			select {
			case <-f.base.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Close stops background work and waits for it.
func (f *Flow) Close(ctx context.Context) error {
	if f.cancel != nil {
		f.cancel()
	}
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("bridge: flow did not stop: %w", ctx.Err())
	}
}

func (f *Flow) lock(id string) func() {
	m, _ := f.locks.LoadOrStore(id, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

const (
	msgOnlyArtist   = "Only the artist who posted this can do that."
	msgGone         = "This submission no longer exists."
	msgNoImages     = "I found no image to publish: attach your art (PNG, JPEG, GIF or WebP), or link the image file itself, in a new thread."
	msgNoAttachment = "There is no image in this post, so there is nothing to publish to the Fediverse. Attach your art (PNG, JPEG, GIF or WebP) in a new thread."
)

// ThreadStarted turns a new art-forum thread into a pending submission with a panel.
func (f *Flow) ThreadStarted(ctx context.Context, s discord.Starter) {
	log := f.svc.log.With("thread", s.ThreadID)
	if _, err := f.store.LatestSubmissionByThread(ctx, s.ThreadID); err == nil {
		// One submission per thread, for good: a THREAD_CREATE replayed after a
		// resume, delayed, or seen again after a restart opens nothing; the
		// existing panel keeps its Update and the thread its /delete_fedi.
		return
	}
	images, notes := f.collectImages(ctx, s, nil)
	offers := f.offerLinks(s)
	if pages := pagesNote(s.PageLinks); pages != "" && len(images) == 0 {
		notes = append(notes, pages)
	}
	if len(images) == 0 && len(offers) > 0 {
		notes = append([]string{msgLinkOffer}, notes...)
	}
	if len(images) == 0 && len(offers) == 0 {
		text := msgNoAttachment
		if len(s.PageLinks) > 0 {
			text = msgNoImages
		}
		if len(notes) > 0 {
			text = strings.Join(notes, "\n") + "\n" + text
		}
		if _, err := f.bot.SendMessage(ctx, s.ThreadID, text); err != nil {
			log.WarnContext(ctx, "explain missing images", "err", err)
		}
		return
	}
	consent, err := f.store.ArtistAIConsent(ctx, s.AuthorID)
	if err != nil {
		log.WarnContext(ctx, "read AI consent default", "err", err)
	}
	now := f.svc.now().UTC()
	rec := SubmissionRecord{
		ID:         newPostID(now),
		ThreadID:   s.ThreadID,
		GuildID:    s.GuildID,
		ArtistID:   s.AuthorID,
		ArtistName: s.AuthorName,
		State:      SubmissionPending,
		Draft: Draft{
			Title:          s.Title,
			AIConsent:      consent && f.ai != nil,
			IncludeCredits: true,
			CreditsLine:    strings.ReplaceAll(f.cfg.CreditsFormat, "{artist}", s.AuthorName),
			Notice:         strings.Join(notes, "\n"),
		},
		CreatedAt: now,
		UpdatedAt: now,
		ExpiresAt: now.Add(f.cfg.PendingExpiry),
	}
	rec.Draft.Submission, rec.Draft.SuggestedCW = submissionFromStarter(s, images)
	rec.Draft.Submission.Language = f.cfg.DefaultLanguage
	rec.Draft.Submission.License = f.cfg.DefaultLicense
	if len(images) == 0 {
		rec.Draft.LinkOffers = offers
	}
	if err := f.store.CreateSubmission(ctx, rec); err != nil {
		if !errors.Is(err, ErrLiveSubmission) {
			log.ErrorContext(ctx, "store submission", "err", err)
		}
		return
	}
	unlock := f.lock(rec.ID)
	defer unlock()
	msgID, err := f.bot.SendPanel(ctx, s.ThreadID, f.panel(rec))
	if err != nil {
		log.ErrorContext(ctx, "send panel", "err", err)
		return
	}
	rec.PanelMessageID = msgID
	if err := f.store.UpdateSubmission(ctx, rec); err != nil {
		log.ErrorContext(ctx, "store panel id", "err", err)
	}
	if rec.Draft.AIConsent {
		f.startDrafts(rec.ID)
	}
}

// submissionFromStarter builds the post from the starter message, and suggests
// a content warning from its ||spoiler|| text.
func submissionFromStarter(s discord.Starter, images []Image) (Submission, string) {
	text, suggestedCW := unspoil(strings.TrimSpace(s.Content))
	if text == "" {
		text = strings.TrimSpace(s.Title)
	}
	sub := Submission{Text: text, Images: images}
	for _, img := range images {
		if img.Spoiler {
			sub.Sensitive = true
		}
	}
	for _, e := range s.Emoji {
		mt := "image/png"
		if e.Animated {
			mt = "image/gif"
		}
		sub.Emoji = append(sub.Emoji, Emoji{Shortcode: e.Name, URL: e.URL, MediaType: mt})
	}
	return sub, suggestedCW
}

// collectImages downloads the starter's images at once (CDN URLs expire), keeping
// the artist's descriptions; previous carries over descriptions of unchanged images.
func (f *Flow) collectImages(ctx context.Context, s discord.Starter, previous []Image) ([]Image, []string) {
	var images []Image
	var notes []string
	for _, a := range s.Attachments {
		if !acceptedType(a.ContentType, a.Filename, f.cfg.AcceptedTypes) {
			continue
		}
		if len(images) == f.cfg.MaxImages {
			notes = append(notes, fmt.Sprintf("Only the first %d images are published.", f.cfg.MaxImages))
			break
		}
		if prev, ok := findImage(previous, a.ID); ok {
			prev.Spoiler = a.Spoiler
			if a.Description != "" && prev.AltSource != AltArtist {
				prev.Alt, prev.AltSource, prev.AltModel = a.Description, AltArtist, ""
			}
			images = append(images, prev)
			continue
		}
		maxBytes := f.svc.cfg.MaxImageBytes
		if maxBytes <= 0 {
			maxBytes = 16 << 20
		}
		data, _, err := f.bot.Download(ctx, a.URL, maxBytes)
		if err != nil {
			notes = append(notes, fmt.Sprintf("Could not download %s: %v", a.Filename, err))
			continue
		}
		img, err := f.svc.StoreImage(ctx, data, a.Filename)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s can't be published: %v", a.Filename, errors.Unwrap(err)))
			continue
		}
		img.SourceID = a.ID
		img.Spoiler = a.Spoiler
		if d := strings.TrimSpace(a.Description); d != "" {
			img.Alt, img.AltSource = truncateRunes(d, ap.MaxAltText), AltArtist
		}
		images = append(images, img)
	}
	return images, notes
}

func findImage(list []Image, sourceID string) (Image, bool) {
	for _, img := range list {
		if sourceID != "" && img.SourceID == sourceID {
			return img, true
		}
	}
	return Image{}, false
}

func acceptedType(contentType, filename string, accepted []string) bool {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	if ct == "" {
		switch strings.ToLower(filepath.Ext(filename)) {
		case ".png":
			ct = "image/png"
		case ".jpg", ".jpeg":
			ct = "image/jpeg"
		case ".gif":
			ct = "image/gif"
		case ".webp":
			ct = "image/webp"
		}
	}
	if len(accepted) == 0 {
		accepted = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}
	}
	for _, a := range accepted {
		if a == ct {
			return true
		}
	}
	return false
}

func truncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// finalSubmission is what Confirm publishes: credits applied.
func finalSubmission(d Draft) Submission {
	sub := d.Submission
	var credits []string
	if d.IncludeCredits && d.CreditsLine != "" {
		credits = append(credits, d.CreditsLine)
	}
	if c := creditLinks(d.LinkCredits); c != "" {
		credits = append(credits, c) // a linked image always credits its link
	}
	sub.Credits = strings.Join(credits, " · ")
	return sub
}

// panel renders a submission's panel.
func (f *Flow) panel(rec SubmissionRecord) discord.Panel {
	d := rec.Draft
	sub := finalSubmission(d)
	text := richtext.Render(sub.Text, richtext.Options{MaxChars: f.svc.cfg.MaxTextChars}).Text
	if sub.Credits != "" {
		text = strings.TrimSpace(text + "\n\n" + sub.Credits)
	}
	if f.svc.cfg.PostTail != "" {
		text = strings.TrimSpace(text + "\n\n" + f.svc.cfg.PostTail)
	}
	p := discord.Panel{
		SubmissionID:    rec.ID,
		State:           discord.PanelState(rec.State),
		Text:            text,
		ContentWarning:  sub.ContentWarning,
		Sensitive:       sub.Sensitive || sub.ContentWarning != "",
		AIAvailable:     f.ai != nil,
		AIConsent:       d.AIConsent,
		CreditsIncluded: d.IncludeCredits,
		SuggestedCW:     d.SuggestedCW,
		Language:        sub.Language,
		Languages:       discord.LanguageOptions(f.cfg.Languages),
		Notice:          strings.TrimSpace(d.Notice + "\n" + f.termsLine(rec.State)),
	}
	for _, img := range sub.Images {
		p.Images = append(p.Images, discord.PanelImage{Filename: img.Filename, Alt: img.Alt,
			AltSource: discord.AltSource(img.AltSource), Spoiler: img.Spoiler})
	}
	p.Licenses, p.License = licenseChoices(), licenseValue(sub.License)
	if rec.State == SubmissionPending {
		for _, l := range d.LinkOffers {
			preview := l.ProxyURL
			if preview == "" {
				preview = l.ImageURL
			}
			p.LinkOffers = append(p.LinkOffers, discord.PanelLink{Host: l.Host, PageURL: l.PageURL, PreviewURL: preview})
		}
	}
	if rec.PostID != "" {
		p.PostURL = f.svc.ap.NoteIRI(rec.PostID)
		p.CanUpdate = rec.State == SubmissionPublished && d.StarterEdited
	}
	return p
}

// termsLine links the community's terms and privacy notice on pending panels.
func (f *Flow) termsLine(state SubmissionState) string {
	if state != SubmissionPending || (f.cfg.TermsURL == "" && f.cfg.PrivacyURL == "") {
		return ""
	}
	var parts []string
	if f.cfg.TermsURL != "" {
		parts = append(parts, "terms: "+f.cfg.TermsURL)
	}
	if f.cfg.PrivacyURL != "" {
		parts = append(parts, "privacy: "+f.cfg.PrivacyURL)
	}
	return "Confirm publishes your art publicly on the Fediverse (" + strings.Join(parts, ", ") + ")."
}

// load reads a submission and applies a lazy expiry.
func (f *Flow) load(ctx context.Context, id string) (SubmissionRecord, error) {
	rec, err := f.store.Submission(ctx, id)
	if err != nil {
		return rec, err
	}
	if rec.State == SubmissionPending && !rec.ExpiresAt.IsZero() && f.svc.now().After(rec.ExpiresAt) {
		rec.State = SubmissionExpired
		rec.Draft.Notice = "This submission expired. Open a new thread to post it."
		rec.UpdatedAt = f.svc.now().UTC()
		if err := f.store.UpdateSubmission(ctx, rec); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

func (f *Flow) save(ctx context.Context, rec *SubmissionRecord) error {
	rec.UpdatedAt = f.svc.now().UTC()
	return f.store.UpdateSubmission(ctx, *rec)
}

// replyPanel shows rec's panel. The caller holds rec's lock: the panel message
// is edited before the lock is released, so a later state change (an edit of
// the starter, an AI draft, a takedown) can never be overwritten by this older
// panel. Only a panel whose message ID is unknown is left to the interaction's
// reply.
func (f *Flow) replyPanel(ctx context.Context, rec SubmissionRecord) discord.Reply {
	p := f.panel(rec)
	if rec.PanelMessageID == "" {
		return discord.Reply{Panel: &p}
	}
	if err := f.bot.EditPanel(ctx, rec.ThreadID, rec.PanelMessageID, p); err != nil {
		f.svc.log.WarnContext(ctx, "edit panel", "submission", rec.ID, "err", err)
		return discord.Reply{Ephemeral: "I could not update the panel just now; press **Refresh** to see the latest state."}
	}
	return discord.Reply{}
}

// forArtist locks the pressed submission and loads it; anyone but its artist
// gets a refusal to show privately. unlock is always to be called.
func (f *Flow) forArtist(ctx context.Context, p discord.Press) (rec SubmissionRecord, unlock func(), refusal string) {
	unlock = f.lock(p.SubmissionID)
	rec, err := f.load(ctx, p.SubmissionID)
	switch {
	case err != nil:
		return rec, unlock, msgGone
	case p.UserID != rec.ArtistID:
		return rec, unlock, msgOnlyArtist
	}
	return rec, unlock, ""
}

// PanelButton handles the panel's buttons.
func (f *Flow) PanelButton(ctx context.Context, p discord.Press) discord.Reply {
	rec, unlock, refusal := f.forArtist(ctx, p)
	defer unlock()
	if refusal != "" {
		return discord.Reply{Ephemeral: refusal}
	}
	if p.Action == discord.ActionUpdate {
		return f.update(ctx, rec)
	}
	if rec.State != SubmissionPending {
		r := f.replyPanel(ctx, rec)
		r.Ephemeral = strings.TrimSpace(r.Ephemeral + "\n" + "This submission is " + string(rec.State) + ".")
		return r
	}
	rec.Draft.Notice = ""
	switch p.Action {
	case discord.ActionConfirm:
		return f.confirm(ctx, rec)
	case discord.ActionCancel:
		rec.State = SubmissionCancelled
		rec.Draft.Notice = "Cancelled: nothing was published."
	case discord.ActionCreditsToggle:
		rec.Draft.IncludeCredits = !rec.Draft.IncludeCredits
	case discord.ActionUseLinks:
		if len(rec.Draft.LinkOffers) == 0 {
			return discord.Reply{Ephemeral: "There are no linked images waiting."}
		}
		f.useLinks(ctx, &rec)
	case discord.ActionLanguage:
		tag, ok := "", len(p.Values) == 1
		if ok {
			tag, ok = f.languageChoice(p.Values[0])
		}
		if !ok {
			return discord.Reply{Ephemeral: "That language is not offered on this server."}
		}
		rec.Draft.Submission.Language = tag
	case discord.ActionAIToggle:
		if f.ai == nil {
			return discord.Reply{Ephemeral: "AI descriptions are not available on this server."}
		}
		rec.Draft.AIConsent = !rec.Draft.AIConsent
		if err := f.store.SetArtistAIConsent(ctx, rec.ArtistID, rec.Draft.AIConsent, f.svc.now()); err != nil {
			f.svc.log.WarnContext(ctx, "remember AI consent", "err", err)
		}
		if rec.Draft.AIConsent {
			rec.Draft.Notice = "Drafting descriptions with AI for images you have not described… You will see them here before anything is published. (Your choice is remembered for your next posts.)"
		} else {
			for i := range rec.Draft.Submission.Images {
				if rec.Draft.Submission.Images[i].AltSource == AltAI {
					rec.Draft.Submission.Images[i].Alt, rec.Draft.Submission.Images[i].AltSource = "", AltNone
					rec.Draft.Submission.Images[i].AltModel = ""
				}
			}
			rec.Draft.Notice = "AI descriptions are off: AI drafts were removed. (Your choice is remembered for your next posts.)"
		}
	case discord.ActionLicense:
		if refusal := f.chooseLicense(&rec, p.Values); refusal != "" {
			return discord.Reply{Ephemeral: refusal}
		}
	case discord.ActionRefresh:
		st, err := f.bot.FetchStarter(ctx, rec.ThreadID)
		if err != nil {
			return discord.Reply{Ephemeral: "Could not re-read your post from Discord; try again in a moment."}
		}
		f.refreshFrom(ctx, &rec, st)
	default:
		return discord.Reply{Ephemeral: "Unknown button."}
	}
	if err := f.save(ctx, &rec); err != nil {
		return discord.Reply{Ephemeral: "Something went wrong saving your submission; please try again."}
	}
	if p.Action == discord.ActionAIToggle && rec.Draft.AIConsent {
		f.startDrafts(rec.ID)
	}
	return f.replyPanel(ctx, rec)
}

// refreshFrom re-reads text and images from the (edited) starter message.
func (f *Flow) refreshFrom(ctx context.Context, rec *SubmissionRecord, st discord.Starter) {
	images, notes := f.collectImages(ctx, st, rec.Draft.Submission.Images)
	if len(images) == 0 && (len(rec.Draft.LinkCredits) > 0 || len(rec.Draft.LinkOffers) > 0) {
		// A link-only post: its (linked) images stay; the text follows the message.
		images = rec.Draft.Submission.Images
		if len(rec.Draft.LinkOffers) > 0 {
			if offers := f.offerLinks(st); len(offers) > 0 {
				rec.Draft.LinkOffers = offers
			}
		}
		if len(images) == 0 {
			keep := rec.Draft.Submission
			rec.Draft.Submission, rec.Draft.SuggestedCW = submissionFromStarter(st, nil)
			rec.Draft.Submission.ContentWarning, rec.Draft.Submission.Language = keep.ContentWarning, keep.Language
			rec.Draft.Title = st.Title
			rec.Draft.Notice = msgLinkOffer
			return
		}
	}
	if len(images) == 0 {
		rec.Draft.Notice = "Your post has no image any more; the previous images are kept. " + strings.Join(notes, " ")
		return
	}
	keep := rec.Draft.Submission
	rec.Draft.Submission, rec.Draft.SuggestedCW = submissionFromStarter(st, images)
	rec.Draft.Submission.ContentWarning, rec.Draft.Submission.Language = keep.ContentWarning, keep.Language
	rec.Draft.Submission.License = keep.License
	rec.Draft.Title = st.Title
	rec.Draft.AskedMissingAlt = false
	rec.Draft.Notice = strings.TrimSpace("Updated from your message. " + strings.Join(notes, " "))
}

func (f *Flow) confirm(ctx context.Context, rec SubmissionRecord) discord.Reply {
	if len(rec.Draft.Submission.Images) == 0 {
		rec.Draft.Notice = msgNeedLinks
		if err := f.save(ctx, &rec); err != nil {
			return discord.Reply{Ephemeral: "Something went wrong; please try again."}
		}
		return f.replyPanel(ctx, rec)
	}
	missing := 0
	for _, img := range rec.Draft.Submission.Images {
		if strings.TrimSpace(img.Alt) == "" {
			missing++
		}
	}
	if missing > 0 && !rec.Draft.AskedMissingAlt {
		rec.Draft.AskedMissingAlt = true
		rec.Draft.Notice = fmt.Sprintf("%d of your images have no description. Descriptions let blind and low-vision people enjoy your art: press **Edit descriptions** to add them, or **Confirm** again to publish without.", missing)
		if err := f.save(ctx, &rec); err != nil {
			return discord.Reply{Ephemeral: "Something went wrong; please try again."}
		}
		return f.replyPanel(ctx, rec)
	}
	post, err := f.svc.Publish(ctx, Artist{ID: rec.ArtistID, Name: rec.ArtistName}, finalSubmission(rec.Draft))
	if err != nil {
		f.svc.log.ErrorContext(ctx, "publish", "submission", rec.ID, "err", err)
		rec.Draft.Notice = "Publishing failed: " + err.Error() + ". Nothing was sent; you can try again."
		_ = f.save(ctx, &rec)
		return f.replyPanel(ctx, rec)
	}
	rec.State = SubmissionPublished
	rec.PostID = post.ID
	rec.Draft.Notice = "Published on the Fediverse."
	// The post is recorded before the acknowledgement shows its link: a
	// /delete_fedi sent as soon as the link appears finds its submission (and
	// waits for this lock to update the panel).
	if err := f.save(ctx, &rec); err != nil {
		f.svc.log.ErrorContext(ctx, "store published submission", "err", err)
	}
	if ackID, err := f.bot.SendMessage(ctx, rec.ThreadID, ackText(post.NoteIRI, 0, 0)); err == nil {
		rec.AckMessageID = ackID
		if err := f.save(ctx, &rec); err != nil {
			f.svc.log.ErrorContext(ctx, "store acknowledgement id", "err", err)
		}
	} else {
		f.svc.log.WarnContext(ctx, "post acknowledgement", "err", err)
	}
	return f.replyPanel(ctx, rec)
}

// update sends the edited starter message as an Update of the published post.
func (f *Flow) update(ctx context.Context, rec SubmissionRecord) discord.Reply {
	if rec.State != SubmissionPublished || rec.PostID == "" {
		return discord.Reply{Ephemeral: "Only a published post can be updated."}
	}
	st, err := f.bot.FetchStarter(ctx, rec.ThreadID)
	if err != nil {
		return discord.Reply{Ephemeral: "Could not re-read your post from Discord; try again in a moment."}
	}
	f.refreshFrom(ctx, &rec, st)
	if _, err := f.svc.Edit(ctx, Caller{ArtistID: rec.ArtistID}, rec.PostID, finalSubmission(rec.Draft)); err != nil {
		return discord.Reply{Ephemeral: "The update failed: " + err.Error()}
	}
	rec.Draft.StarterEdited = false
	rec.Draft.Notice = "Update sent to the Fediverse."
	if err := f.save(ctx, &rec); err != nil {
		f.svc.log.ErrorContext(ctx, "store updated submission", "err", err)
	}
	return f.replyPanel(ctx, rec)
}

// StarterEdited refreshes a pending submission, or offers an Update of a published one.
func (f *Flow) StarterEdited(ctx context.Context, s discord.Starter) {
	rec, err := f.store.LatestSubmissionByThread(ctx, s.ThreadID)
	if err != nil || rec.ArtistID != s.AuthorID {
		return
	}
	unlock := f.lock(rec.ID)
	defer unlock()
	rec, err = f.load(ctx, rec.ID)
	if err != nil {
		return
	}
	switch rec.State {
	case SubmissionPending:
		f.refreshFrom(ctx, &rec, s)
	case SubmissionPublished:
		rec.Draft.StarterEdited = true
		rec.Draft.Notice = "You edited your message. Press **Update on the Fediverse** to send the changes."
	default:
		return
	}
	if err := f.save(ctx, &rec); err != nil {
		f.svc.log.ErrorContext(ctx, "store edited submission", "err", err)
		return
	}
	if rec.PanelMessageID != "" {
		if err := f.bot.EditPanel(ctx, rec.ThreadID, rec.PanelMessageID, f.panel(rec)); err != nil {
			f.svc.log.WarnContext(ctx, "edit panel", "err", err)
		}
	}
}

// ThreadDeleted cancels a pending submission whose thread is gone.
func (f *Flow) ThreadDeleted(ctx context.Context, threadID string) {
	rec, err := f.store.LatestSubmissionByThread(ctx, threadID)
	if err != nil || rec.State != SubmissionPending {
		return
	}
	unlock := f.lock(rec.ID)
	defer unlock()
	rec.State = SubmissionCancelled
	rec.Draft.Notice = "The thread was deleted."
	if err := f.save(ctx, &rec); err != nil {
		f.svc.log.ErrorContext(ctx, "cancel submission", "err", err)
	}
}

// sweepExpired expires pending submissions past their date and updates their panels.
func (f *Flow) sweepExpired(ctx context.Context) {
	due, err := f.store.DueExpiries(ctx, f.svc.now(), 100)
	if err != nil {
		f.svc.log.WarnContext(ctx, "expiry sweep", "err", err)
		return
	}
	for _, r := range due {
		unlock := f.lock(r.ID)
		rec, err := f.load(ctx, r.ID)
		if err == nil && rec.State == SubmissionExpired && rec.PanelMessageID != "" && f.bot != nil {
			if err := f.bot.EditPanel(ctx, rec.ThreadID, rec.PanelMessageID, f.panel(rec)); err != nil {
				f.svc.log.InfoContext(ctx, "edit expired panel", "err", err)
			}
		}
		unlock()
	}
}
