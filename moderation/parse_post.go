package moderation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// ErrNotPost is returned by ParsePost for JSON that is not a post: an
// activity other than Create or Update, or one whose object is only a link.
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

// rawObject holds the members of an object or activity that ParsePost reads.
// Members that servers send either as one value or as an array are kept raw.
type rawObject struct {
	Type         json.RawMessage            `json:"type"`
	ID           json.RawMessage            `json:"id"`
	Actor        json.RawMessage            `json:"actor"`
	AttributedTo json.RawMessage            `json:"attributedTo"`
	Object       json.RawMessage            `json:"object"`
	Published    json.RawMessage            `json:"published"`
	Sensitive    json.RawMessage            `json:"sensitive"`
	Language     json.RawMessage            `json:"language"`
	Content      json.RawMessage            `json:"content"`
	ContentMap   map[string]json.RawMessage `json:"contentMap"`
	Summary      json.RawMessage            `json:"summary"`
	SummaryMap   map[string]json.RawMessage `json:"summaryMap"`
	Name         json.RawMessage            `json:"name"`
	NameMap      map[string]json.RawMessage `json:"nameMap"`
	Attachment   json.RawMessage            `json:"attachment"`
	Tag          json.RawMessage            `json:"tag"`
	OneOf        json.RawMessage            `json:"oneOf"`
	AnyOf        json.RawMessage            `json:"anyOf"`
}

// ParsePost reads one ActivityStreams object (Note, Question, Article, Page,
// …) or a Create or Update activity with its object embedded, and returns the
// Post to scan. It accepts what real servers send: single values or arrays,
// content or contentMap, attributedTo as a string, an object or an array.
// Bad JSON, a top level that is not an object, a bad published time and
// other activities (ErrNotPost) are errors.
func ParsePost(raw []byte) (Post, error) {
	var outer rawObject
	if err := decodeObject(raw, &outer); err != nil {
		return Post{}, err
	}
	obj := &outer
	var activityActor string
	switch t := firstType(outer.Type); {
	case t == "Create" || t == "Update":
		activityActor = idOf(outer.Actor)
		inner := trimJSONSpace(outer.Object)
		if len(inner) > 0 && inner[0] == '[' {
			items := splitArray(inner)
			if len(items) != 1 {
				return Post{}, fmt.Errorf("%w: %s with %d objects", ErrNotPost, t, len(items))
			}
			inner = trimJSONSpace(items[0])
		}
		if len(inner) == 0 || inner[0] != '{' {
			return Post{}, fmt.Errorf("%w: %s whose object is not embedded", ErrNotPost, t)
		}
		obj = new(rawObject)
		if err := decodeObject(inner, obj); err != nil {
			return Post{}, fmt.Errorf("object: %w", err)
		}
	case activityTypes[t]:
		return Post{}, fmt.Errorf("%w: %s activity", ErrNotPost, t)
	}

	p := Post{ID: stringOf(obj.ID)}
	p.Actor = attributedActor(obj.AttributedTo)
	if p.Actor == "" {
		p.Actor = activityActor
	}
	if p.Actor == "" {
		p.Actor = idOf(obj.Actor)
	}
	if s := stringOf(obj.Published); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return Post{}, fmt.Errorf("moderation: published %q: %w", s, err)
		}
		p.Published = t
	}
	var sensitive bool
	if json.Unmarshal(obj.Sensitive, &sensitive) == nil {
		p.Sensitive = sensitive
	}
	p.Content, p.Languages = contentOf(obj)
	p.Summary = textOf(obj.Summary, obj.SummaryMap)
	p.Name = textOf(obj.Name, obj.NameMap)
	for _, a := range splitArray(obj.Attachment) {
		var att rawObject
		if decodeObject(a, &att) != nil {
			continue // a link, or something we cannot read
		}
		if s := textOf(att.Name, att.NameMap); s != "" {
			p.AltTexts = append(p.AltTexts, s)
		}
		if s := textOf(att.Summary, att.SummaryMap); s != "" {
			p.AltTexts = append(p.AltTexts, s)
		}
	}
	for _, opts := range []json.RawMessage{obj.OneOf, obj.AnyOf} {
		for _, o := range splitArray(opts) {
			var opt rawObject
			if decodeObject(o, &opt) != nil {
				continue
			}
			if s := textOf(opt.Name, opt.NameMap); s != "" {
				p.PollOptions = append(p.PollOptions, s)
			}
		}
	}
	for _, t := range splitArray(obj.Tag) {
		var tag rawObject
		if decodeObject(t, &tag) != nil {
			continue
		}
		name := stringOf(tag.Name)
		typ := firstType(tag.Type)
		if typ == "Hashtag" || (typ == "" && strings.HasPrefix(name, "#")) {
			if name != "" {
				p.Hashtags = append(p.Hashtags, name)
			}
		}
	}
	return p, nil
}

