package ap

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// PublicIRI is the ActivityStreams public collection.
const PublicIRI = "https://www.w3.org/ns/activitystreams#Public"

// ActivityContentType is the media type of everything we send and serve.
const ActivityContentType = "application/activity+json"

// Context is the JSON-LD @context of every document we produce. go-fed v1.0.0
// lacks several terms Mastodon-family servers read (sensitive, Hashtag,
// manuallyApprovesFollowers, discoverable, indexable, focalPoint), so we declare
// them ourselves; Fedify reads `sensitive` only when the context declares it.
func Context() []any {
	return []any{
		"https://www.w3.org/ns/activitystreams",
		"https://w3id.org/security/v1",
		map[string]any{
			"as":                        "https://www.w3.org/ns/activitystreams#",
			"toot":                      "http://joinmastodon.org/ns#",
			"schema":                    "http://schema.org#",
			"sensitive":                 "as:sensitive",
			"Hashtag":                   "as:Hashtag",
			"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
			"movedTo":                   map[string]any{"@id": "as:movedTo", "@type": "@id"},
			"discoverable":              "toot:discoverable",
			"indexable":                 "toot:indexable",
			"blurhash":                  "toot:blurhash",
			"focalPoint":                map[string]any{"@container": "@list", "@id": "toot:focalPoint"},
			"Emoji":                     "toot:Emoji",
			"featured":                  map[string]any{"@id": "toot:featured", "@type": "@id"},
			"PropertyValue":             "schema:PropertyValue",
			"value":                     "schema:value",
			"license":                   map[string]any{"@id": "http://schema.org/license", "@type": "@id"},
		},
	}
}

// serialize turns a go-fed value into a JSON document with our @context and the
// extra properties go-fed does not model.
func serialize(t vocab.Type, extra map[string]any) (map[string]any, error) {
	m, err := streams.Serialize(t)
	if err != nil {
		return nil, fmt.Errorf("ap: serialize %s: %w", t.GetTypeName(), err)
	}
	for k, v := range extra {
		m[k] = v
	}
	// go-fed collapses one-element arrays; addressing is conventionally an array.
	for _, k := range []string{"to", "cc"} {
		if v, ok := m[k]; ok {
			if _, isList := v.([]any); !isList {
				m[k] = []any{v}
			}
		}
	}
	m["@context"] = Context()
	return m, nil
}

// Marshal encodes a document produced by this package.
func Marshal(doc map[string]any) ([]byte, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("ap: marshal: %w", err)
	}
	return b, nil
}

func mustIRI(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		// Every IRI we build comes from our own validated base URL.
		panic(fmt.Sprintf("ap: invalid IRI %q: %v", s, err))
	}
	return u
}

func idProp(s string) vocab.JSONLDIdProperty {
	p := streams.NewJSONLDIdProperty()
	p.SetIRI(mustIRI(s))
	return p
}

func toProp(iris ...string) vocab.ActivityStreamsToProperty {
	p := streams.NewActivityStreamsToProperty()
	for _, s := range iris {
		p.AppendIRI(mustIRI(s))
	}
	return p
}

func ccProp(iris ...string) vocab.ActivityStreamsCcProperty {
	p := streams.NewActivityStreamsCcProperty()
	for _, s := range iris {
		p.AppendIRI(mustIRI(s))
	}
	return p
}

func actorProp(s string) vocab.ActivityStreamsActorProperty {
	p := streams.NewActivityStreamsActorProperty()
	p.AppendIRI(mustIRI(s))
	return p
}

func publishedProp(t time.Time) vocab.ActivityStreamsPublishedProperty {
	p := streams.NewActivityStreamsPublishedProperty()
	p.Set(t.UTC().Truncate(time.Second))
	return p
}

func nameProp(s string) vocab.ActivityStreamsNameProperty {
	p := streams.NewActivityStreamsNameProperty()
	p.AppendXMLSchemaString(s)
	return p
}

func summaryProp(s string) vocab.ActivityStreamsSummaryProperty {
	p := streams.NewActivityStreamsSummaryProperty()
	p.AppendXMLSchemaString(s)
	return p
}

// Hashtag is a Mastodon-style hashtag tag.
type Hashtag struct {
	Name string // without '#'
	Href string
}

// Emoji is a custom emoji tag.
type Emoji struct {
	Shortcode string // without colons
	IconURL   string
	MediaType string
	Updated   time.Time
}

// Attachment is an image attached to a Note.
type Attachment struct {
	URL       string
	MediaType string
	Alt       string // capped at MaxAltText characters
	Blurhash  string
	Width     int
	Height    int
}

