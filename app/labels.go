package app

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
	for i, l := range lines {
		lines[i] = cleanLabel(l)
		if lines[i] == "" {
			return nil, fmt.Errorf("the labels file has an empty line %d", i+1)
		}
	}
	return lines, nil
}

func cleanLabel(l string) string {
	l = strings.TrimSpace(l)
	if len(l) > 10 && l[0] == 'n' && l[9] == ' ' {
		if _, err := strconv.Atoi(l[1:9]); err == nil {
			l = strings.TrimSpace(l[10:])
		}
	}
	return l
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
