package analysis

import (
	"strings"
	"testing"
)

func TestParseLabels(t *testing.T) {
	for _, c := range []struct {
		name, data string
		classes    int
		want       []string
		err        string
	}{
		{"plain", "cat\ndog\n", 2, []string{"cat", "dog"}, ""},
		{"crlf and bom", "\xef\xbb\xbfcat\r\ndog", 2, []string{"cat", "dog"}, ""},
		{"zoo synset", "n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\n", 2, []string{"tench, Tinca tinca", "goldfish, Carassius auratus"}, ""},
		{"too few", "cat\n", 2, nil, "has 1 lines but the model has 2 classes"},
		{"too many", "a\nb\nc\n", 2, nil, "has 3 lines"},
		{"latin-1", "caf\xe9\ndog\n", 2, nil, "not UTF-8"},
		{"empty line", "cat\n\ndog\n", 3, nil, "empty line 2"},
		{"duplicate", "cat\ndog\nbird\n dog\n", 4, nil, `names "dog" twice (lines 2 and 4)`},
		{"zoo synset duplicate", "n02012849 crane\nn01440764 tench\nn03126707 crane\n", 3, []string{"crane (n02012849)", "tench", "crane (n03126707)"}, ""},
		{"synset and plain duplicate", "n02012849 crane\ncrane\n", 2, nil, `names "crane" twice (lines 1 and 2)`},
	} {
		got, err := ParseLabels([]byte(c.data), c.classes)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: got %v, want error %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: got %q, %v", c.name, got, err)
		}
	}
}

func TestClassByName(t *testing.T) {
	m := &Model{Labels: []string{"tabby", "tiger cat", "Persian cat", "dog"}}
	m.Net = goldenAnalysis(t).Model.Net // 10 classes; labels only cover 4 here
	for _, c := range []struct {
		in   string
		want int
		err  string
	}{
		{"2", 2, ""}, {"tabby", 0, ""}, {"DOG", 3, ""}, {"persian", 2, ""},
		{"cat", 0, "matches 2 classes"}, {"horse", 0, "no class is called"}, {"10", 0, "class 10 is out of range: the model has 10 classes (0–9)"},
		{"99999999999999999999", 0, "class 99999999999999999999 is out of range"}, {"-1", 0, "class -1 is out of range"}, {" 3 ", 3, ""},
	} {
		got, err := m.ClassByName(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: got %d, %v; want error %q", c.in, got, err, c.err)
			}
		} else if err != nil || got != c.want {
			t.Errorf("%q: got %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}
