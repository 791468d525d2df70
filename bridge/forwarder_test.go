package bridge_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"image"
	"image/png"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/bridge"
	"github.com/artbridge/artbridge/moderation"
	"github.com/artbridge/artbridge/storage"
)

// fakeMessenger records what the forwarder posts to Discord.
type fakeMessenger struct {
	mu    sync.Mutex
	sent  []string // "channel: text"
	edits []string
}

func (m *fakeMessenger) SendMessage(_ context.Context, channelID, text string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, channelID+": "+text)
	return "msg-" + channelID, nil
}

func (m *fakeMessenger) EditMessage(_ context.Context, channelID, messageID, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.edits = append(m.edits, channelID+"/"+messageID+": "+text)
	return nil
}

func (m *fakeMessenger) DeleteMessage(context.Context, string, string) error {
	return errors.New("not expected")
}

func (m *fakeMessenger) messages() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.sent...)
}

// newService is a bridge service on a real database in a temp dir, with one
// stored image ready to publish.
func newService(t *testing.T) (*bridge.Service, *storage.DB, bridge.Image, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := storage.Open(ctx, filepath.Join(dir, "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	apSvc, err := ap.New(ap.Config{BaseURL: "https://art.example", Username: "art", Key: key}, db, nil, nil, log, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	mediaDir := filepath.Join(dir, "media")
	svc := bridge.New(bridge.Config{MediaDir: mediaDir}, apSvc, db, log, time.Now)
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	img, err := svc.StoreImage(ctx, buf.Bytes(), "a.png")
	if err != nil {
		t.Fatal(err)
	}
	img.Alt = "a square"
	return svc, db, img, mediaDir
}

// A reply that arrives between publishing and the Discord flow saving the
// submission is not lost: it waits for the post's thread, then is sent.
func TestForwarderWaitsForTheSubmissionOfANewPost(t *testing.T) {
	ctx := context.Background()
	svc, db, img, _ := newService(t)
	post, err := svc.Publish(ctx, bridge.Artist{ID: "200000000000000001", Name: "mira"}, bridge.Submission{Text: "New", Images: []bridge.Image{img}})
	if err != nil {
		t.Fatal(err)
	}

	// The reply is decided before the submission names the post.
	const bob = "https://remote.example/users/bob"
	raw := []byte(`{"id":"` + bob + `/statuses/1/activity","type":"Create","actor":"` + bob + `","object":{"id":"` + bob +
		`/statuses/1","type":"Note","content":"<p>Lovely</p>","inReplyTo":"` + post.NoteIRI + `"}}`)
	in := ap.InboundActivity{ID: bob + "/statuses/1/activity", Actor: bob, Type: "Create", Raw: raw, ReceivedAt: time.Now()}
	if _, err := db.RecordInbound(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApplyModeration(ctx, bridge.ModerationRecord{Decision: bridge.InboundDecision{
		ActivityID: in.ID, PostID: bob + "/statuses/1", Actor: bob, InReplyTo: post.NoteIRI,
		Action: moderation.ActionNone, State: bridge.DecisionPassed, At: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	msgr := &fakeMessenger{}
	fwd := bridge.NewForwarder(svc, db, msgr)
	fwd.Start(ctx)
	t.Cleanup(func() { _ = fwd.Close(context.Background()) })
	fwd.Wake()
	waitFor(t, "the reply to wait for its thread", func() bool {
		dec, err := db.InboundDecision(ctx, in.ID)
		return err == nil && dec.ActivityID != "" && pendingAttempts(t, db, in.ID) >= 1
	})
	if len(msgr.messages()) != 0 {
		t.Fatalf("sent before the thread was known: %v", msgr.messages())
	}

	// The flow saves the submission: the next pass sends the reply there.
	rec := bridge.SubmissionRecord{ID: "sub1", ThreadID: "300000000000000001", GuildID: "1", ArtistID: "200000000000000001",
		State: bridge.SubmissionPublished, PostID: post.ID, CreatedAt: time.Now(), UpdatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := db.CreateSubmission(ctx, rec); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reply sent to the thread", func() bool {
		m := msgr.messages()
		return len(m) == 1 && strings.HasPrefix(m[0], "300000000000000001: ") && strings.Contains(m[0], "> Lovely")
	})
}

// pendingAttempts is the number of attempts of a reply still to send (0 once
// it is no longer pending).
func pendingAttempts(t *testing.T, db *storage.DB, activityID string) int {
	t.Helper()
	due, err := db.RepliesToForward(context.Background(), time.Now().Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range due {
		if r.ActivityID == activityID {
			return r.Attempts
		}
	}
	return 0
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
