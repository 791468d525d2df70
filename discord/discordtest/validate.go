package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// formErrors collects Discord-style "Invalid Form Body" errors by JSON path.
type formErrors struct {
	list []fieldError
}

type fieldError struct {
	path string
	code string
	msg  string
}

func (f *formErrors) add(path, code, format string, args ...any) {
	f.list = append(f.list, fieldError{path: path, code: code, msg: fmt.Sprintf(format, args...)})
}

func (f *formErrors) empty() bool { return len(f.list) == 0 }

// body renders the errors as Discord does: code 50035 and a tree of _errors.
func (f *formErrors) body() map[string]any {
	root := map[string]any{}
	for _, e := range f.list {
		node := root
		if e.path != "" {
			for _, part := range strings.Split(e.path, ".") {
				next, ok := node[part].(map[string]any)
				if !ok {
					next = map[string]any{}
					node[part] = next
				}
				node = next
			}
		}
		errs, _ := node["_errors"].([]any)
		node["_errors"] = append(errs, map[string]any{"code": e.code, "message": e.msg})
	}
	return map[string]any{"code": 50035, "message": "Invalid Form Body", "errors": root}
}

func length(s string) int { return utf8.RuneCountInString(s) }

func (f *formErrors) maxLen(path, s string, n int) {
	if length(s) > n {
		f.add(path, "BASE_TYPE_MAX_LENGTH", "Must be %d or fewer in length.", n)
	}
}

func (f *formErrors) required(path, s string) {
	if s == "" {
		f.add(path, "BASE_TYPE_REQUIRED", "This field is required")
	}
}

// messageBody is a create/edit message payload. Pointer fields tell "absent"
// from "present"; JSON null leaves them absent.
type messageBody struct {
	Content         *string          `json:"content"`
	Embeds          *[]Embed         `json:"embeds"`
	Components      *[]Component     `json:"components"`
	Flags           *int             `json:"flags"`
	AllowedMentions *json.RawMessage `json:"allowed_mentions"`
	TTS             *bool            `json:"tts"`
	StickerIDs      *[]string        `json:"sticker_ids"`
	Attachments     *json.RawMessage `json:"attachments"`
	Nonce           *json.RawMessage `json:"nonce"`
	Username        *string          `json:"username"`
	AvatarURL       *string          `json:"avatar_url"`
	MessageRef      *json.RawMessage `json:"message_reference"`
	Poll            *json.RawMessage `json:"poll"`
	ThreadName      *string          `json:"thread_name"`
}

// decodeStrict decodes JSON, reporting type mismatches (a number for a
// snowflake string, for example) as form errors.
func decodeStrict(data []byte, v any, f *formErrors) bool {
	if len(bytes.TrimSpace(data)) == 0 {
		f.add("", "BASE_TYPE_REQUIRED", "A JSON body is required")
		return false
	}
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if ok := asTypeError(err, &te); ok {
			f.add(te.Field, "BASE_TYPE_BAD_TYPE", "Value %s is not of the expected type %s.", te.Value, te.Type)
		} else {
			f.add("", "JSON_INVALID", "The request body contains invalid JSON: %v", err)
		}
		return false
	}
	return true
}

func asTypeError(err error, target **json.UnmarshalTypeError) bool {
	te, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = te
	}
	return ok
}

// allowedFlags are the message flags a client may set.
const allowedFlags = FlagSuppressEmbeds | FlagEphemeral | FlagSilent

// validateMessage checks a message payload against Discord's limits. create
// requires some content; ephemeralOK allows the EPHEMERAL flag (interaction
// responses and follow-ups only).
func validateMessage(b *messageBody, create, ephemeralOK bool, f *formErrors) {
	if b.Content != nil {
		f.maxLen("content", *b.Content, 2000)
	}
	if b.Flags != nil {
		fl := *b.Flags
		if fl&^allowedFlags != 0 || (!ephemeralOK && fl&FlagEphemeral != 0) {
			f.add("flags", "MESSAGE_FLAGS_INVALID", "Invalid flags %d", fl)
		}
	}
	if b.Embeds != nil {
		validateEmbeds(*b.Embeds, f)
	}
	if b.Components != nil {
		validateMessageComponents(*b.Components, f)
	}
	if create && f.empty() {
		hasContent := b.Content != nil && strings.TrimSpace(*b.Content) != ""
		hasEmbeds := b.Embeds != nil && len(*b.Embeds) > 0
		hasComps := b.Components != nil && len(*b.Components) > 0
		hasStickers := b.StickerIDs != nil && len(*b.StickerIDs) > 0
		hasPoll := b.Poll != nil
		if !hasContent && !hasEmbeds && !hasComps && !hasStickers && !hasPoll {
			f.add("", "50006", "Cannot send an empty message")
		}
	}
}

