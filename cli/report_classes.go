package cli

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"camviz/analysis"
)

// classSpec is -classes: the top K, or a list resolved per model.
type classSpec struct {
	top  int
	list []string
	ids  []int
}

var topRE = regexp.MustCompile(`^top(\d+)$`)

func parseClassSpec(s string) (classSpec, error) {
	s = strings.TrimSpace(s)
	if m := topRE.FindStringSubmatch(strings.ToLower(s)); m != nil {
		k, err := strconv.Atoi(m[1])
		if err != nil || k < 1 {
			return classSpec{}, fmt.Errorf("-classes %q: K must be at least 1", s)
		}
		return classSpec{top: k}, nil
	}
	var list []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			list = append(list, p)
		}
	}
	if len(list) == 0 {
		return classSpec{}, fmt.Errorf("-classes %q: want top1, topK or a list of classes", s)
	}
	return classSpec{list: list}, nil
}

// check resolves a list against the model's labels once, up front.
func (c *classSpec) check(m *analysis.Model) error {
	for _, s := range c.list {
		k, err := m.ClassByName(s)
		if err != nil {
			return fmt.Errorf("-classes: %w", err)
		}
		if !slices.Contains(c.ids, k) {
			c.ids = append(c.ids, k)
		}
	}
	return nil
}

func (c classSpec) resolve(a *analysis.Analysis) ([]int, error) {
	if c.top == 0 {
		return c.ids, nil
	}
	var out []int
	for _, p := range a.Top(c.top) {
		out = append(out, p.Class)
	}
	return out, nil
}

func (c classSpec) String() string {
	if c.top > 0 {
		return fmt.Sprintf("top %d class(es)", c.top)
	}
	return fmt.Sprintf("%d class(es)", len(c.list))
}
