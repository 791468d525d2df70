package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/bridge"
	"github.com/artbridge/artbridge/moderation"
	"github.com/artbridge/artbridge/storage"
)

const moderationUsage = `usage: artbridge moderation COMMAND [flags]

  test --rules FILE --posts FILE.jsonl     dry-run rules on saved posts (no data directory needed)
  reports [--config F] [--all]              list reports (open ones; --all: lifted too)
  undo [--config F] REPORT                  lift the silence or suspension of a report
  actors [--config F]                       list silenced and suspended actors
  import-blocks [--config F] FILE.csv       import domain blocks (Mastodon's CSV export, or one domain per line)`

// runModeration implements `artbridge moderation …`.
func runModeration(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		return usageError{errors.New(moderationUsage)}
	}
	sub, rest := args[0], args[1:]
	if isHelpArg(sub) {
		return showHelp(env, moderationUsage)
	}
	if sub == "test" {
		return runModerationTest(rest, env)
	}
	fs := newFlagSet("moderation "+sub, env)
	configPath := fs.String("config", "", "path of artbridge.toml (optional)")
	all := false
	if sub == "reports" {
		fs.BoolVar(&all, "all", false, "list lifted reports too")
	}
	switch sub {
	case "reports", "undo", "actors", "import-blocks":
	default:
		return usageError{fmt.Errorf("unknown moderation command %q\n%s", sub, moderationUsage)}
	}
	if err := parseInterspersed(fs, rest); err != nil {
		return err
	}
	wantArgs := map[string]int{"reports": 0, "actors": 0, "undo": 1, "import-blocks": 1}[sub]
	if fs.NArg() != wantArgs {
		return usageError{errors.New(moderationUsage)}
	}
	var reportID int64
	if sub == "undo" {
		id, err := strconv.ParseInt(strings.TrimPrefix(fs.Arg(0), "#"), 10, 64)
		if err != nil || id <= 0 {
			return usageError{fmt.Errorf("REPORT must be a report number, not %q", fs.Arg(0))}
		}
		reportID = id
	}
	var db *storage.DB
	var mod *bridge.Moderator
	if env.served != nil {
		db, mod = env.served.inst.db, env.served.moderator
	} else {
		cfg, err := resolveConfig(*configPath, env)
		if err != nil {
			return err
		}
		if full := append([]string{"moderation"}, args...); servedCommand(full) {
			var files []string
			if sub == "import-blocks" {
				files = []string{fs.Arg(0)}
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
		db, mod = inst.db, bridge.NewModerator(inst.db, nil, nil, inst.log, time.Now)
	}
	switch sub {
	case "reports":
		reports, err := mod.Reports(ctx, !all, 0)
		if err != nil {
			return err
		}
		return printReports(env.Stdout, reports)
	case "actors":
		actors, err := mod.Actors(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACTOR\tACTION\tREPORT\tSINCE")
		for _, a := range actors {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", a.Actor, a.Action, a.ReportID, a.Since.Format(time.RFC3339))
		}
		return tw.Flush()
	case "undo":
		r, released, err := mod.Undo(ctx, reportID)
		if errors.Is(err, bridge.ErrReportNotFound) || errors.Is(err, bridge.ErrNotLiftable) || errors.Is(err, bridge.ErrAlreadyLifted) {
			return usageError{err}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "lifted the %s of %s (report %d); %d held posts released\n", r.Action, r.Actor, r.ID, released)
		if r.Action == moderation.ActionSuspend {
			fmt.Fprintln(env.Stdout, "the actor is admitted again but is not a follower: it has to follow again")
		}
		return nil
	case "import-blocks":
		return importBlocks(ctx, db, fs.Arg(0), env)
	}
	return nil
}

// runModerationTest is `artbridge moderation test --rules FILE --posts FILE.jsonl`.
func runModerationTest(args []string, env Env) error {
	fs := newFlagSet("moderation test", env)
	rulesPath := fs.String("rules", "", "rules file (TOML)")
	postsPath := fs.String("posts", "", "posts, one ActivityStreams object or Create per line (JSONL)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *rulesPath == "" || *postsPath == "" || fs.NArg() != 0 {
		return usageError{errors.New("usage: artbridge moderation test --rules FILE --posts FILE.jsonl")}
	}
	rules, warnings, err := loadRules(*rulesPath)
	if err != nil {
		return usageError{err}
	}
	for _, w := range warnings {
		fmt.Fprintf(env.Stderr, "warning: %s\n", w)
	}
	f, err := os.Open(*postsPath)
	if err != nil {
		return usageError{err}
	}
	defer f.Close()
	out := bufio.NewWriter(env.Stdout)
	if err := moderation.RunTester(rules, f, out); err != nil {
		return err
	}
	return out.Flush()
}

// loadRules reads and validates a rules file; the error names the file, the
// ruleset and the reason.
func loadRules(path string) (*moderation.Rules, []moderation.Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("moderation rules: %w", err)
	}
	return moderation.ParseRules(path, data)
}

func printReports(w io.Writer, reports []bridge.ModerationReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPORT\tTIME\tACTION\tSTATE\tRULESET\tACTOR\tPOST\tTERMS")
	for _, r := range reports {
		seen := map[string]bool{}
		var terms []string
		for _, h := range r.Hits {
			if !seen[h.Term] {
				seen[h.Term] = true
				terms = append(terms, h.Term)
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.At.Format(time.RFC3339), r.Action, r.State,
			r.Ruleset, r.Actor, r.PostID, strings.Join(terms, ", "))
	}
	return tw.Flush()
}

// importBlocks reads a domain-block file and adds its blocks to the database.
func importBlocks(ctx context.Context, db *storage.DB, path string, env Env) error {
	data, err := env.readInput(path)
	if err != nil {
		return usageError{err}
	}
	blocks, skipped, err := parseDomainBlocks(bytes.NewReader(data))
	if err != nil {
		return usageError{fmt.Errorf("%s: %w", path, err)}
	}
	added, err := db.ImportDomainBlocks(ctx, blocks, "import:"+filepath.Base(path), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "imported %d domain blocks from %s (%d already blocked)\n", added, path, len(blocks)-added)
	for _, s := range skipped {
		fmt.Fprintf(env.Stdout, "skipped %s\n", s)
	}
	return nil
}

// parseDomainBlocks reads Mastodon's domain-block CSV export (header
// "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate")
// or a plain list, one domain a line, with '#' comments. Only full blocks
// (severity suspend, or none given) are kept; the other rows come back as
// skipped, with the line and the reason, as do domains that are not valid.
func parseDomainBlocks(r io.Reader) ([]storage.DomainBlock, []string, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, nil, err
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	first := ""
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) != "" {
			first = strings.ToLower(strings.TrimSpace(line))
			break
		}
	}
	if strings.HasPrefix(first, "#domain") || strings.HasPrefix(first, "domain,") {
		return parseBlockCSV(text)
	}
	var blocks []storage.DomainBlock
	var skipped []string
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		domain, reason := normaliseDomain(line)
		if reason != "" {
			skipped = append(skipped, fmt.Sprintf("line %d: %q: %s", i+1, line, reason))
			continue
		}
		if !seen[domain] {
			seen[domain] = true
			blocks = append(blocks, storage.DomainBlock{Domain: domain, Severity: "suspend"})
		}
	}
	return blocks, skipped, nil
}

