package main

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/artbridge/artbridge/bridge"
	"github.com/artbridge/artbridge/storage"
)

// operatorStatus is what `artbridge status` and the admin page show.
type operatorStatus struct {
	Now     time.Time
	Server  string // "running" (through the admin socket) or "not running"
	Discord string // "off", "connected", "disconnected"; "unknown" without the server
	storage.Status
	Post       string
	PostIRI    string
	PostStatus []bridge.HostStatus
}

// collectStatus reads the status; post (optional) adds its recent deliveries.
func collectStatus(ctx context.Context, db *storage.DB, svc *bridge.Service, a *app, post string) (operatorStatus, error) {
	st := operatorStatus{Now: time.Now().UTC(), Server: "not running", Discord: "unknown", Post: post}
	if a != nil {
		st.Server, st.Discord = "running", "off"
		if a.discord != nil {
			st.Discord = "disconnected"
			if a.discord.bot.Connected() {
				st.Discord = "connected"
			}
		}
	}
	s, err := db.Status(ctx, st.Now)
	if err != nil {
		return st, err
	}
	st.Status = s
	if post != "" {
		p, hs, err := svc.Status(ctx, post)
		if err != nil {
			return st, usageError{fmt.Errorf("post %s: %w", post, err)}
		}
		st.PostIRI, st.PostStatus = p.NoteIRI, hs
	}
	return st, nil
}

// runStatus is `artbridge status [--config F] [--post ID]`; with a running
// server it goes through the admin socket, which adds the Discord state.
func runStatus(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("status", env)
	configPath := fs.String("config", "", "path of artbridge.toml (optional)")
	post := fs.String("post", "", "also show the deliveries of this post (IRI or ID)")
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Errorf("usage: artbridge status [--config FILE] [--post IRI|ID]")}
	}
	var st operatorStatus
	var err error
	if a := env.served; a != nil {
		st, err = collectStatus(ctx, a.inst.db, a.bridge, a, *post)
	} else {
		cfg, cerr := resolveConfig(*configPath, env)
		if cerr != nil {
			return cerr
		}
		if sent, ferr := forwardToServer(ctx, cfg.DataDir, append([]string{"status"}, args...), nil, env); sent {
			return ferr
		}
		inst, oerr := openConfigured(ctx, cfg, env)
		if oerr != nil {
			return oerr
		}
		defer inst.db.Close()
		st, err = collectStatus(ctx, inst.db, newBridge(inst), nil, *post)
	}
	if err != nil {
		return err
	}
	return printStatus(env.Stdout, st)
}

func printStatus(w io.Writer, st operatorStatus) error {
	fmt.Fprintf(w, "server: %s\ndiscord: %s\n", st.Server, st.Discord)
	fmt.Fprintf(w, "followers: %d\nposts: %d live, %d deleted\n", st.Followers, st.PostsLive, st.PostsDeleted)
	fmt.Fprintf(w, "deliveries: %d queued, %d delivered, %d failed, %d cancelled\n",
		st.Deliveries["queued"], st.Deliveries["delivered"], st.Deliveries["failed"], st.Deliveries["cancelled"])
	if !st.QueueOldest.IsZero() {
		fmt.Fprintf(w, "oldest queued: %s ago\n", st.Now.Sub(st.QueueOldest).Round(time.Second))
	}
	open := 0
	for _, n := range st.ReportsOpen {
		open += n
	}
	fmt.Fprintf(w, "moderation reports waiting: %d\ninbound not processed yet: %d\n", open, st.InboundPending)
	if len(st.FailingHosts) > 0 {
		fmt.Fprintln(w, "\nfailing hosts:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "HOST\tQUEUED\tATTEMPTS\tLAST FAILURE\tNEXT TRY")
		for _, h := range st.FailingHosts {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", h.Host, h.Queued, h.Attempts, hostFailure(h), h.NextAttempt.UTC().Format(time.RFC3339))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if st.Post != "" {
		fmt.Fprintf(w, "\ndeliveries of %s:\n", st.PostIRI)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACTIVITY\tINBOX\tSTATE\tDETAIL")
		for _, h := range st.PostStatus {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Activity, h.Inbox, h.State, statusDetail(h))
		}
		return tw.Flush()
	}
	return nil
}

func hostFailure(h storage.FailingHost) string {
	if h.LastStatus != 0 {
		return fmt.Sprintf("HTTP %d", h.LastStatus)
	}
	if len(h.LastError) > 80 {
		return h.LastError[:80] + "…"
	}
	return h.LastError
}

// adminPage is the admin page: the same status as `artbridge status`, as HTML
// (no script; html/template escapes every value, hosts and errors included).
var adminPage = template.Must(template.New("admin").Funcs(template.FuncMap{
	"ago":     func(now, t time.Time) string { return now.Sub(t).Round(time.Second).String() },
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"failure": hostFailure,
	"detail":  statusDetail,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>artbridge admin</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}</style>
</head><body>
<h1>artbridge</h1>
<p>Discord: <b>{{.Discord}}</b> · followers: {{.Followers}} · posts: {{.PostsLive}} live, {{.PostsDeleted}} deleted</p>
<h2>Delivery queue</h2>
<table><tr><th>queued</th><th>delivered</th><th>failed</th><th>cancelled</th><th>oldest queued</th></tr>
<tr><td>{{index .Deliveries "queued"}}</td><td>{{index .Deliveries "delivered"}}</td><td>{{index .Deliveries "failed"}}</td><td>{{index .Deliveries "cancelled"}}</td>
<td>{{if .QueueOldest.IsZero}}—{{else}}{{ago .Now .QueueOldest}} ago{{end}}</td></tr></table>
<h2>Failing hosts</h2>
{{if .FailingHosts}}<table><tr><th>host</th><th>queued</th><th>attempts</th><th>last failure</th><th>next try</th></tr>
{{range .FailingHosts}}<tr><td>{{.Host}}</td><td>{{.Queued}}</td><td>{{.Attempts}}</td><td>{{failure .}}</td><td>{{rfc3339 .NextAttempt}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}
<h2>Moderation reports waiting</h2>
<table><tr>{{range $a, $n := .ReportsOpen}}<th>{{$a}}</th>{{end}}</tr><tr>{{range $a, $n := .ReportsOpen}}<td>{{$n}}</td>{{end}}</tr></table>
<h2>Deliveries of a post</h2>
<form method="get" action="/admin"><input name="post" value="{{.Post}}" size="60" placeholder="note IRI or post ID"> <button>Show</button></form>
{{if .Post}}<p>{{.PostIRI}}</p><table><tr><th>activity</th><th>inbox</th><th>state</th><th>detail</th></tr>
{{range .PostStatus}}<tr><td>{{.Activity}}</td><td>{{.Inbox}}</td><td>{{.State}}</td><td>{{detail .}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))

// serveAdminPage serves the admin page (on the metrics listener: loopback or token).
func (a *app) serveAdminPage(w http.ResponseWriter, r *http.Request) {
	post := r.URL.Query().Get("post")
	if len(post) > 2048 {
		http.Error(w, "post: too long", http.StatusBadRequest)
		return
	}
	st, err := collectStatus(r.Context(), a.inst.db, a.bridge, a, post)
	if err != nil {
		code := http.StatusInternalServerError
		if _, ok := err.(usageError); ok {
			code = http.StatusNotFound
		}
		http.Error(w, err.Error(), code)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.Header().Set("Cache-Control", "no-store")
	adminPage.Execute(w, st)
}
