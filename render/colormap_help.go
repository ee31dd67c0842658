package render

import "strings"

// ColormapNames lists the registry's names, in menu order, for help texts.
func ColormapNames() string {
	names := make([]string, len(colormaps))
	for i, c := range colormaps {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}
