package app

import (
	"context"

	"camviz/analysis"
)

// The sanity check of the map on screen, one of the panel's checks
// (session_trust.go runs them).

// RunSanity runs the sanity check for the map on screen, unless it is
// done (or running) already.
func (s *Session) RunSanity() error {
	return runTrust(s, s.sanityLane, &s.sanity, LaneSanity, s.sanityCheck)
}

// CancelSanity stops a running sanity check; nothing is kept of it.
func (s *Session) CancelSanity() { cancelTrust(s, s.sanityLane, &s.sanity, LaneSanity) }

// sanitySeed is the randomised weights' seed, `camviz sanity`'s default.
const sanitySeed = 0

// sanityCheck runs k's cascading randomisation.
func (s *Session) sanityCheck(ctx context.Context, gen uint64, a *analysis.Analysis, k trustKey, layer string) (*analysis.SanityResult, error) {
	return a.Sanity(ctx, k.request(layer), sanitySeed, func(done, total int) {
		trustProgress(s, s.sanityLane, gen, &s.sanity, LaneSanity, Progress{Label: "Sanity check: randomising weights", Done: done, Total: total})
	})
}
