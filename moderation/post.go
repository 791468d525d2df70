package moderation

import "time"

// Post is what the engine scans: the parts of an ActivityStreams object that
// carry text. ParsePost fills it from JSON; callers may also build it.
type Post struct {
	// ID is the object's id. Counts are kept per post ID: recording the
	// same ID again (an Update) replaces its earlier hits. May be empty.
	ID string
	// Actor is the remote actor the post is attributed to; counts are kept
	// per actor.
	Actor string
	// Published is the object's published time (zero if absent).
	Published time.Time
	// Sensitive is the object's sensitive flag.
	Sensitive bool
	// Languages are the post's primary language subtags ("en", "ja"); empty
	// when unknown. Any BCP 47 tag is accepted and reduced to its primary
	// subtag when scanning.
	Languages []string
	// Content is the HTML body (content, or every text of contentMap).
	Content string
	// Summary is the content warning, plain text.
	Summary string
	// Name is the object's name, plain text.
	Name string
	// AltTexts are the names and summaries of the attachments, plain text.
	AltTexts []string
	// PollOptions are the names of the poll's options, plain text.
	PollOptions []string
	// Hashtags are the names of the Hashtag tag objects, with or without '#'.
	Hashtags []string
}
