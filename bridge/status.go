package bridge

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/artbridge/artbridge/discord"
)

// maxStatusHosts bounds the failing or pending servers a /fedi_status answer names.
const maxStatusHosts = 5

// FediStatus answers /fedi_status: the federation receipt of the artist's post
// (servers its Create reached, still pending, failed), to its artist only.
// Inside a thread without a reference it is the thread's post.
func (f *Flow) FediStatus(ctx context.Context, inv discord.Invocation, ref string) discord.Reply {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		r, err := f.store.LatestSubmissionByThread(ctx, inv.ChannelID)
		if err != nil || r.PostID == "" {
			return discord.Reply{Ephemeral: "No Fediverse post belongs to this thread. Give the post's link: `/fedi_status post:<link>`."}
		}
		ref = r.PostID
	}
	post, hosts, err := f.svc.Status(ctx, ref)
	if err != nil {
		return discord.Reply{Ephemeral: "I can't find that post. Use the link from the acknowledgement, like " + f.svc.ap.NoteIRI("…") + "."}
	}
	if post.ArtistID != inv.UserID {
		return discord.Reply{Ephemeral: "Only the artist who posted it can see its federation status."}
	}
	activity := "Create"
	if post.Deleted() {
		activity = "Delete"
	}
	var reached, pending, failed int
	var waiting, gaveUp []string
	for _, h := range hosts {
		if h.Activity != activity {
			continue
		}
		switch h.State {
		case "delivered":
			reached++
		case "queued":
			pending++
			waiting = append(waiting, hostOf(h.Inbox))
		case "failed":
			failed++
			gaveUp = append(gaveUp, hostOf(h.Inbox))
		}
	}
	var b strings.Builder
	if post.Deleted() {
		fmt.Fprintf(&b, "Your post %s is deleted. The deletion reached %d servers; %d pending, %d failed.", post.NoteIRI, reached, pending, failed)
	} else {
		fmt.Fprintf(&b, "Your post %s reached %d servers; %d pending, %d failed.", post.NoteIRI, reached, pending, failed)
	}
	if len(waiting) > 0 {
		b.WriteString("\nStill trying: " + hostList(waiting) + ".")
	}
	if len(gaveUp) > 0 {
		b.WriteString("\nGave up on: " + hostList(gaveUp) + " (they refused it or were unreachable for too long).")
	}
	return discord.Reply{Ephemeral: b.String()}
}

// hostOf is an inbox URL's host, for people.
func hostOf(inbox string) string {
	if u, err := url.Parse(inbox); err == nil && u.Host != "" {
		return u.Host
	}
	return inbox
}

// hostList names up to maxStatusHosts distinct hosts, and how many more.
func hostList(hosts []string) string {
	seen := map[string]bool{}
	var uniq []string
	for _, h := range hosts {
		if !seen[h] {
			seen[h] = true
			uniq = append(uniq, h)
		}
	}
	sort.Strings(uniq)
	if len(uniq) > maxStatusHosts {
		return strings.Join(uniq[:maxStatusHosts], ", ") + fmt.Sprintf(" and %d more", len(uniq)-maxStatusHosts)
	}
	return strings.Join(uniq, ", ")
}

var _ discord.StatusHandler = (*Flow)(nil)
