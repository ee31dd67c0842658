package analysis

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"camviz/assets"
	"camviz/internal/files"
)

// ReadLabels reads a labels file: one class name per line, in output order.
// Lines like "n01440764 tench, Tinca tinca" (the ONNX zoo's synset.txt)
// keep only the readable name.
func ReadLabels(path string, classes int) ([]string, error) {
	data, err := files.ReadRegular(path, "labels", MaxLabelsBytes)
	if err != nil {
		return nil, err
	}
	return ParseLabels(data, classes)
}

// ParseLabels checks and splits a labels file's contents.
func ParseLabels(data []byte, classes int) ([]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("the labels file is not UTF-8 text")
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) != classes {
		return nil, fmt.Errorf("the labels file has %d lines but the model has %d classes", len(lines), classes)
	}
	ids := make([]string, len(lines))
	for i, l := range lines {
		lines[i], ids[i] = cleanLabel(l)
		if lines[i] == "" {
			return nil, fmt.Errorf("the labels file has an empty line %d", i+1)
		}
	}
	return distinct(lines, ids)
}

// distinct refuses a name given twice, since a class could then not be
// told from another by name; in a synset file (the ONNX zoo's names
// "crane" twice, the bird and the machine) each is told by its WordNet ID
// instead: "crane (n02012849)".
func distinct(names, ids []string) ([]string, error) {
	first := make(map[string]int, len(names))
	for i, n := range names {
		j, dup := first[n]
		if !dup {
			first[n] = i
			continue
		}
		if ids[i] == "" || ids[j] == "" {
			return nil, fmt.Errorf("the labels file names %q twice (lines %d and %d); class names must differ", n, j+1, i+1)
		}
		names[j] = fmt.Sprintf("%s (%s)", n, ids[j])
		names[i] = fmt.Sprintf("%s (%s)", n, ids[i])
	}
	return names, nil
}

// cleanLabel trims a line and splits off a leading WordNet ID
// ("n01440764 tench, Tinca tinca" → "tench, Tinca tinca", "n01440764").
func cleanLabel(l string) (name, wnid string) {
	l = strings.TrimSpace(l)
	if len(l) > 10 && l[0] == 'n' && l[9] == ' ' {
		if _, err := strconv.Atoi(l[1:9]); err == nil {
			return strings.TrimSpace(l[10:]), l[:9]
		}
	}
	return l, ""
}

// defaultLabels names classes when the user gives no labels file: the
// ImageNet names for 1000-class models, "class k" otherwise.
func defaultLabels(classes int) []string {
	if classes == 1000 {
		return assets.ImageNetLabels()
	}
	out := make([]string, classes)
	for i := range out {
		out[i] = "class " + strconv.Itoa(i)
	}
	return out
}

// SearchLabels returns the classes whose label contains every word of
// query (case-insensitive), or whose index is query, in class order.
func SearchLabels(m *Model, query string) []int {
	n := m.Net.NumClasses()
	q := strings.Fields(strings.ToLower(query))
	var out []int
	if len(q) == 1 {
		if k, err := strconv.Atoi(q[0]); err == nil && k >= 0 && k < n {
			out = append(out, k)
		}
	}
	for k := 0; k < n; k++ {
		l := strings.ToLower(m.Label(k))
		ok := true
		for _, w := range q {
			if !strings.Contains(l, w) {
				ok = false
				break
			}
		}
		if ok && (len(out) == 0 || out[0] != k) {
			out = append(out, k)
		}
	}
	return out
}
