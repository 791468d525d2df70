package moderation

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotPost is returned by ParsePost and PostFromDocument for JSON that is
// not a post: an activity other than Create or Update, or one whose object is
// only a link.
var ErrNotPost = errors.New("moderation: not a post")

// activityTypes are the ActivityStreams activity types; any other type is
// taken as an object that can be scanned.
var activityTypes = map[string]bool{
	"Accept": true, "Add": true, "Announce": true, "Arrive": true, "Block": true,
	"Create": true, "Delete": true, "Dislike": true, "Flag": true, "Follow": true,
	"Ignore": true, "Invite": true, "Join": true, "Leave": true, "Like": true,
	"Listen": true, "Move": true, "Offer": true, "Read": true,
	"Reject": true, "Remove": true, "TentativeAccept": true, "TentativeReject": true,
	"Travel": true, "Undo": true, "Update": true, "View": true, "EmojiReact": true,
}

// actorTypes are the types preferred when attributedTo lists several.
var actorTypes = map[string]bool{
	"Person": true, "Service": true, "Application": true, "Organization": true, "Group": true,
}

// ParsePost reads one ActivityStreams object (Note, Question, Article, Page,
// …) or a Create or Update activity with its object embedded, and returns the
// Post to scan, as PostFromDocument does. Bad JSON and a top level that is
// not an object are errors too.
func ParsePost(raw []byte) (Post, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return Post{}, fmt.Errorf("moderation: bad JSON: %w", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return Post{}, errors.New("moderation: not a JSON object")
	}
	return PostFromDocument(doc)
}

// PostFromDocument returns the Post to scan from an object or a Create or
// Update activity that is already decoded (encoding/json into any), so a
// server that parsed an inbox body once need not parse it again. It accepts
// what real servers send: single values or arrays, content or contentMap,
// attributedTo as a string, an object or an array. A bad published time and
// other activities (ErrNotPost) are errors; members of an unexpected type are
// ignored. doc is only read.
func PostFromDocument(doc map[string]any) (Post, error) {
	obj := doc
	var activityActor string
	switch t := firstType(doc["type"]); {
	case t == "Create" || t == "Update":
		activityActor = idOf(doc["actor"])
		inner := doc["object"]
		if items, ok := inner.([]any); ok {
			if len(items) != 1 {
				return Post{}, fmt.Errorf("%w: %s with %d objects", ErrNotPost, t, len(items))
			}
			inner = items[0]
		}
		o, ok := inner.(map[string]any)
		if !ok {
			return Post{}, fmt.Errorf("%w: %s whose object is not embedded", ErrNotPost, t)
		}
		obj = o
	case activityTypes[t]:
		return Post{}, fmt.Errorf("%w: %s activity", ErrNotPost, t)
	}

	p := Post{ID: stringOf(obj["id"])}
	p.Actor = attributedActor(obj["attributedTo"])
	if p.Actor == "" {
		p.Actor = activityActor
	}
	if p.Actor == "" {
		p.Actor = idOf(obj["actor"])
	}
	if s := stringOf(obj["published"]); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return Post{}, fmt.Errorf("moderation: published %q: %w", s, err)
		}
		p.Published = t
	}
	p.Sensitive, _ = obj["sensitive"].(bool)
	p.Content, p.Languages = contentOf(obj)
	p.Summary = textOf(obj, "summary")
	p.Name = textOf(obj, "name")
	for _, a := range elements(obj["attachment"]) {
		att, ok := a.(map[string]any)
		if !ok {
			continue // a link, or something we cannot read
		}
		if s := textOf(att, "name"); s != "" {
			p.AltTexts = append(p.AltTexts, s)
		}
		if s := textOf(att, "summary"); s != "" {
			p.AltTexts = append(p.AltTexts, s)
		}
	}
	for _, member := range []string{"oneOf", "anyOf"} {
		for _, o := range elements(obj[member]) {
			if opt, ok := o.(map[string]any); ok {
				if s := textOf(opt, "name"); s != "" {
					p.PollOptions = append(p.PollOptions, s)
				}
			}
		}
	}
	for _, t := range elements(obj["tag"]) {
		tag, ok := t.(map[string]any)
		if !ok {
			continue
		}
		name := stringOf(tag["name"])
		typ := firstType(tag["type"])
		if typ == "Hashtag" || (typ == "" && strings.HasPrefix(name, "#")) {
			if name != "" {
				p.Hashtags = append(p.Hashtags, name)
			}
		}
	}
	return p, nil
}