func parseBlockCSV(text string) ([]storage.DomainBlock, []string, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(strings.ToLower(strings.TrimSpace(h)), "#")] = i
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var blocks []storage.DomainBlock
	var skipped []string
	seen := map[string]bool{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		raw := field(rec, "domain")
		if raw == "" {
			continue
		}
		domain, reason := normaliseDomain(raw)
		if reason != "" {
			skipped = append(skipped, fmt.Sprintf("line %d: %q: %s", line, raw, reason))
			continue
		}
		switch sev := strings.ToLower(field(rec, "severity")); sev {
		case "", "suspend":
		default:
			skipped = append(skipped, fmt.Sprintf("line %d: %s: severity %q (only suspend is a block here)", line, domain, sev))
			continue
		}
		if !seen[domain] {
			seen[domain] = true
			blocks = append(blocks, storage.DomainBlock{Domain: domain, Severity: "suspend", Comment: field(rec, "public_comment")})
		}
	}
	return blocks, skipped, nil
}

// normaliseDomain returns the form of a domain (or IP address) that blocks
// are compared in, the one ap.NormalizeHost gives every inbound host and
// delivery (lower case, punycode, no trailing dot, no port), or why it is
// not one.
func normaliseDomain(s string) (string, string) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "*") {
		return "", "obfuscated domain (export without obfuscation)"
	}
	h := ap.NormalizeHost(s)
	if h == "" {
		return "", "not a domain"
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return h, ""
	}
	if !validHostname(h) {
		return "", "not a domain"
	}
	return h, ""
}

