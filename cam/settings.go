package cam

import (
	"fmt"
	"slices"
	"strings"
)

// Option values as text before a method is chosen, and applying them.

// Settings are option values as text by name, as the command line and the
// window hold them before a method is chosen: "name=value" pairs joined by
// ";" in name order. The encoding is canonical, so settings compare with ==
// (a window's selection holds them).
type Settings string

// Get is the value of name, if set.
func (s Settings) Get(name string) (string, bool) {
	for _, kv := range s.pairs() {
		if kv[0] == name {
			return kv[1], true
		}
	}
	return "", false
}

// With returns s with name set to value; an empty value removes name.
// Names and values may not hold ';' or '=' (no option's do).
func (s Settings) With(name, value string) (Settings, error) {
	if strings.ContainsAny(name+value, ";=") || name == "" {
		return s, fmt.Errorf("option %q = %q: names and values may not hold ';' or '='", name, value)
	}
	var kept [][2]string
	for _, kv := range s.pairs() {
		if kv[0] != name {
			kept = append(kept, kv)
		}
	}
	if value != "" {
		kept = append(kept, [2]string{name, value})
	}
	slices.SortFunc(kept, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	parts := make([]string, len(kept))
	for i, kv := range kept {
		parts[i] = kv[0] + "=" + kv[1]
	}
	return Settings(strings.Join(parts, ";")), nil
}

func (s Settings) pairs() [][2]string {
	if s == "" {
		return nil
	}
	var out [][2]string
	for _, kv := range strings.Split(string(s), ";") {
		k, v, _ := strings.Cut(kv, "=")
		out = append(out, [2]string{k, v})
	}
	return out
}

// Apply sets in p every value of s the method takes (the others belong to
// other methods and are left alone); a value of the wrong kind is an
// error.
func (m Method) Apply(p *Params, s Settings) error {
	for _, kv := range s.pairs() {
		if !m.Takes(kv[0]) {
			continue
		}
		if err := m.Set(p, kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}