func validateEmbeds(es []Embed, f *formErrors) {
	if len(es) > 10 {
		f.add("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
	}
	total := 0
	for i, e := range es {
		p := "embeds." + strconv.Itoa(i)
		if e.Type != "" && e.Type != "rich" {
			f.add(p+".type", "EMBED_TYPE_INVALID", "Only rich embeds may be sent")
		}
		f.maxLen(p+".title", e.Title, 256)
		f.maxLen(p+".description", e.Description, 4096)
		total += length(e.Title) + length(e.Description)
		if e.URL != "" && !isHTTPURL(e.URL) {
			f.add(p+".url", "URL_TYPE_INVALID_URL", "Not a well formed URL.")
		}
		if e.Color < 0 || e.Color > 0xFFFFFF {
			f.add(p+".color", "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
		}
		if len(e.Fields) > 25 {
			f.add(p+".fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		}
		for j, fl := range e.Fields {
			fp := p + ".fields." + strconv.Itoa(j)
			f.required(fp+".name", fl.Name)
			f.required(fp+".value", fl.Value)
			f.maxLen(fp+".name", fl.Name, 256)
			f.maxLen(fp+".value", fl.Value, 1024)
			total += length(fl.Name) + length(fl.Value)
		}
		if e.Footer != nil {
			f.maxLen(p+".footer.text", e.Footer.Text, 2048)
			total += length(e.Footer.Text)
		}
		if e.Author != nil {
			f.maxLen(p+".author.name", e.Author.Name, 256)
			total += length(e.Author.Name)
		}
	}
	if total > 6000 {
		f.add("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
	}
}

// validateMessageComponents checks message components: up to 5 action rows of
// up to 5 buttons, or one select menu.
func validateMessageComponents(rows []Component, f *formErrors) {
	if len(rows) > 5 {
		f.add("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
	}
	ids := map[string]bool{}
	for i, row := range rows {
		p := "components." + strconv.Itoa(i)
		if row.Type != 1 {
			f.add(p+".type", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Value of field \"type\" must be one of (1,).")
			continue
		}
		if len(row.Components) == 0 {
			f.add(p+".components", "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
		}
		buttons, selects := 0, 0
		for j, c := range row.Components {
			cp := p + ".components." + strconv.Itoa(j)
			switch c.Type {
			case 2:
				buttons++
				validateButton(c, cp, ids, f)
			case 3, 5, 6, 7, 8:
				selects++
				if c.CustomID == "" {
					f.required(cp+".custom_id", c.CustomID)
				}
				f.maxLen(cp+".custom_id", c.CustomID, 100)
				if c.Type == 3 {
					validateStringSelect(c, cp, f)
				}
			case 1:
				f.add(cp+".type", "COMPONENT_INVALID_CHILD", "Action rows cannot contain action rows")
			case 4:
				f.add(cp+".type", "COMPONENT_TYPE_INVALID", "Text inputs are only allowed in modals")
			default:
				f.add(cp+".type", "COMPONENT_TYPE_INVALID", "Unknown component type %d", c.Type)
			}
		}
		if buttons > 5 {
			f.add(p+".components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
		}
		if selects > 0 && (selects > 1 || buttons > 0) {
			f.add(p+".components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
		}
	}
}

func validateButton(c Component, p string, ids map[string]bool, f *formErrors) {
	f.maxLen(p+".label", c.LabelText(), 80)
	switch {
	case c.Style >= 1 && c.Style <= 4:
		f.required(p+".custom_id", c.CustomID)
		f.maxLen(p+".custom_id", c.CustomID, 100)
		if c.URL != "" {
			f.add(p+".url", "BUTTON_URL_NOT_ALLOWED", "Only link buttons can have a url")
		}
		if ids[c.CustomID] && c.CustomID != "" {
			f.add(p+".custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
		}
		ids[c.CustomID] = true
	case c.Style == 5:
		if !isHTTPURL(c.URL) {
			f.add(p+".url", "URL_TYPE_INVALID_URL", "Not a well formed URL.")
		}
		if c.CustomID != "" {
			f.add(p+".custom_id", "BUTTON_CUSTOM_ID_NOT_ALLOWED", "Link buttons cannot have a custom_id")
		}
	case c.Style == 6:
		f.required(p+".sku_id", c.SKUID)
	default:
		f.add(p+".style", "BUTTON_STYLE_INVALID", "Value of field \"style\" must be one of (1, 2, 3, 4, 5, 6).")
	}
	if c.LabelText() == "" && len(c.Emoji) == 0 && c.Style != 6 {
		f.add(p+".label", "BUTTON_LABEL_OR_EMOJI_REQUIRED", "A label or an emoji is required")
	}
}

// modalBody is the data of a type 9 callback.
type modalBody struct {
	CustomID   string      `json:"custom_id"`
	Title      string      `json:"title"`
	Components []Component `json:"components"`
}

func validateModal(m *modalBody, f *formErrors) {
	f.required("data.custom_id", m.CustomID)
	f.maxLen("data.custom_id", m.CustomID, 100)
	f.required("data.title", m.Title)
	f.maxLen("data.title", m.Title, 45)
	if len(m.Components) < 1 || len(m.Components) > 5 {
		f.add("data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
	}
	for i, row := range m.Components {
		p := "data.components." + strconv.Itoa(i)
		if row.Type != 1 || len(row.Components) != 1 {
			f.add(p, "COMPONENT_LAYOUT_INVALID", "Each modal row must be an action row holding one text input")
			continue
		}
		c := row.Components[0]
		cp := p + ".components.0"
		if c.Type != 4 {
			f.add(cp+".type", "COMPONENT_TYPE_INVALID", "Modals accept text inputs only here, not type %d", c.Type)
			continue
		}
		f.required(cp+".custom_id", c.CustomID)
		f.maxLen(cp+".custom_id", c.CustomID, 100)
		f.required(cp+".label", c.LabelText())
		f.maxLen(cp+".label", c.LabelText(), 45)
		if c.Style != 1 && c.Style != 2 {
			f.add(cp+".style", "BASE_TYPE_CHOICES", "Value of field \"style\" must be one of (1, 2).")
		}
		if c.MinLength < 0 || c.MinLength > 4000 {
			f.add(cp+".min_length", "NUMBER_TYPE_MAX", "min_length must be between 0 and 4000")
		}
		if c.MaxLength < 0 || c.MaxLength > 4000 {
			f.add(cp+".max_length", "NUMBER_TYPE_MAX", "max_length must be between 1 and 4000")
		}
		f.maxLen(cp+".value", c.Value, 4000)
		if c.MaxLength > 0 && length(c.Value) > c.MaxLength {
			f.add(cp+".value", "BASE_TYPE_MAX_LENGTH", "Must be %d or fewer in length.", c.MaxLength)
		}
		f.maxLen(cp+".placeholder", c.Placeholder, 100)
	}
}

// commandBody is an application command as registered.
type commandBody struct {
	Name               string          `json:"name"`
	Type               int             `json:"type"`
	Description        string          `json:"description"`
	Options            []commandOption `json:"options"`
	DMPermission       *bool           `json:"dm_permission"`
	Contexts           *[]int          `json:"contexts"`
	IntegrationTypes   *[]int          `json:"integration_types"`
	DefaultMemberPerms *string         `json:"default_member_permissions"`
}

type commandOption struct {
	Type        int             `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Required    bool            `json:"required"`
	MinLength   *int            `json:"min_length"`
	MaxLength   *int            `json:"max_length"`
	Options     []commandOption `json:"options"`
	Choices     json.RawMessage `json:"choices"`
}

// commandName is Discord's CHAT_INPUT name rule (lower case).
var commandName = regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)

func validateCommand(c *commandBody, p string, f *formErrors) {
	if c.Type == 0 {
		c.Type = 1
	}
	if c.Type < 1 || c.Type > 4 {
		f.add(p+".type", "BASE_TYPE_CHOICES", "Value of field \"type\" must be one of (1, 2, 3, 4).")
	}
	if c.Type == 1 {
		if !commandName.MatchString(c.Name) {
			f.add(p+".name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
		}
		if l := length(c.Description); l < 1 || l > 100 {
			f.add(p+".description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
	}
	if len(c.Options) > 25 {
		f.add(p+".options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	optional := false
	for i, o := range c.Options {
		op := p + ".options." + strconv.Itoa(i)
		if o.Type < 1 || o.Type > 11 {
			f.add(op+".type", "BASE_TYPE_CHOICES", "Invalid option type %d", o.Type)
		}
		if !commandName.MatchString(o.Name) {
			f.add(op+".name", "APPLICATION_COMMAND_INVALID_NAME", "Option name is invalid")
		}
		if l := length(o.Description); l < 1 || l > 100 {
			f.add(op+".description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
		if o.MaxLength != nil && (*o.MaxLength < 1 || *o.MaxLength > 6000) {
			f.add(op+".max_length", "NUMBER_TYPE_MAX", "max_length must be between 1 and 6000")
		}
		if o.Required && optional {
			f.add(op+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
		}
		optional = optional || !o.Required
	}
	if c.Contexts != nil {
		for _, x := range *c.Contexts {
			if x < 0 || x > 2 {
				f.add(p+".contexts", "BASE_TYPE_CHOICES", "Invalid context %d", x)
			}
		}
	}
}

func isHTTPURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// isSnowflake reports whether s looks like a Discord ID.
func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// validateStringSelect checks a string select: 1 to 25 options with labels and
// values of at most 100 characters, and 0 ≤ min_values ≤ max_values ≤ 25.
func validateStringSelect(c Component, p string, f *formErrors) {
	opts := c.SelectOptions()
	if len(opts) == 0 {
		f.add(p+".options", "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
	}
	if len(opts) > 25 {
		f.add(p+".options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	for i, o := range opts {
		op := p + ".options." + strconv.Itoa(i)
		f.required(op+".label", o.Label)
		f.maxLen(op+".label", o.Label, 100)
		f.required(op+".value", o.Value)
		f.maxLen(op+".value", o.Value, 100)
	}
	lo, hi := 1, 1
	if c.MinValues != nil {
		lo = *c.MinValues
	}
	if c.MaxValues != nil {
		hi = *c.MaxValues
	}
	if lo < 0 || hi > 25 || lo > hi {
		f.add(p+".max_values", "BASE_TYPE_BAD_VALUE", "min_values and max_values must satisfy 0 ≤ min ≤ max ≤ 25")
	}
}
