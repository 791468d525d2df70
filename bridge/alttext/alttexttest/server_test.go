package alttexttest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func pngDataURL(t *testing.T, w, h int) string {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// body builds a valid request body; edit, if not nil, changes the request
// map and the image_url object before encoding.
func body(t *testing.T, edit func(m, img map[string]any)) []byte {
	t.Helper()
	img := map[string]any{"url": pngDataURL(t, 40, 30), "detail": "low"}
	part := map[string]any{"type": "image_url", "image_url": img}
	m := map[string]any{
		"model":      "m",
		"max_tokens": 300,
		"messages": []any{map[string]any{"role": "user", "content": []any{
			map[string]any{"type": "text", "text": "Describe."}, part,
		}}},
	}
	if edit != nil {
		edit(m, img)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func post(t *testing.T, s *Server, path, auth string, b []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

func TestValidRequest(t *testing.T) {
	s := NewServer(t, Config{Model: "m", APIKey: "k", MaxTokens: 300})
	resp, out := post(t, s, "/v1/chat/completions", "Bearer k", body(t, nil))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, out)
	}
	var cr struct {
		Choices []struct {
			Message      struct{ Content string }
			FinishReason string `json:"finish_reason"`
		}
	}
	if err := json.Unmarshal(out, &cr); err != nil || len(cr.Choices) != 1 {
		t.Fatalf("%v %s", err, out)
	}
	if cr.Choices[0].Message.Content != DefaultDraft || cr.Choices[0].FinishReason != "stop" {
		t.Fatalf("%s", out)
	}
	r := s.Requests()[0]
	if r.ImageWidth != 40 || r.ImageHeight != 30 || r.Detail != "low" || r.Prompt != "Describe." || len(r.Violations) != 0 {
		t.Fatalf("%+v", r)
	}
}

func TestViolations(t *testing.T) {
	tests := []struct {
		name, path, auth string
		edit             func(m, img map[string]any)
		want             string
	}{
		{"wrong path", "/chat/completions", "Bearer k", nil, "path"},
		{"no auth", "/v1/chat/completions", "", nil, "Authorization"},
		{"wrong model", "", "", func(m, _ map[string]any) { m["model"] = "x" }, "model"},
		{"wrong max tokens", "", "", func(m, _ map[string]any) { m["max_tokens"] = 1000 }, "token limit"},
		{"both limits", "", "", func(m, _ map[string]any) { m["max_completion_tokens"] = 300 }, "both"},
		{"no limit", "", "", func(m, _ map[string]any) { delete(m, "max_tokens") }, "no max_tokens"},
		{"high detail", "", "", func(_, img map[string]any) { img["detail"] = "high" }, "detail"},
		{"no detail", "", "", func(_, img map[string]any) { delete(img, "detail") }, "detail"},
		{"cdn url", "", "", func(_, img map[string]any) {
			img["url"] = "https://cdn.discordapp.com/attachments/1/2/fox.png"
		}, "not a data:image"},
		{"webp data url", "", "", func(_, img map[string]any) { img["url"] = "data:image/webp;base64,AAAA" }, "not a data:image"},
		{"not base64", "", "", func(_, img map[string]any) { img["url"] = "data:image/png;base64,@@@" }, "base64"},
		{"mislabelled", "", "", func(_, img map[string]any) {
			img["url"] = strings.Replace(img["url"].(string), "image/png", "image/jpeg", 1)
		}, "does not decode"},
		{"too large", "", "", func(_, img map[string]any) { img["url"] = pngDataURL(t, 513, 100) }, "longest side"},
		{"stream", "", "", func(m, _ map[string]any) { m["stream"] = true }, "stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t, Config{Model: "m", APIKey: "k", MaxTokens: 300})
			path, auth := tt.path, tt.auth
			if path == "" {
				path, auth = "/v1/chat/completions", "Bearer k"
			}
			resp, out := post(t, s, path, auth, body(t, tt.edit))
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var e struct {
				Error struct{ Message, Type string }
			}
			if err := json.Unmarshal(out, &e); err != nil || e.Error.Type != "invalid_request_error" {
				t.Fatalf("error body %s", out)
			}
			v := s.Violations()
			if len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), tt.want) {
				t.Fatalf("violations %v, want one about %q", v, tt.want)
			}
		})
	}
}

func TestGETIsAViolation(t *testing.T) {
	s := NewServer(t, Config{})
	resp, err := http.Get(s.BaseURL() + "/chat/completions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || s.Count() != 1 || len(s.Violations()) == 0 {
		t.Fatalf("status %d, count %d, violations %v", resp.StatusCode, s.Count(), s.Violations())
	}
}

func TestScriptedReplies(t *testing.T) {
	s := NewServer(t, Config{Model: "m", MaxTokens: 300})
	s.Enqueue(TooManyRequests(3*time.Second), ServerError(), Truncated("half"), Refusal("no"))
	resp, _ := post(t, s, "/v1/chat/completions", "", body(t, nil))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" {
		t.Fatalf("429: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp, _ := post(t, s, "/v1/chat/completions", "", body(t, nil)); resp.StatusCode != 500 {
		t.Fatalf("500: %d", resp.StatusCode)
	}
	if _, out := post(t, s, "/v1/chat/completions", "", body(t, nil)); !bytes.Contains(out, []byte(`"finish_reason":"length"`)) {
		t.Fatalf("length: %s", out)
	}
	if _, out := post(t, s, "/v1/chat/completions", "", body(t, nil)); !bytes.Contains(out, []byte(`"refusal":"no"`)) {
		t.Fatalf("refusal: %s", out)
	}
	s.SetDefault(Draft("default"))
	if _, out := post(t, s, "/v1/chat/completions", "", body(t, nil)); !bytes.Contains(out, []byte(`"content":"default"`)) {
		t.Fatalf("default: %s", out)
	}
	if s.Count() != 5 || len(s.Violations()) != 0 {
		t.Fatalf("count %d violations %v", s.Count(), s.Violations())
	}
}

func TestSlowReplyEndsWithTheClient(t *testing.T) {
	s := NewServer(t, Config{Model: "m", MaxTokens: 300})
	s.Enqueue(Slow(time.Minute, "late"))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.BaseURL()+"/chat/completions", bytes.NewReader(body(t, nil)))
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("slow reply answered")
	}
	// Close waits for handlers: it must not wait out the minute.
	s.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}
