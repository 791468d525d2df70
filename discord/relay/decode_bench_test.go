package relay

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// BenchmarkDiscordgoDecode measures what discordgo does with every gateway
// frame before the relay sees it: decode the envelope with a json.Decoder
// (d kept raw) and, for a known event type, decode d again into its typed
// struct (MessageCreate here), whether or not any handler wants it. Compare
// with BenchmarkDispatchPath (the relay's own work per dispatch) to see
// where an end-to-end dispatch's CPU goes.
func BenchmarkDiscordgoDecode(b *testing.B) {
	raw, err := os.ReadFile("filter/testdata/message_create_2k.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("envelope", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			var e *discordgo.Event
			if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("envelope+typed", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			var e *discordgo.Event
			if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&e); err != nil {
				b.Fatal(err)
			}
			var m discordgo.MessageCreate
			if err := json.Unmarshal(e.RawData, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
