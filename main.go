// camviz shows why a CNN classifier decided what it did: class activation
// maps for CNN classifiers in ONNX files, in a window or on the command line.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"camviz/cli"
	"camviz/imgio"
	_ "camviz/internal/localefix" // before Fyne's init reads the locale
	"camviz/internal/memroom"
	"camviz/ui"
)

func main() {
	// Under a tight ulimit -v the Go runtime's next thread or the BLAS's
	// buffers would fail with a fatal trace: say so while it is a message.
	if err := memroom.Check("camviz to start", minRoom); err != nil {
		fmt.Fprintf(os.Stderr, "camviz: %s\n", err)
		os.Exit(1)
	}
	if len(os.Args) > 1 && (cli.IsCommand(os.Args[1]) || mistypedCommand(os.Args[1])) {
		os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	opts, err := parseWindowArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "camviz: %s (try camviz help)\n", err)
		os.Exit(2)
	}
	if err := checkDisplay(); err != nil {
		fmt.Fprintf(os.Stderr, "camviz: %s\n", err)
		os.Exit(1)
	}
	if err := ui.Run(opts); err != nil {
		fmt.Fprintf(os.Stderr, "camviz: %s\n", err)
		os.Exit(1)
	}
}

// minRoom is the address space camviz needs beyond what the runtime has
// reserved at start: threads' stacks, the embedded model, one picture.
const minRoom = 128 << 20

// mistypedCommand tells a mistyped subcommand (`camviz predcit …`) from
// the window's IMAGE argument: a word that is no flag, no existing file
// and has no extension of a file the window opens.
func mistypedCommand(arg string) bool {
	if arg == "" || strings.HasPrefix(arg, "-") || strings.ContainsRune(arg, filepath.Separator) || filepath.Ext(arg) != "" {
		return false
	}
	_, err := os.Stat(arg)
	return err != nil
}

// parseWindowArgs reads `camviz [-model M.onnx] [-labels L.txt]
// [-resize crop|whole] [IMAGE]`; flags may follow the image too.
func parseWindowArgs(args []string) (ui.Options, error) {
	var o ui.Options
	fs := flag.NewFlagSet("camviz", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.Model, "model", "", "ONNX model file (default: the last one used, else the embedded model)")
	fs.StringVar(&o.Labels, "labels", "", "class names, one per line")
	fs.StringVar(&o.Resize, "resize", "", "crop (shorter side, centre crop) or whole (default: the model's)")
	pos, err := cli.ParseInterleaved(fs, args)
	if err != nil {
		return o, err
	}
	switch o.Resize {
	case "", imgio.ModeCrop, imgio.ModeWhole:
	default:
		return o, fmt.Errorf("-resize must be %q or %q", imgio.ModeCrop, imgio.ModeWhole)
	}
	if len(pos) > 1 {
		return o, fmt.Errorf("give at most one IMAGE (got %d)", len(pos))
	}
	if len(pos) == 1 {
		o.Image = pos[0]
	}
	o.Smoke = os.Getenv("CAMVIZ_SMOKE") == "1"
	o.SmokeChecks = o.Smoke && os.Getenv("CAMVIZ_SMOKE_CHECKS") == "1"
	return o, nil
}
