package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// HTTP interactions endpoint limits.
const (
	// MaxInteractionBody caps the request body of POST /discord/interactions.
	MaxInteractionBody = 64 << 10
	// maxTimestampSkew is how far X-Signature-Timestamp may be from now.
	maxTimestampSkew = 5 * time.Minute
	// httpAnswerWithin is how long the endpoint waits for the initial response;
	// Discord gives up after 3 s.
	httpAnswerWithin = 2800 * time.Millisecond
)

// InteractionsHandler serves POST /discord/interactions: Discord's HTTP
// interactions (an alternative to receiving them over the gateway). It verifies
// the Ed25519 signature over timestamp + body with discord.public_key, rejects
// timestamps more than 5 minutes off (401), an interaction ID it already
// accepted while that ID's timestamp is still fresh (401: a replay), and bodies
// over 64 KiB (413); it answers PING with PONG, and hands everything else to the
// same dispatch as the gateway.
// Without a public key configured it answers 404.
func (b *Bot) InteractionsHandler() http.Handler {
	return http.HandlerFunc(b.serveInteraction)
}

func (b *Bot) serveInteraction(w http.ResponseWriter, r *http.Request) {
	if b.publicKey == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > MaxInteractionBody {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxInteractionBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	signedAt, ok := b.verifySignature(r.Header, body)
	if !ok {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil || i.ID == "" {
		http.Error(w, "invalid interaction", http.StatusBadRequest)
		return
	}
	switch b.replays.admit(i.ID, signedAt.Add(maxTimestampSkew), b.clock()) {
	case replaySeen:
		b.log.Warn("refused a replayed HTTP interaction", "interaction", i.ID)
		http.Error(w, "interaction already received", http.StatusUnauthorized)
		return
	case replayFull:
		b.log.Error("too many HTTP interactions in the replay window; refusing new ones", "limit", maxRememberedInteractions)
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if i.Type == discordgo.InteractionPing {
		writeJSON(w, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
		return
	}

	answers := make(chan *discordgo.InteractionResponse)
	gone := make(chan struct{})
	finished := make(chan struct{})
	written := make(chan struct{})
	defer close(written)
	respond := func(ctx context.Context, resp *discordgo.InteractionResponse) error {
		select {
		case answers <- resp:
			// Follow-ups must not overtake the initial response: wait until
			// the HTTP handler has returned it.
			select {
			case <-written:
			case <-ctx.Done():
			}
			return nil
		case <-gone:
			return errLate
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if !b.spawn(func(ctx context.Context) {
		defer close(finished)
		b.dispatch(ctx, &i, respond)
	}) {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	timer := time.NewTimer(httpAnswerWithin)
	defer timer.Stop()
	select {
	case resp := <-answers:
		writeJSON(w, resp)
	case <-finished:
		http.Error(w, "unhandled interaction", http.StatusBadRequest)
	case <-timer.C:
		close(gone)
		b.log.Error("an HTTP interaction was not answered in time", "interaction", i.ID)
		http.Error(w, "timeout", http.StatusServiceUnavailable)
	case <-r.Context().Done():
		close(gone)
	}
}

// verifySignature checks X-Signature-Ed25519 over X-Signature-Timestamp + body
// and the timestamp's freshness; it returns the signed time.
func (b *Bot) verifySignature(h http.Header, body []byte) (time.Time, bool) {
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return time.Time{}, false
	}
	ts := h.Get("X-Signature-Timestamp")
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	signedAt := time.Unix(secs, 0)
	skew := b.clock().Sub(signedAt)
	if skew > maxTimestampSkew || skew < -maxTimestampSkew {
		return time.Time{}, false
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	return signedAt, ed25519.Verify(b.publicKey, msg, sig)
}

// writeJSON answers 200 with v as JSON.
func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}
