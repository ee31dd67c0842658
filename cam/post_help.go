package cam

import "strings"

// ModeHelp describes every mode for a command line's help: "minmax
// (pytorch-grad-cam), shared (…), raw (signed)".
func ModeHelp() string {
	parts := make([]string, len(modes))
	for i, x := range modes {
		parts[i] = x.Name + " (" + x.Help + ")"
	}
	return strings.Join(parts, ", ")
}
