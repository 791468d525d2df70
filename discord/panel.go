package discord

// PanelState is the life-cycle state shown by a panel.
type PanelState string

// Panel states.
const (
	StatePending   PanelState = "pending"
	StatePublished PanelState = "published"
	StateCancelled PanelState = "cancelled"
	StateExpired   PanelState = "expired"
	StateDeleted   PanelState = "deleted"
)

// AltSource tells who wrote an image description.
type AltSource string

// Description sources.
const (
	AltNone   AltSource = ""
	AltArtist AltSource = "artist"
	AltAI     AltSource = "ai"
)

// Panel is the view model of the submission panel: a preview of the post exactly
// as it will federate, plus the artist's controls.
type Panel struct {
	SubmissionID string
	State        PanelState
	// Text is the post body as it will federate (hashtags, credits and tail included).
	Text string
	// ContentWarning is the post's summary; empty for none.
	ContentWarning string
	Sensitive      bool
	Images         []PanelImage
	// AIAvailable shows the AI alt text toggle; AIConsent is its state.
	AIAvailable bool
	AIConsent   bool
	// CreditsIncluded is the state of the credits toggle.
	CreditsIncluded bool
	// Notice is a line shown above the preview (an error, a hint, a receipt).
	Notice string
	// PostURL links the published post.
	PostURL string
	// CanUpdate shows "Update on the Fediverse" on a published panel.
	CanUpdate bool
	// SuggestedCW is a content warning offered (from ||spoiler|| text) while
	// none is set; the form prefills it.
	SuggestedCW string
	// Language is the post's BCP 47 tag; Languages are the choices of the
	// language select (shown while pending when there are two or more).
	Language  string
	Languages []LanguageOption
	// Licenses are the options of the license select (none: no select);
	// License is the Value of the chosen one.
	Licenses []LicenseChoice
	License  string
	// LinkOffers are linked images waiting for the artist's yes: each is
	// previewed (Discord shows the image from its own proxy) with the question
	// "Use this image from host?" and the Use linked images button.
	LinkOffers []PanelLink
}

// PanelLink is one linked image offered for the post.
type PanelLink struct {
	Host       string
	PageURL    string
	PreviewURL string // Discord's proxy copy, or the image URL
}

// PanelImage is one image of the preview.
type PanelImage struct {
	Filename  string
	Alt       string
	AltSource AltSource
	Spoiler   bool
}
