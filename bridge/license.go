package bridge

import (
	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/discord"
)

// allRightsReservedValue is the select value of "all rights reserved" (a
// submission without a license).
const allRightsReservedValue = "all-rights-reserved"

// licenseChoices are the options of the panel's license select: the licenses
// of ap.Licenses, then "all rights reserved".
func licenseChoices() []discord.LicenseChoice {
	out := make([]discord.LicenseChoice, 0, len(ap.Licenses)+1)
	for _, l := range ap.Licenses {
		out = append(out, discord.LicenseChoice{Value: l.URL, Label: l.Name})
	}
	return append(out, discord.LicenseChoice{Value: allRightsReservedValue, Label: ap.AllRightsReserved})
}

// licenseValue is the select value of a submission's license. A default
// license that is not in the list shows no preselected option.
func licenseValue(license string) string {
	if license == "" {
		return allRightsReservedValue
	}
	return license
}

// chooseLicense applies the artist's choice in the license select; it
// refuses (with a message for the artist) a value the select did not offer.
func (f *Flow) chooseLicense(rec *SubmissionRecord, values []string) string {
	if len(values) != 1 {
		return "Pick one license in the list."
	}
	for _, c := range licenseChoices() {
		if c.Value != values[0] {
			continue
		}
		rec.Draft.Submission.License = c.Value
		if c.Value == allRightsReservedValue {
			rec.Draft.Submission.License = ""
		}
		rec.Draft.Notice = "License: " + c.Label + "."
		return ""
	}
	return "That license is not one of the choices; pick one in the list."
}
