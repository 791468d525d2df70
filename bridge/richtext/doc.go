// Package richtext turns an artist's plain-text caption, as typed in Discord,
// into the small, safe HTML subset that a Fediverse Note's content may carry:
// only p, br, a and span elements, with href (http and https only), rel, class
// and target attributes.
//
// The input is treated as hostile. Invalid UTF-8 is repaired, control
// characters are removed, everything is HTML-escaped, and the work is linear
// in the input and bounded by Options.MaxChars. Blank lines separate
// paragraphs, single newlines become line breaks, http(s) URLs become links
// (shortened for display the way Mastodon does it), #hashtags become tag links,
// and Discord custom emoji markup (<:name:id>) becomes the :name: shortcode that
// Fediverse software replaces with the Emoji tag of the same name.
//
// Mentions such as @user@host stay plain text on purpose: the bridge never
// notifies anyone on an artist's behalf.
package richtext