// validHostname reports whether s is a lower-case ASCII host name of at least
// two labels (or localhost): letters, digits, '-' and '_', labels of 1 to 63
// characters, 253 in all.
func validHostname(s string) bool {
	if s == "localhost" {
		return true
	}
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range []byte(l) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// rulesReloader reloads the moderation rules on SIGHUP. A bad file keeps the
// rules in force and logs why.
type rulesReloader struct {
	path string
	mod  *bridge.Moderator
	log  *slog.Logger
	sig  chan os.Signal
	done chan struct{}
}

// newModerator loads the rules file named in the config (a bad file is a
// configuration error naming the file, the ruleset and the reason; warnings
// are logged) and builds the moderation pipeline.
func newModerator(inst *instance, notifier bridge.ModeratorNotifier) (*bridge.Moderator, error) {
	var rules *moderation.Rules
	if path := inst.cfg.Moderation.Rules; path != "" {
		r, warnings, err := loadRules(path)
		if err != nil {
			return nil, usageError{err}
		}
		for _, w := range warnings {
			inst.log.Warn("moderation rules", "warning", w.String())
		}
		inst.log.Info("moderation rules loaded", "file", path, "rulesets", len(r.Rulesets()))
		rules = r
	}
	return bridge.NewModerator(inst.db, rules, notifier, inst.log.With("component", "moderation"), time.Now), nil
}

// startRulesReloader starts the SIGHUP watcher.
func startRulesReloader(path string, mod *bridge.Moderator, log *slog.Logger) *rulesReloader {
	r := &rulesReloader{path: path, mod: mod, log: log, sig: make(chan os.Signal, 1), done: make(chan struct{})}
	signal.Notify(r.sig, syscall.SIGHUP)
	go func() {
		defer close(r.done)
		for range r.sig {
			_ = r.reload()
		}
	}()
	return r
}

// reload reads the rules file again and swaps the rules in; counts carry on.
func (r *rulesReloader) reload() error {
	if r.path == "" {
		r.log.Info("SIGHUP: no moderation rules file configured")
		return nil
	}
	rules, warnings, err := loadRules(r.path)
	if err != nil {
		r.log.Error("moderation rules not reloaded; the previous rules stay in force", "err", err)
		return err
	}
	for _, w := range warnings {
		r.log.Warn("moderation rules", "warning", w.String())
	}
	r.mod.SetRules(rules)
	r.log.Info("moderation rules reloaded", "file", r.path, "rulesets", len(rules.Rulesets()))
	return nil
}

// stop ends the watcher and waits for it.
func (r *rulesReloader) stop() {
	if r == nil {
		return
	}
	signal.Stop(r.sig)
	close(r.sig)
	<-r.done
}
