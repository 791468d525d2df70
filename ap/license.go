package ap

import (
	"fmt"
	"net/url"
	"strings"
)

// License is a license an artist can give a post: its canonical URL and its
// short name. A post without a license is "all rights reserved".
type License struct {
	URL  string
	Name string
}

// Licenses are the licenses offered to artists: the Creative Commons 4.0 set
// and CC0. The Discord panel offers these, plus "all rights reserved".
var Licenses = []License{
	{"https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0"},
	{"https://creativecommons.org/licenses/by-sa/4.0/", "CC BY-SA 4.0"},
	{"https://creativecommons.org/licenses/by-nd/4.0/", "CC BY-ND 4.0"},
	{"https://creativecommons.org/licenses/by-nc/4.0/", "CC BY-NC 4.0"},
	{"https://creativecommons.org/licenses/by-nc-sa/4.0/", "CC BY-NC-SA 4.0"},
	{"https://creativecommons.org/licenses/by-nc-nd/4.0/", "CC BY-NC-ND 4.0"},
	{"https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0 (public domain)"},
}

// AllRightsReserved is the name shown for a post without a license.
const AllRightsReserved = "All rights reserved"

// MaxLicenseURL is the longest license URL accepted.
const MaxLicenseURL = 512

// LicenseName is the short name of a license URL: the known name, else the
// URL's host and path, else AllRightsReserved for "".
func LicenseName(u string) string {
	if u == "" {
		return AllRightsReserved
	}
	norm := normalizeLicenseURL(u)
	for _, l := range Licenses {
		if normalizeLicenseURL(l.URL) == norm {
			return l.Name
		}
	}
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host + strings.TrimSuffix(p.Path, "/")
	}
	return u
}

func normalizeLicenseURL(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(u), "https://"), "http://")
	return strings.TrimSuffix(u, "/")
}

// CheckLicenseURL refuses what cannot be a license link: it must be an
// absolute http(s) URL of at most MaxLicenseURL bytes, without spaces.
func CheckLicenseURL(u string) error {
	if u == "" {
		return nil
	}
	if len(u) > MaxLicenseURL {
		return fmt.Errorf("a license link is at most %d characters", MaxLicenseURL)
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || strings.ContainsAny(u, " \t\r\n<>\"") {
		return fmt.Errorf("the license %q is not a web link (like https://creativecommons.org/licenses/by/4.0/)", u)
	}
	return nil
}
