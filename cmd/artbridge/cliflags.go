package main

import (
	"flag"
	"fmt"

	"golang.org/x/text/language"
)

// parseInterspersed parses flags given before, between or after the
// positional arguments (`post delete ID --config F` as `post delete --config F
// ID`); "--" ends the flags. The positional arguments end up in fs.Args().
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return err // a usage error, or --help shown
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...) // after "--": no more flags
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Parse the positional arguments alone once more so that fs.Args() holds them.
	return fs.Parse(append([]string{"--"}, positional...))
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

// maxLanguageTag bounds a --lang value (BCP 47 tags in use are far shorter).
const maxLanguageTag = 35

// parseLanguage validates a BCP 47 language tag and returns its canonical form.
func parseLanguage(v string) (string, error) {
	if len(v) > maxLanguageTag {
		return "", fmt.Errorf("%q is not a language tag (BCP 47, like en or pt-BR)", v[:maxLanguageTag]+"…")
	}
	tag, err := language.Parse(v)
	if err != nil {
		return "", fmt.Errorf("%q is not a language tag (BCP 47, like en or pt-BR)", v)
	}
	return tag.String(), nil
}
