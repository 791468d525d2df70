package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/bridge"
)

// postUsage is the usage text of `artbridge post`.
const postUsage = `usage: artbridge post publish|edit|delete|list|status [flags]

  publish [--config F] --image FILE [--alt TEXT] [--text T] [--cw T] …   publish a post
  edit [--config F] [flags] IRI|ID                                        edit a post
  delete [--config F] IRI|ID                                              take a post down
  list [--config F]                                                       list posts
  status [--config F] IRI|ID                                              a post's deliveries

artbridge post SUBCOMMAND --help shows a subcommand's flags.`

// runPost implements `artbridge post publish|edit|delete|list|status`. The
// commands that change state go through the running server's admin socket when
// a server runs (so the delivery worker sends at once and files keep the
// server's ownership); without one they act on the data directory directly.
func runPost(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		return usageError{usageText(postUsage)}
	}
	sub, rest := args[0], args[1:]
	if isHelpArg(sub) {
		return showHelp(env, postUsage)
	}
	fs := newFlagSet("post "+sub, env)
	configPath := fs.String("config", "", "path of artbridge.toml (optional)")
	var images []imageArg
	var text, cw, credits, lang, license string
	var setLicense bool
	var sensitive, setText, setCW bool
	if sub == "publish" || sub == "edit" {
		fs.Func("image", "image file to attach (repeat, up to 4; - reads standard input)", func(v string) error {
			images = append(images, imageArg{path: v})
			return nil
		})
		fs.Func("alt", "description of the image given just before (repeat)", func(v string) error {
			if len(images) == 0 {
				return errors.New("--alt must follow an --image")
			}
			images[len(images)-1].alt = v
			images[len(images)-1].altSet = true
			return nil
		})
		fs.Func("text", "the post's text", func(v string) error { text, setText = v, true; return nil })
		fs.Func("cw", "content warning", func(v string) error { cw, setCW = v, true; return nil })
		fs.BoolVar(&sensitive, "sensitive", false, "mark the media sensitive (edit: --sensitive=false unmarks)")
		fs.StringVar(&credits, "credits", "", "credits line, e.g. \"Art by Mira\"")
		fs.Func("license", "license URL of the post, or \"all-rights-reserved\" (default: [instance] default_license)",
			func(v string) error {
				l, err := licenseFlag(v)
				license, setLicense = l, true
				return err
			})
		fs.Func("lang", "language of the text (BCP 47, e.g. en, pt-BR)", func(v string) error {
			tag, err := parseLanguage(v)
			lang = tag
			return err
		})
	}
	if err := parseInterspersed(fs, rest); err != nil {
		return err
	}
	setSensitive := flagSet(fs, "sensitive")
	if sub == "publish" && len(images) == 0 {
		return usageError{errors.New("publish needs at least one --image")}
	}
	var svc *bridge.Service
	var defaultLicense string
	if env.served != nil {
		svc = env.served.bridge
		defaultLicense = env.served.inst.cfg.Instance.DefaultLicense
	} else {
		cfg, err := resolveConfig(*configPath, env)
		if err != nil {
			return err
		}
		if full := append([]string{"post"}, args...); servedCommand(full) {
			var files []string
			for _, im := range images {
				if !(sub == "edit" && im.path == "-") {
					files = append(files, im.path)
				}
			}
			if sent, err := forwardToServer(ctx, cfg.DataDir, full, files, env); sent {
				return err
			}
		}
		inst, err := openConfigured(ctx, cfg, env)
		if err != nil {
			return err
		}
		defer inst.db.Close()
		svc = newBridge(inst)
		defaultLicense = cfg.Instance.DefaultLicense
	}
	operator := bridge.Caller{Operator: true}

	switch sub {
	case "publish":
		if len(images) == 0 {
			return usageError{errors.New("publish needs at least one --image")}
		}
		s := bridge.Submission{Text: text, ContentWarning: cw, Sensitive: sensitive, Credits: credits, Language: lang}
		s.License = defaultLicense
		if setLicense {
			s.License = license
		}
		for i, im := range images {
			if !im.altSet || strings.TrimSpace(im.alt) == "" {
				fmt.Fprintf(env.Stderr, "warning: image %d (%s) has no description (--alt): people who use screen readers will not know what it shows\n", i+1, im.path)
			}
			img, err := storeImageFile(ctx, svc, im, env)
			if err != nil {
				return err
			}
			s.Images = append(s.Images, img)
		}
		p, err := svc.Publish(ctx, bridge.Artist{ID: bridge.OperatorID, Name: "operator"}, s)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, p.NoteIRI)
	case "edit":
		if fs.NArg() != 1 {
			return usageError{errors.New("usage: artbridge post edit [flags] IRI|ID")}
		}
		p, err := svc.Post(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		s := p.Submission
		if setText {
			s.Text = text
		}
		if setCW {
			s.ContentWarning = cw
		}
		if setSensitive {
			s.Sensitive = sensitive
		}
		if credits != "" {
			s.Credits = credits
		}
		if lang != "" {
			s.Language = lang
		}
		if setLicense {
			s.License = license
		}
		for i, im := range images {
			if im.path == "-" && i < len(s.Images) { // keep image i, change only its description
				if im.altSet {
					s.Images[i].Alt, s.Images[i].AltSource = im.alt, bridge.AltArtist
				}
				continue
			}
			img, err := storeImageFile(ctx, svc, im, env)
			if err != nil {
				return err
			}
			if i < len(s.Images) {
				s.Images[i] = img
			} else {
				s.Images = append(s.Images, img)
			}
		}
		p, err = svc.Edit(ctx, operator, p.ID, s)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, p.NoteIRI)
	case "delete":
		if fs.NArg() != 1 {
			return usageError{errors.New("usage: artbridge post delete IRI|ID")}
		}
		r, err := svc.Takedown(ctx, operator, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "deleted %s\nservers: %d confirmed, %d pending, %d failed\n", r.NoteIRI, r.Confirmed, r.Pending, r.Failed)
		if r.MediaError != nil {
			return fmt.Errorf("the post is deleted and the Delete is on its way, but its media could not be removed "+
				"and is still served: %w (remove the files from the media directory by hand)", r.MediaError)
		}
	case "list":
		posts, err := svc.Posts(ctx, 0, 1000)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPUBLISHED\tSTATE\tARTIST\tIMAGES\tNOTE")
		for _, p := range posts {
			state := "live"
			if p.Deleted() {
				state = "deleted"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", p.ID, p.Published.Format(time.RFC3339), state, p.ArtistName,
				len(p.Submission.Images), p.NoteIRI)
		}
		return tw.Flush()
	case "status":
		if fs.NArg() != 1 {
			return usageError{errors.New("usage: artbridge post status IRI|ID")}
		}
		p, st, err := svc.Status(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s\n", p.NoteIRI)
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACTIVITY\tINBOX\tSTATE\tDETAIL")
		for _, h := range st {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Activity, h.Inbox, h.State, statusDetail(h))
		}
		return tw.Flush()
	default:
		return usageError{fmt.Errorf("unknown post command %q", sub)}
	}
	return nil
}

