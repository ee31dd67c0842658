package app

import (
	"io"
	"strings"

	"camviz/cam"
	"camviz/internal/files"
)

// WriteFileAtomic writes a file through a temporary one beside it, renamed
// into place at the end, so an interrupted or failed write never leaves
// half a file and concurrent writers never mix; the file is readable by
// all (0644), like any export. Every file camviz writes goes through it.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return files.WriteAtomic(path, write)
}

// DescribeFlags says in words what post-processing noticed about a map.
func DescribeFlags(f cam.Flags) string { return DescribeFlagsAt(f, "at this layer") }

// DescribeFlagsAt is DescribeFlags naming where the map was read ("at
// this layer"; a fixed-layer method's own layer).
func DescribeFlagsAt(f cam.Flags, where string) string {
	var s []string
	if f&cam.NonPositive != 0 {
		s = append(s, "nowhere positive: the class gets no positive evidence "+where+", so the normalised map is all zero (pytorch-grad-cam shows the same)")
	}
	if f&cam.Flat != 0 {
		s = append(s, "constant: normalising it leaves nothing to show")
	}
	if f&(cam.HasNaN|cam.HasInf) != 0 {
		s = append(s, "partly NaN or infinite (shown as zero): the model's numbers are broken here")
	}
	if f&cam.BadScale != 0 {
		s = append(s, "without a usable shared scale: no class has positive evidence")
	}
	return strings.Join(s, "; ")
}
