package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/artbridge/artbridge/netguard"
)

// LinkImage is an image a starter message links instead of attaching: a link
// Discord embedded with an image or thumbnail, or a direct image URL.
type LinkImage struct {
	// PageURL is the link as the artist wrote it; the post credits it.
	PageURL string
	// Host is PageURL's host, for the question and the credit ("x.com").
	Host string
	// ImageURL is the original image's address.
	ImageURL string
	// ProxyURL is Discord's media proxy copy of the image, when Discord made
	// one; it is fetched instead of ImageURL.
	ProxyURL string
	Width    int
	Height   int
}

// Bounds on what a starter's links can cost.
const (
	// maxLinksRead is the most links of one message looked at.
	maxLinksRead = 10
	// maxLinkURL is the longest link considered (longer ones are ignored).
	maxLinkURL = 2048
)

// linkPattern finds http(s) links in message text.
var linkPattern = regexp.MustCompile(`https?://[^\s<>|]+`)

// imageExtensions mark a direct image link by its path.
var imageExtensions = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true}

// linkImages lists the images a message links (embeds first, then direct
// image URLs in the text that Discord did not embed) and the other links: pages
// that are not images, which are explained to the artist and never fetched.
func linkImages(content string, embeds []*discordgo.MessageEmbed) (images []LinkImage, pages []string) {
	seen := map[string]bool{}
	for _, e := range embeds {
		if e == nil || len(images) == maxLinksRead {
			continue
		}
		var src, proxy string
		var w, h int
		switch {
		case e.Image != nil && e.Image.URL != "":
			src, proxy, w, h = e.Image.URL, e.Image.ProxyURL, e.Image.Width, e.Image.Height
		case e.Thumbnail != nil && e.Thumbnail.URL != "":
			src, proxy, w, h = e.Thumbnail.URL, e.Thumbnail.ProxyURL, e.Thumbnail.Width, e.Thumbnail.Height
		default:
			continue
		}
		page := e.URL
		if page == "" {
			page = src
		}
		if !isWebURL(page) || !isWebURL(src) || len(page) > maxLinkURL || len(src) > maxLinkURL || seen[page] {
			continue
		}
		if proxy != "" && (!isWebURL(proxy) || len(proxy) > maxLinkURL) {
			proxy = ""
		}
		seen[page] = true
		images = append(images, LinkImage{PageURL: page, Host: hostOf(page), ImageURL: src, ProxyURL: proxy, Width: w, Height: h})
	}
	for i, link := range linkPattern.FindAllString(content, -1) {
		if i == maxLinksRead {
			break
		}
		link = strings.TrimRight(link, ".,;:!?)]}>*_~")
		if len(link) > maxLinkURL || seen[link] {
			continue
		}
		seen[link] = true
		u, err := url.Parse(link)
		if err != nil || u.Host == "" {
			continue
		}
		if imageExtensions[strings.ToLower(path.Ext(u.Path))] {
			images = append(images, LinkImage{PageURL: link, Host: hostOf(link), ImageURL: link})
			continue
		}
		pages = append(pages, link)
	}
	return images, pages
}

// hostOf is a URL's host without "www.", or "" when it has none.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

// discordMediaHosts serve Discord's own copies of linked images.
var discordMediaHosts = []string{"media.discordapp.net", "cdn.discordapp.com"}

// isDiscordMedia reports whether rawURL is on Discord's media proxy or CDN (or,
// against a Discord-compatible server, on its API host).
func (b *Bot) isDiscordMedia(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, h := range discordMediaHosts {
		if host == h {
			return true
		}
	}
	if strings.HasPrefix(host, "images-ext-") && strings.HasSuffix(host, ".discordapp.net") {
		return true
	}
	api, err := url.Parse(b.cfg.APIBaseURL)
	return err == nil && strings.EqualFold(api.Host, u.Host)
}

// ErrNotAnImageLink reports a linked file that is not an image we can take.
var ErrNotAnImageLink = errors.New("discord: the link is not an image")

// DownloadLink fetches a linked image the artist confirmed, with at most
// maxBytes of body: Discord's media proxy copy when Discord made one, else the
// original URL, always through the SSRF guard. The original URL never reaches
// a private address, whatever [federation] allow_private_addresses says: it is
// an address a user gave us.
func (b *Bot) DownloadLink(ctx context.Context, l LinkImage, maxBytes int64) ([]byte, string, error) {
	if l.ProxyURL != "" && b.isDiscordMedia(l.ProxyURL) {
		return b.fetch(ctx, b.download, l.ProxyURL, maxBytes)
	}
	return b.fetch(ctx, b.links, l.ImageURL, maxBytes)
}

// newLinkClient is the HTTP client for links artists give: public addresses
// only, few redirects, a short overall timeout.
func newLinkClient() *http.Client {
	return &http.Client{
		Transport: netguard.Policy{}.Transport(10 * time.Second),
		Timeout:   time.Minute,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("discord: too many redirects")
			}
			return nil
		},
	}
}

// LinkError explains a failed link download to the artist in one sentence.
func LinkError(err error) string {
	switch {
	case errors.Is(err, netguard.ErrForbiddenAddress):
		return "that address is on a private network, which I never fetch"
	case errors.Is(err, ErrTooLarge):
		return "the image is too large"
	case errors.Is(err, context.DeadlineExceeded):
		return "the site took too long to answer"
	}
	return fmt.Sprintf("the site did not give me the image (%v)", errors.Unwrap(err))
}
