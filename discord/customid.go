package discord

import (
	"errors"
	"fmt"
	"strings"
)

// customIDPrefix marks component custom IDs that belong to artbridge.
const customIDPrefix = "ab:"

// descriptionsModal is the pseudo-action naming the descriptions modal.
const descriptionsModal = "descriptions"

// maxCustomID is Discord's limit on a custom_id.
const maxCustomID = 100

// errForeignCustomID reports a custom_id that is not in artbridge's format.
var errForeignCustomID = errors.New("discord: custom_id is not artbridge's")

// encodeCustomID builds "ab:ACTION:SUBMISSION".
func encodeCustomID(action, submissionID string) (string, error) {
	if submissionID == "" || strings.ContainsAny(submissionID, ":") {
		return "", fmt.Errorf("discord: submission ID %q cannot go in a custom_id", submissionID)
	}
	id := customIDPrefix + action + ":" + submissionID
	if len(id) > maxCustomID {
		return "", fmt.Errorf("discord: custom_id for submission %q is longer than %d bytes", submissionID, maxCustomID)
	}
	return id, nil
}

// parseCustomID splits an artbridge custom_id into its action and submission ID.
// Anything else (another app's format, an unknown action) yields errForeignCustomID.
func parseCustomID(id string) (action, submissionID string, err error) {
	rest, ok := strings.CutPrefix(id, customIDPrefix)
	if !ok || len(id) > maxCustomID {
		return "", "", errForeignCustomID
	}
	action, submissionID, ok = strings.Cut(rest, ":")
	if !ok || submissionID == "" || strings.Contains(submissionID, ":") {
		return "", "", errForeignCustomID
	}
	if action != descriptionsModal && !Action(action).Valid() {
		return "", "", errForeignCustomID
	}
	return action, submissionID, nil
}
