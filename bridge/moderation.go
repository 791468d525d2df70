package bridge

import (
	"context"

	"github.com/artbridge/artbridge/ap"
)

// Moderator is the inbound moderation pipeline. (Placeholder being replaced by
// the moderation integration; not committed in this form.)
type Moderator struct{}

// Admit reports whether an actor's activities are accepted.
func (m *Moderator) Admit(ctx context.Context, actorIRI string) (bool, error) { return true, nil }

// Inspect runs a Create or Update through the rules.
func (m *Moderator) Inspect(ctx context.Context, in ap.InboundActivity, doc map[string]any) error {
	return nil
}
