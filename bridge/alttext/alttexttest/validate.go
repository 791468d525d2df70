package alttexttest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"mime"
	"net/http"
	"strings"
)

// maxSide is the longest image side the client may send.
const maxSide = 512

type chatRequest struct {
	Model               string        `json:"model"`
	Messages            []chatMessage `json:"messages"`
	MaxTokens           *int          `json:"max_tokens"`
	MaxCompletionTokens *int          `json:"max_completion_tokens"`
	Stream              bool          `json:"stream"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type chatPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	ImageURL *struct {
		URL    string `json:"url"`
		Detail string `json:"detail"`
	} `json:"image_url"`
}

// check fills the parsed fields of req and its violations.
func (s *Server) check(r *http.Request, req *Request) {
	bad := func(format string, args ...any) {
		req.Violations = append(req.Violations, fmt.Sprintf(format, args...))
	}
	if r.Method != http.MethodPost {
		bad("method %s, want POST", r.Method)
	}
	if want := s.cfg.BasePath + "/chat/completions"; r.URL.Path != want {
		bad("path %q, want %q", r.URL.Path, want)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		bad("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
	}
	auth := r.Header.Get("Authorization")
	switch {
	case s.cfg.APIKey != "" && auth != "Bearer "+s.cfg.APIKey:
		bad("Authorization %q, want the configured bearer key", auth)
	case s.cfg.APIKey == "" && auth != "":
		bad("Authorization sent but no key is configured")
	}

	var cr chatRequest
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	if err := dec.Decode(&cr); err != nil {
		bad("body is not a JSON chat request: %v", err)
		return
	}
	req.Model = cr.Model
	switch {
	case cr.Model == "":
		bad("model missing")
	case s.cfg.Model != "" && cr.Model != s.cfg.Model:
		bad("model %q, want %q", cr.Model, s.cfg.Model)
	}
	if cr.Stream {
		bad("stream requested")
	}
	if cr.MaxTokens != nil {
		req.MaxTokens = *cr.MaxTokens
	}
	if cr.MaxCompletionTokens != nil {
		req.MaxCompletionTokens = *cr.MaxCompletionTokens
	}
	switch {
	case cr.MaxTokens != nil && cr.MaxCompletionTokens != nil:
		bad("both max_tokens and max_completion_tokens set")
	case cr.MaxTokens == nil && cr.MaxCompletionTokens == nil:
		bad("no max_tokens or max_completion_tokens")
	default:
		got := req.MaxTokens + req.MaxCompletionTokens
		if got <= 0 || (s.cfg.MaxTokens != 0 && got != s.cfg.MaxTokens) {
			bad("token limit %d, want %d", got, s.cfg.MaxTokens)
		}
	}
	s.checkMessages(cr.Messages, req, bad)
}

func (s *Server) checkMessages(msgs []chatMessage, req *Request, bad func(string, ...any)) {
	if len(msgs) == 0 {
		bad("no messages")
		return
	}
	var prompts []string
	images := 0
	for i, m := range msgs {
		switch m.Role {
		case "system", "user", "developer":
		default:
			bad("message %d: role %q", i, m.Role)
		}
		var text string
		if json.Unmarshal(m.Content, &text) == nil {
			prompts = append(prompts, text)
			continue
		}
		var parts []chatPart
		if err := json.Unmarshal(m.Content, &parts); err != nil {
			bad("message %d: content is neither text nor parts: %v", i, err)
			continue
		}
		for j, p := range parts {
			switch p.Type {
			case "text":
				prompts = append(prompts, p.Text)
			case "image_url":
				images++
				if p.ImageURL == nil {
					bad("message %d part %d: image_url missing", i, j)
					continue
				}
				req.ImageURL = p.ImageURL.URL
				req.Detail = p.ImageURL.Detail
				if p.ImageURL.Detail != "low" {
					bad("message %d part %d: detail %q, want \"low\"", i, j, p.ImageURL.Detail)
				}
				checkDataURL(p.ImageURL.URL, req, bad)
			default:
				bad("message %d part %d: type %q", i, j, p.Type)
			}
		}
	}
	req.Prompt = strings.Join(prompts, "\n")
	if strings.TrimSpace(req.Prompt) == "" {
		bad("no prompt text")
	}
	if images != 1 {
		bad("%d image parts, want 1", images)
	}
}

// checkDataURL insists on data:image/(jpeg|png);base64, whose bytes decode as
// that format with the longest side at most 512 px.
func checkDataURL(u string, req *Request, bad func(string, ...any)) {
	var mediaType string
	switch {
	case strings.HasPrefix(u, "data:image/jpeg;base64,"):
		mediaType = "image/jpeg"
	case strings.HasPrefix(u, "data:image/png;base64,"):
		mediaType = "image/png"
	default:
		bad("image url %q is not a data:image/(jpeg|png);base64, URL", truncate(u, 60))
		return
	}
	req.ImageMediaType = mediaType
	raw, err := base64.StdEncoding.DecodeString(u[strings.IndexByte(u, ',')+1:])
	if err != nil {
		bad("image data is not base64: %v", err)
		return
	}
	var cfg image.Config
	if mediaType == "image/jpeg" {
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(raw))
	} else {
		cfg, err = png.DecodeConfig(bytes.NewReader(raw))
	}
	if err != nil {
		bad("image data does not decode as %s: %v", mediaType, err)
		return
	}
	req.ImageWidth, req.ImageHeight = cfg.Width, cfg.Height
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxSide || cfg.Height > maxSide {
		bad("image is %dx%d, want the longest side at most %d px", cfg.Width, cfg.Height, maxSide)
		return
	}
	// The header is fine and small: decode it all to prove the data is whole.
	if mediaType == "image/jpeg" {
		_, err = jpeg.Decode(bytes.NewReader(raw))
	} else {
		_, err = png.Decode(bytes.NewReader(raw))
	}
	if err != nil {
		bad("image data is corrupt: %v", err)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