// licenseFlag reads --license: a license URL, or "all-rights-reserved"
// (also "none") for no license.
func licenseFlag(v string) (string, error) {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "all-rights-reserved", "none", "":
		return "", nil
	}
	if err := ap.CheckLicenseURL(v); err != nil {
		return "", err
	}
	return v, nil
}

type imageArg struct {
	path   string
	alt    string
	altSet bool
}

func storeImageFile(ctx context.Context, svc *bridge.Service, im imageArg, env Env) (bridge.Image, error) {
	data, err := env.readInput(im.path)
	if err != nil {
		return bridge.Image{}, usageError{err}
	}
	img, err := svc.StoreImage(ctx, data, im.path)
	if err != nil {
		return bridge.Image{}, usageError{err}
	}
	if im.altSet && strings.TrimSpace(im.alt) != "" {
		img.Alt, img.AltSource = strings.TrimSpace(im.alt), bridge.AltArtist
	}
	return img, nil
}

func statusDetail(h bridge.HostStatus) string {
	switch h.State {
	case "delivered":
		return "delivered at " + h.DeliveredAt.Format(time.RFC3339)
	case "queued":
		if h.Attempts == 0 {
			return "waiting for its first attempt"
		}
		return fmt.Sprintf("failing (%d attempts, last %s), next try %s", h.Attempts, lastFailure(h), h.NextAttempt.Format(time.RFC3339))
	case "failed":
		return fmt.Sprintf("given up after %d attempts: %s", h.Attempts, lastFailure(h))
	case "cancelled":
		return "cancelled by the takedown before it was sent"
	}
	return h.State
}

func lastFailure(h bridge.HostStatus) string {
	if h.LastStatus != 0 {
		return fmt.Sprintf("HTTP %d", h.LastStatus)
	}
	return h.LastError
}
