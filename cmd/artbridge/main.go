// Command artbridge runs the artbridge server and its operator commands.
//
//	artbridge serve [--config FILE]       run the server
//	artbridge version                     print the version
//	artbridge backup [--config FILE] PATH  consistent copy of the live database
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/artbridge/artbridge/rsasig"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], Env{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// Env is what a run of the command sees of the outside world. Tests give their
// own writers, environment and, for serve, a listener they already opened.
type Env struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader // what "-" reads where a command reads a file
	Getenv         func(string) string
	// Listener, when set, is used by serve instead of listening on cfg.Listen.
	Listener net.Listener
	// Ready, when set, is called once serve is accepting requests.
	Ready func(addr string)
	// started, when set, is given the running app (benchmarks drive it directly).
	started func(*app)
	// served is the running server when the command came through its admin
	// socket: the command acts on its services instead of opening the database.
	served *app
	// readFile, when set, gives the files a command reads (those sent with a
	// command through the admin socket) instead of the file system.
	readFile func(name string) ([]byte, error)
}

// exitUsage is the exit code of a usage or configuration error.
const exitUsage = 2

// Main runs one artbridge command and returns its exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 {
		usage(env.Stderr)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, rest, env)
	case "version", "--version", "-v":
		if len(rest) > 0 && isHelpArg(rest[0]) {
			fmt.Fprintln(env.Stdout, "usage: artbridge version\n\nprints the version of this binary")
			return 0
		}
		fmt.Fprintf(env.Stdout, "artbridge %s\n", version)
		fmt.Fprintf(env.Stdout, "signatures: %s\n", rsasig.Backend())
		return 0
	case "backup":
		err = runBackup(ctx, rest, env)
	case "help", "--help", "-h":
		usage(env.Stdout)
		return 0
	default:
		if run, ok := extraCommands()[cmd]; ok {
			err = run(ctx, rest, env)
			break
		}
		fmt.Fprintf(env.Stderr, "artbridge: unknown command %q\n", cmd)
		usage(env.Stderr)
		return exitUsage
	}
	if err == nil || errors.Is(err, errHelpShown) {
		return 0
	}
	var status exitStatus
	if errors.As(err, &status) {
		return int(status)
	}
	fmt.Fprintf(env.Stderr, "artbridge %s: %v\n", cmd, err)
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		return exitUsage
	}
	return 1
}

// usageError marks errors that exit with status 2 (bad flags, bad config, bad input files).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }

// usageText is a command's usage text used as the error of a usage mistake.
type usageText string

func (u usageText) Error() string  { return string(u) }
func (u usageError) Unwrap() error { return u.err }

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: artbridge COMMAND [flags]

commands:
  serve [--config FILE]                 run the server (defaults: 127.0.0.1:8080, ./data)
  version                               print the version
  backup [--config FILE] PATH           write a consistent copy of the live database to PATH
  post publish|edit|delete|list|status  publish and take down posts without Discord
  moderation test|reports|actors|undo|import-blocks  moderation tools
  relay [serve|filter-test]             the Discord gateway relay
`)
}

// newFlagSet makes a flag set whose errors go to env.Stderr and whose
// --help text goes to env.Stdout.
func newFlagSet(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(&flagOutput{stdout: env.Stdout, stderr: env.Stderr})
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: artbridge %s [flags]\n\nflags:\n", name)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; -h, -help or --help prints the flag set's usage on
// stdout and returns errHelpShown (exit status 0).
func parseFlags(fs *flag.FlagSet, args []string) error {
	out, _ := fs.Output().(*flagOutput)
	if out != nil {
		out.help = wantsHelp(args)
	}
	err := fs.Parse(args)
	if out != nil {
		out.help = false
	}
	if errors.Is(err, flag.ErrHelp) {
		return errHelpShown
	}
	if err != nil {
		return usageError{err}
	}
	return nil
}

// errHelpShown is returned by a command that printed its --help text: Main
// exits 0 without an error message.
var errHelpShown = errors.New("help shown")

// showHelp prints a command's usage text on stdout for --help.
func showHelp(env Env, text string) error {
	fmt.Fprintln(env.Stdout, text)
	return errHelpShown
}

// isHelpArg reports whether a is one of the help flags.
func isHelpArg(a string) bool {
	switch a {
	case "-h", "-help", "--help", "--h", "help":
		return true
	}
	return false
}

// wantsHelp reports whether args (up to "--") hold a help flag.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a != "help" && isHelpArg(a) {
			return true
		}
	}
	return false
}

// flagOutput sends a flag set's output to stderr, or to stdout while help was
// asked for.
type flagOutput struct {
	stdout, stderr io.Writer
	help           bool
}

func (o *flagOutput) Write(p []byte) (int, error) {
	if o.help {
		return o.stdout.Write(p)
	}
	return o.stderr.Write(p)
}
