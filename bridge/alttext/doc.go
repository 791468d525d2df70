// Package alttext drafts image descriptions (alt text) for artwork with a
// vision model behind any OpenAI-compatible chat completions endpoint: OpenAI
// itself, Ollama, the llama.cpp server, vLLM and the like.
//
// A draft is only ever a suggestion. The caller asks for one only when the
// artist has opted in, shows it to the artist before anything federates, and
// lets the artist's own words win. Nothing here may hold up publishing: every
// failure is a typed error (see the Err* values and Message) after which the
// description simply stays empty.
//
// What is sent: one chat completion request with the configured prompt and a
// re-encoded copy of the image, downscaled so its longest side is at most
// 512 px, as a base64 data URL with detail "low". Never the Discord CDN URL
// (it expires and leaks who posted what) and never the artist's name.
//
// Cost control: a daily request budget (UTC days) and a per-artist hourly rate
// limit, kept in memory and, with RememberUsage, in a UsageStore so that they
// hold across restarts (without one they start from zero). They count only
// requests that actually reached the wire.
package alttext
