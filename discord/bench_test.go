package discord

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func BenchmarkRenderPanel(b *testing.B) {
	p := samplePanel("01HZXABCDEF")
	p.Text = strings.Repeat("A fox at dusk, painted in gouache. ", 10) + "\n\nArt by Someone #art #fox"
	for i := range p.Images {
		p.Images[i].Alt = strings.Repeat("A red fox sitting in tall grass. ", 8)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := renderPanel(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStarterFromMessage(b *testing.B) {
	th := &discordgo.Channel{ID: "1", ParentID: "2", GuildID: "3", Name: "Fox"}
	m := &discordgo.Message{ID: "1", ChannelID: "1", Author: &discordgo.User{ID: "9", Username: "artist"},
		Content: strings.Repeat("Look <:blob:123456789012345678> at this ", 20),
		Attachments: []*discordgo.MessageAttachment{
			{ID: "5", Filename: "SPOILER_a.png", URL: "https://cdn.discordapp.com/attachments/1/5/a.png?ex=1&is=2&hm=3"},
			{ID: "6", Filename: "b.png", Flags: 8},
		}}
	b.ReportAllocs()
	for b.Loop() {
		_ = starterFromMessage(th, m, nil)
	}
}

func BenchmarkVerifySignature(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	bot := &Bot{publicKey: pub, clock: time.Now}
	body := []byte(`{"type":3,"id":"1","application_id":"2","token":"t","data":{"custom_id":"ab:confirm:1","component_type":2}}`)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	h := http.Header{}
	h.Set("X-Signature-Timestamp", ts)
	h.Set("X-Signature-Ed25519", hexSig(priv, ts, body))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := bot.verifySignature(h, body); !ok {
			b.Fatal("rejected")
		}
	}
}

func hexSig(priv ed25519.PrivateKey, ts string, body []byte) string {
	return hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), body...)))
}