// decodeObject decodes raw, which must be a JSON object, into o.
func decodeObject(raw []byte, o *rawObject) error {
	raw = trimJSONSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return errors.New("moderation: not a JSON object")
	}
	if err := json.Unmarshal(raw, o); err != nil {
		return fmt.Errorf("moderation: bad JSON: %w", err)
	}
	return nil
}

// splitArray returns the elements of a JSON array, or raw itself when it is
// a single value, or nothing for null or absent.
func splitArray(raw json.RawMessage) []json.RawMessage {
	raw = trimJSONSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '[' {
		return []json.RawMessage{raw}
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil
	}
	return items
}

// stringOf returns raw as a string, or "" when it is not a JSON string.
func stringOf(raw json.RawMessage) string {
	raw = trimJSONSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// firstType returns the first type of a type member (a string or an array
// of strings).
func firstType(raw json.RawMessage) string {
	for _, t := range splitArray(raw) {
		if s := stringOf(t); s != "" {
			return s
		}
	}
	return ""
}

// idOf returns the id of a reference: a string, an object with an id, or
// the first of an array of those.
func idOf(raw json.RawMessage) string {
	for _, item := range splitArray(raw) {
		if s := stringOf(item); s != "" {
			return s
		}
		var o rawObject
		if decodeObject(item, &o) == nil {
			if s := stringOf(o.ID); s != "" {
				return s
			}
		}
	}
	return ""
}

// attributedActor returns the actor of attributedTo: its only entry, or the
// first entry of an actor type (Person, Service, …) when it lists several
// (PeerTube lists the channel too), or else the first entry.
func attributedActor(raw json.RawMessage) string {
	items := splitArray(raw)
	first := ""
	for _, item := range items {
		if s := stringOf(item); s != "" {
			if first == "" {
				first = s
			}
			continue
		}
		var o rawObject
		if decodeObject(item, &o) != nil {
			continue
		}
		id := stringOf(o.ID)
		if id == "" {
			continue
		}
		if actorTypes[firstType(o.Type)] && firstType(o.Type) != "Group" {
			return id
		}
		if first == "" {
			first = id
		}
	}
	return first
}

// textOf returns a natural-language member: the plain value, else the
// values of its map (sorted by language, duplicates dropped, joined by
// newlines).
func textOf(plain json.RawMessage, m map[string]json.RawMessage) string {
	if s := stringOf(plain); s != "" {
		return s
	}
	return joinMap(m, "")
}

// joinMap joins the distinct string values of a language map, sorted by key,
// with newlines, leaving out skip.
func joinMap(m map[string]json.RawMessage, skip string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
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
func contentOf(o *rawObject) (string, []string) {
	content := stringOf(o.Content)
	extra := joinMap(o.ContentMap, content)
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
	keys := make([]string, 0, len(o.ContentMap))
	for k := range o.ContentMap {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(k)
	}
	if len(langs) == 0 {
		if s := stringOf(o.Language); s != "" {
			add(s)
		} else {
			var l struct {
				Identifier string `json:"identifier"`
			}
			if json.Unmarshal(o.Language, &l) == nil {
				add(l.Identifier)
			}
		}
	}
	return content, langs
}

// trimJSONSpace removes the whitespace JSON allows around a value.
func trimJSONSpace(b []byte) []byte {
	return bytes.Trim(b, " \t\r\n")
}
