package main

import (
	"fmt"
	"net"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"time"
)

// checkTypes compares the TOML value of every key in raw (the file decoded
// into maps) with the type of its field in the Config struct, so that a wrong
// type is reported by its key and with an example of what fits:
// `listen: expected a string like "127.0.0.1:8080", got 8080`.
func checkTypes(raw map[string]any, typ reflect.Type, defaults reflect.Value, prefix string) []string {
	fields := map[string]reflect.StructField{}
	var index func(t reflect.Type, path []int)
	index = func(t reflect.Type, path []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			f.Index = append(append([]int(nil), path...), f.Index...)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				index(f.Type, f.Index) // embedded: its keys are the section's own
				continue
			}
			if k := f.Tag.Get("toml"); k != "" && k != "-" {
				fields[k] = f
			}
		}
	}
	index(typ, nil)
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []string
	for _, k := range keys {
		f, ok := fields[k]
		if !ok {
			continue // unknown keys are reported by the strict decoder
		}
		v, key := raw[k], prefix+k
		def := defaults.FieldByIndex(f.Index)
		if f.Type.Kind() == reflect.Struct {
			sub, ok := v.(map[string]any)
			if !ok {
				errs = append(errs, fmt.Sprintf("%s: expected a section [%s], got %s", key, key, tomlValue(v)))
				continue
			}
			errs = append(errs, checkTypes(sub, f.Type, def, key+".")...)
			continue
		}
		if want, ok := fitsType(v, f.Type); !ok {
			msg := fmt.Sprintf("%s: expected %s", key, want)
			if ex := example(def); ex != "" {
				msg += " like " + ex
			}
			errs = append(errs, msg+", got "+tomlValue(v))
		}
	}
	return errs
}

// fitsType reports whether a decoded TOML value fits a Go field type, and
// names the type it wants.
func fitsType(v any, t reflect.Type) (string, bool) {
	switch t.Kind() {
	case reflect.String:
		_, ok := v.(string)
		return "a string", ok
	case reflect.Bool:
		_, ok := v.(bool)
		return "true or false", ok
	case reflect.Int, reflect.Int64, reflect.Int32:
		_, ok := v.(int64)
		return "a whole number", ok
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return "a list", false
		}
		for _, e := range list {
			if _, ok := fitsType(e, t.Elem()); !ok {
				want, _ := fitsType(nil, t.Elem())
				return "a list of " + strings.TrimPrefix(want, "a ") + "s", false
			}
		}
		return "", true
	}
	return "", true
}

// example renders a default value as the TOML a user would write.
func example(def reflect.Value) string {
	switch def.Kind() {
	case reflect.String:
		if def.String() == "" {
			return ""
		}
		return fmt.Sprintf("%q", def.String())
	case reflect.Int, reflect.Int64, reflect.Int32:
		return fmt.Sprint(def.Int())
	case reflect.Slice:
		if def.Len() == 0 {
			return ""
		}
		parts := make([]string, def.Len())
		for i := range parts {
			parts[i] = example(def.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return ""
}

// tomlValue renders a decoded TOML value briefly, as it was written.
func tomlValue(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return fmt.Sprintf("%q", x)
	case []any:
		return "a list"
	case map[string]any:
		return "a section"
	case time.Time, time.Duration:
		return fmt.Sprintf("%v (write it in quotes)", x)
	}
	return fmt.Sprint(v)
}

// normalizeBaseURL checks base_url and returns it as every IRI uses it:
// lower-case scheme and host, no trailing slash, no default port.
func normalizeBaseURL(raw string) (string, error) {
	const want = "must be like https://art.example.org (scheme and host only)"
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("base_url %q %s", raw, want)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("base_url %q %s: the scheme must be https:// (or http:// on a test network)", raw, want)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("base_url %q %s: it has no host", raw, want)
	case u.User != nil:
		return "", fmt.Errorf("base_url %q must not carry a user name or password", raw)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "", u.Opaque != "":
		return "", fmt.Errorf("base_url %q %s: artbridge serves from the root of its host, without a path or query", raw, want)
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return u.Scheme + "://" + host, nil
}

// isLoopbackListen reports whether a listen address only accepts local
// connections ("127.0.0.1:8080", "[::1]:8080", "localhost:8080").
func isLoopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkListen validates a host:port key.
func checkListen(key, addr, example string) error {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return fmt.Errorf("%s: expected an address like %q, got %q", key, example, addr)
	}
	return nil
}

// checkDuration validates a duration key ("30s", "5m"; days as "7d" where allowed).
func checkDuration(key, v, example string, days bool) error {
	if v == "" {
		return nil
	}
	var err error
	if days {
		_, err = parseDays(key, v)
	} else if d, perr := time.ParseDuration(v); perr != nil || d <= 0 {
		err = perr
		if err == nil {
			err = fmt.Errorf("not positive")
		}
	}
	if err != nil {
		return fmt.Errorf("%s: expected a duration like %q, got %q", key, example, v)
	}
	return nil
}
