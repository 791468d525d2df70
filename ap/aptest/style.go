package aptest

// Style selects which real Fediverse server a fake host imitates. The
// differences are the ones listed in the package documentation; each is a pure
// function of the style, so a Style value carries no state.
type Style int

const (
	// Mastodon imitates Mastodon: shared inbox /inbox, keyId "…/users/NAME#main-key",
	// algorithm="rsa-sha256", arrays always wrapped, Delete of a Note carries a Tombstone.
	Mastodon Style = iota
	// GoToSocial imitates GoToSocial 0.19: no shared inbox, keyId "…/users/NAME/main-key",
	// algorithm="hs2019", every GET signed, Delete's object a bare IRI, single values unwrapped,
	// WebFinger tried over https first.
	GoToSocial
	// Akkoma imitates Akkoma/Pleroma: shared inbox /inbox, keyId "…/users/NAME#main-key",
	// algorithm="rsa-sha256", the LitePub JSON-LD context.
	Akkoma
	// Fedify imitates a Fedify 2.x application: RFC 9421 signatures first, draft-cavage on a
	// 400/401 answer; declares "sensitive" in @context only when it uses it.
	Fedify
)

// String returns the style's name.
func (s Style) String() string {
	switch s {
	case Mastodon:
		return "mastodon"
	case GoToSocial:
		return "gotosocial"
	case Akkoma:
		return "akkoma"
	case Fedify:
		return "fedify"
	default:
		return "unknown"
	}
}

// hasSharedInbox reports whether the host exposes endpoints.sharedInbox and
// delivers to a peer's shared inbox when it has one.
func (s Style) hasSharedInbox() bool { return s != GoToSocial }

// keyIDHasFragment reports whether the key id is the actor IRI plus "#main-key"
// (true) or a separate "/main-key" document (false, GoToSocial).
func (s Style) keyIDHasFragment() bool { return s != GoToSocial }

// algorithmParam is the algorithm parameter written in a draft-cavage Signature header.
func (s Style) algorithmParam() string {
	if s == GoToSocial {
		return "hs2019"
	}
	return "rsa-sha256"
}

// signsGET reports whether every outgoing GET (key and actor fetches included) is signed.
func (s Style) signsGET() bool { return s == GoToSocial }

// unwrapsSingle reports whether one-element arrays are sent as a bare value.
func (s Style) unwrapsSingle() bool { return s == GoToSocial }

// deleteObjectIsBareIRI reports whether a Delete's object is an IRI rather than a Tombstone.
func (s Style) deleteObjectIsBareIRI() bool { return s == GoToSocial }

// triesRFC9421First reports whether POSTs are first signed with RFC 9421.
func (s Style) triesRFC9421First() bool { return s == Fedify }

// webFingerHTTPSFirst reports whether WebFinger is tried over https before http.
func (s Style) webFingerHTTPSFirst() bool { return s == GoToSocial }

// software is the NodeInfo software name and User-Agent product of the style.
func (s Style) software() (name, version string) {
	switch s {
	case GoToSocial:
		return "gotosocial", "0.19.0"
	case Akkoma:
		return "akkoma", "3.13.2"
	case Fedify:
		return "hollo", "0.6.0"
	default:
		return "mastodon", "4.3.0"
	}
}

// userAgent is the User-Agent header sent by the style.
func (s Style) userAgent(host string) string {
	name, version := s.software()
	return name + "/" + version + " (aptest; +http://" + host + "/)"
}

// Well-known JSON-LD context IRIs.
const (
	contextAS       = "https://www.w3.org/ns/activitystreams"
	contextSecurity = "https://w3id.org/security/v1"
	publicIRI       = "https://www.w3.org/ns/activitystreams#Public"
)

// context returns the @context of a document. sensitive tells whether the
// document uses the "sensitive" term (Fedify declares it only then).
func (s Style) context(host string, sensitive bool) any {
	switch s {
	case GoToSocial:
		return []any{contextAS, contextSecurity, map[string]any{
			"sensitive": "as:sensitive",
			"Hashtag":   "as:Hashtag",
		}}
	case Akkoma:
		return []any{contextAS, "http://" + host + "/schemas/litepub-0.1.jsonld",
			map[string]any{"@language": "und"}}
	case Fedify:
		if sensitive {
			return []any{contextAS, contextSecurity, map[string]any{"sensitive": "as:sensitive"}}
		}
		return []any{contextAS, contextSecurity}
	default:
		return []any{contextAS, contextSecurity, map[string]any{
			"toot":                      "http://joinmastodon.org/ns#",
			"sensitive":                 "as:sensitive",
			"Hashtag":                   "as:Hashtag",
			"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
			"discoverable":              "toot:discoverable",
			"indexable":                 "toot:indexable",
		}}
	}
}

// many renders a list of values the way the style does: GoToSocial sends a
// single value bare, the others always send an array.
func (s Style) many(values ...any) any {
	if len(values) == 1 && s.unwrapsSingle() {
		return values[0]
	}
	out := make([]any, len(values))
	copy(out, values)
	return out
}