// MaxAltText is the longest alt text we send, in characters.
const MaxAltText = 1500

// Note is what we publish: everything needed to build the ActivityStreams Note.
type Note struct {
	IRI            string
	URL            string // HTML page; defaults to IRI
	Published      time.Time
	Updated        time.Time // set on edits
	ContentHTML    string    // already sanitised: only p, br, a, span
	ContentWarning string
	Sensitive      bool
	Language       string // BCP 47 tag, optional
	Hashtags       []Hashtag
	Emoji          []Emoji
	Attachments    []Attachment
	// License is the URL of the post's license (schema.org license); empty:
	// all rights reserved, and no license property is sent.
	License string
}

// truncateRunes cuts s to at most n characters.
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

// NoteDocument builds the Note JSON document of our actor.
func (s *Service) NoteDocument(n Note) (map[string]any, error) {
	note := streams.NewActivityStreamsNote()
	note.SetJSONLDId(idProp(n.IRI))
	attr := streams.NewActivityStreamsAttributedToProperty()
	attr.AppendIRI(mustIRI(s.ActorIRI()))
	note.SetActivityStreamsAttributedTo(attr)
	note.SetActivityStreamsTo(toProp(PublicIRI))
	note.SetActivityStreamsCc(ccProp(s.FollowersIRI()))
	note.SetActivityStreamsPublished(publishedProp(n.Published))
	if !n.Updated.IsZero() {
		up := streams.NewActivityStreamsUpdatedProperty()
		up.Set(n.Updated.UTC().Truncate(time.Second))
		note.SetActivityStreamsUpdated(up)
	}
	u := streams.NewActivityStreamsUrlProperty()
	page := n.URL
	if page == "" {
		page = n.IRI
	}
	u.AppendIRI(mustIRI(page))
	note.SetActivityStreamsUrl(u)
	content := streams.NewActivityStreamsContentProperty()
	content.AppendXMLSchemaString(n.ContentHTML)
	note.SetActivityStreamsContent(content)
	if n.ContentWarning != "" {
		note.SetActivityStreamsSummary(summaryProp(n.ContentWarning))
	}
	if len(n.Attachments) > 0 {
		att := streams.NewActivityStreamsAttachmentProperty()
		for _, a := range n.Attachments {
			doc := streams.NewActivityStreamsDocument()
			mt := streams.NewActivityStreamsMediaTypeProperty()
			mt.Set(a.MediaType)
			doc.SetActivityStreamsMediaType(mt)
			du := streams.NewActivityStreamsUrlProperty()
			du.AppendIRI(mustIRI(a.URL))
			doc.SetActivityStreamsUrl(du)
			if alt := truncateRunes(a.Alt, MaxAltText); alt != "" {
				// GoToSocial reads the description from summary, Mastodon from name: send both.
				doc.SetActivityStreamsName(nameProp(alt))
				doc.SetActivityStreamsSummary(summaryProp(alt))
			}
			if a.Blurhash != "" {
				bh := streams.NewTootBlurhashProperty()
				bh.Set(a.Blurhash)
				doc.SetTootBlurhash(bh)
			}
			att.AppendActivityStreamsDocument(doc)
		}
		note.SetActivityStreamsAttachment(att)
	}
	m, err := serialize(note, nil)
	if err != nil {
		return nil, err
	}
	m["sensitive"] = n.Sensitive
	if n.Language != "" {
		m["contentMap"] = map[string]any{n.Language: n.ContentHTML}
	}
	if n.License != "" {
		m["license"] = n.License
	}
	if tags := noteTags(n); len(tags) > 0 {
		m["tag"] = tags
	}
	if atts, ok := m["attachment"]; ok {
		// go-fed collapses a single value; Mastodon-family servers accept both,
		// but an array is the common form.
		list, isList := atts.([]any)
		if !isList {
			list = []any{atts}
		}
		// go-fed v1.0.0 models width and height on Link only.
		for i, item := range list {
			if doc, isMap := item.(map[string]any); isMap && i < len(n.Attachments) {
				if a := n.Attachments[i]; a.Width > 0 && a.Height > 0 {
					doc["width"], doc["height"] = a.Width, a.Height
				}
			}
		}
		m["attachment"] = list
	}
	return m, nil
}

func noteTags(n Note) []any {
	var tags []any
	for _, h := range n.Hashtags {
		tags = append(tags, map[string]any{"type": "Hashtag", "name": "#" + h.Name, "href": h.Href})
	}
	for _, e := range n.Emoji {
		tag := map[string]any{
			"type": "Emoji",
			"name": ":" + e.Shortcode + ":",
			"icon": map[string]any{"type": "Image", "mediaType": e.MediaType, "url": e.IconURL},
		}
		if !e.Updated.IsZero() {
			tag["updated"] = e.Updated.UTC().Format(time.RFC3339)
		}
		tags = append(tags, tag)
	}
	return tags
}