// elements returns the elements of an array, or v itself when it is a single
// value, or nothing for null or absent.
func elements(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	default:
		return []any{v}
	}
}

// stringOf returns v as a string, or "" when it is not a JSON string.
func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// firstType returns the first type of a type member (a string or an array
// of strings).
func firstType(v any) string {
	for _, t := range elements(v) {
		if s := stringOf(t); s != "" {
			return s
		}
	}
	return ""
}

// idOf returns the id of a reference: a string, an object with an id, or
// the first of an array of those.
func idOf(v any) string {
	for _, item := range elements(v) {
		if s := stringOf(item); s != "" {
			return s
		}
		if o, ok := item.(map[string]any); ok {
			if s := stringOf(o["id"]); s != "" {
				return s
			}
		}
	}
	return ""
}

// attributedActor returns the actor of attributedTo: its only entry, or the
// first entry of an actor type (Person, Service, …) when it lists several
// (PeerTube lists the channel too), or else the first entry.
func attributedActor(v any) string {
	first := ""
	for _, item := range elements(v) {
		if s := stringOf(item); s != "" {
			if first == "" {
				first = s
			}
			continue
		}
		o, ok := item.(map[string]any)
		if !ok {
			continue
		}
		id := stringOf(o["id"])
		if id == "" {
			continue
		}
		if typ := firstType(o["type"]); actorTypes[typ] && typ != "Group" {
			return id
		}
		if first == "" {
			first = id
		}
	}
	return first
}

// textOf returns a natural-language member of o: the plain value, else the
// values of its language map (member+"Map"), sorted by language, duplicates
// dropped, joined by newlines.
func textOf(o map[string]any, member string) string {
	if s := stringOf(o[member]); s != "" {
		return s
	}
	m, _ := o[member+"Map"].(map[string]any)
	return joinMap(m, "")
}

// joinMap joins the distinct string values of a language map, sorted by key,
// with newlines, leaving out skip.
func joinMap(m map[string]any, skip string) string {
	if len(m) == 0 {
		return ""
	}
	keys := sortedKeys(m)
	var parts []string
	seen := map[string]bool{skip: true}
	for _, k := range keys {
		s := stringOf(m[k])
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		parts = append(parts, s)
	}
	return strings.Join(parts, "\n")
}

// contentOf returns the HTML to scan (content plus any other text of
// contentMap) and the post's languages: the primary subtags of contentMap's
// keys, or else of the language member (a string, or an object with an
// identifier as Lemmy sends).
func contentOf(o map[string]any) (string, []string) {
	content := stringOf(o["content"])
	contentMap, _ := o["contentMap"].(map[string]any)
	extra := joinMap(contentMap, content)
	switch {
	case content == "":
		content = extra
	case extra != "":
		content += "\n" + extra
	}
	var langs []string
	add := func(tag string) {
		p, ok := primarySubtag(tag)
		if !ok {
			return
		}
		for _, l := range langs {
			if l == p {
				return
			}
		}
		langs = append(langs, p)
	}
	if len(contentMap) > 0 {
		for _, k := range sortedKeys(contentMap) {
			add(k)
		}
	}
	if len(langs) == 0 {
		switch l := o["language"].(type) {
		case string:
			add(l)
		case map[string]any:
			add(stringOf(l["identifier"]))
		}
	}
	return content, langs
}
