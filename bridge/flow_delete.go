package bridge

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/artbridge/artbridge/discord"
)

// DeleteCommand handles /delete_fedi.
func (f *Flow) DeleteCommand(ctx context.Context, inv discord.Invocation, ref string) discord.Reply {
	ref = strings.TrimSpace(ref)
	var rec SubmissionRecord
	haveRec := false
	if ref == "" {
		r, err := f.store.LatestSubmissionByThread(ctx, inv.ChannelID)
		if err != nil || r.PostID == "" {
			return discord.Reply{Ephemeral: "No Fediverse post belongs to this thread. Give the post's link: `/delete_fedi post:<link>`."}
		}
		rec, haveRec, ref = r, true, r.PostID
	}
	post, err := f.svc.Post(ctx, ref)
	if err != nil {
		return discord.Reply{Ephemeral: "I can't find that post. Use the link from the acknowledgement, like " + f.svc.ap.NoteIRI("…") + "."}
	}
	if post.ArtistID != inv.UserID {
		return discord.Reply{Ephemeral: "Only the artist who posted it can delete this post."}
	}
	if !haveRec {
		if r, err := f.store.SubmissionByPost(ctx, post.ID); err == nil {
			rec, haveRec = r, true
		}
	}
	receipt, err := f.svc.Takedown(ctx, Caller{ArtistID: inv.UserID}, post.ID)
	if err != nil {
		return discord.Reply{Ephemeral: "The deletion failed: " + err.Error()}
	}
	// Give the first servers a moment to confirm, within the interaction's time.
	deadline := f.svc.now().Add(3 * time.Second)
	for receipt.Pending > 0 && f.svc.now().Before(deadline) {
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
		if r, err := f.svc.Receipt(ctx, post.ID); err == nil {
			receipt = r
		}
		if ctx.Err() != nil {
			break
		}
	}
	if haveRec {
		unlock := f.lock(rec.ID)
		rec, _ = f.store.Submission(ctx, rec.ID)
		if rec.AckMessageID != "" {
			if err := f.bot.DeleteMessage(ctx, rec.ThreadID, rec.AckMessageID); err != nil {
				f.svc.log.InfoContext(ctx, "remove acknowledgement", "err", err) // the thread may be gone
			}
			rec.AckMessageID = ""
		}
		rec.State = SubmissionDeleted
		rec.Draft.Notice = "Deleted from the Fediverse."
		if err := f.save(ctx, &rec); err == nil && rec.PanelMessageID != "" {
			if err := f.bot.EditPanel(ctx, rec.ThreadID, rec.PanelMessageID, f.panel(rec)); err != nil {
				f.svc.log.InfoContext(ctx, "update panel after delete", "err", err)
			}
		}
		unlock()
	}
	return discord.Reply{Ephemeral: fmt.Sprintf("Deleted from the Fediverse. Servers: %d confirmed, %d pending, %d failed.",
		receipt.Confirmed, receipt.Pending, receipt.Failed)}
}