// wrapDocument builds a Create or Update whose object is the given Note document.
func (s *Service) wrapDocument(kind, activityIRI string, note map[string]any, at time.Time) (map[string]any, error) {
	var t vocab.Type
	switch kind {
	case "Create":
		c := streams.NewActivityStreamsCreate()
		c.SetJSONLDId(idProp(activityIRI))
		c.SetActivityStreamsActor(actorProp(s.ActorIRI()))
		c.SetActivityStreamsTo(toProp(PublicIRI))
		c.SetActivityStreamsCc(ccProp(s.FollowersIRI()))
		c.SetActivityStreamsPublished(publishedProp(at))
		t = c
	case "Update":
		u := streams.NewActivityStreamsUpdate()
		u.SetJSONLDId(idProp(activityIRI))
		u.SetActivityStreamsActor(actorProp(s.ActorIRI()))
		u.SetActivityStreamsTo(toProp(PublicIRI))
		u.SetActivityStreamsCc(ccProp(s.FollowersIRI()))
		u.SetActivityStreamsPublished(publishedProp(at))
		t = u
	default:
		return nil, fmt.Errorf("ap: cannot wrap a Note in %s", kind)
	}
	m, err := serialize(t, nil)
	if err != nil {
		return nil, err
	}
	obj := make(map[string]any, len(note))
	for k, v := range note {
		if k != "@context" {
			obj[k] = v
		}
	}
	m["object"] = obj
	return m, nil
}

// CreateDocument wraps a Note document in a Create.
func (s *Service) CreateDocument(activityIRI string, note map[string]any, at time.Time) (map[string]any, error) {
	return s.wrapDocument("Create", activityIRI, note, at)
}

// UpdateDocument wraps an edited Note document in an Update.
func (s *Service) UpdateDocument(activityIRI string, note map[string]any, at time.Time) (map[string]any, error) {
	return s.wrapDocument("Update", activityIRI, note, at)
}

// TombstoneDocument is what a deleted object's IRI answers with.
func (s *Service) TombstoneDocument(objectIRI, formerType string, deleted time.Time) (map[string]any, error) {
	ts := streams.NewActivityStreamsTombstone()
	ts.SetJSONLDId(idProp(objectIRI))
	if formerType != "" {
		ft := streams.NewActivityStreamsFormerTypeProperty()
		ft.AppendXMLSchemaString(formerType)
		ts.SetActivityStreamsFormerType(ft)
	}
	dp := streams.NewActivityStreamsDeletedProperty()
	dp.Set(deleted.UTC().Truncate(time.Second))
	ts.SetActivityStreamsDeleted(dp)
	return serialize(ts, nil)
}

// DeleteDocument builds the Delete of one of our objects, with a Tombstone object.
func (s *Service) DeleteDocument(activityIRI, objectIRI string, at time.Time) (map[string]any, error) {
	d := streams.NewActivityStreamsDelete()
	d.SetJSONLDId(idProp(activityIRI))
	d.SetActivityStreamsActor(actorProp(s.ActorIRI()))
	d.SetActivityStreamsTo(toProp(PublicIRI))
	d.SetActivityStreamsCc(ccProp(s.FollowersIRI()))
	d.SetActivityStreamsPublished(publishedProp(at))
	ts := streams.NewActivityStreamsTombstone()
	ts.SetJSONLDId(idProp(objectIRI))
	obj := streams.NewActivityStreamsObjectProperty()
	obj.AppendActivityStreamsTombstone(ts)
	d.SetActivityStreamsObject(obj)
	return serialize(d, nil)
}

// acceptDocument accepts a Follow; the Follow is embedded as received (its id,
// type, actor and object), which every implementation we know accepts.
func (s *Service) acceptDocument(activityIRI string, follow map[string]any) (map[string]any, error) {
	a := streams.NewActivityStreamsAccept()
	a.SetJSONLDId(idProp(activityIRI))
	a.SetActivityStreamsActor(actorProp(s.ActorIRI()))
	m, err := serialize(a, nil)
	if err != nil {
		return nil, err
	}
	m["object"] = map[string]any{
		"id":     follow["id"],
		"type":   "Follow",
		"actor":  follow["actor"],
		"object": s.ActorIRI(),
	}
	if actor, ok := follow["actor"].(string); ok {
		m["to"] = []any{actor}
	}
	return m, nil
}
