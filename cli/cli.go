// Package cli is camviz's command line: the same binary as the window,
// for scripts. Every failure is one line on stderr and exit status 1.
package cli

import (
	"camviz/analysis"
	"camviz/inference/blas"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

type command struct {
	name, usage, help string
	run               func(env *env, args []string) error
}

// env is what a command writes to.
type env struct {
	stdout, stderr io.Writer
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// IsCommand reports whether the first argument names a subcommand (so
// main can tell `camviz predict …` from `camviz photo.jpg`).
func IsCommand(s string) bool {
	_, ok := commands[s]
	return ok || s == "help" || s == "-h" || s == "--help"
}

// Run executes one subcommand and returns the process exit status.
func Run(args []string, stdout, stderr io.Writer) (status int) {
	e := &env{stdout: stdout, stderr: stderr}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "camviz: internal error: %v\n", r)
			status = 1
		}
	}()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "camviz: unknown command %q; commands: %s\n", args[0], strings.Join(append(names(), "help"), ", "))
		return 1
	}
	if b := blas.Load(); b.Fallback != "" && c.name != "version" {
		fmt.Fprintf(stderr, "camviz: note: OpenBLAS is not used (%s); products run in pure Go, slower\n", b.Fallback)
	}
	if err := c.run(e, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "camviz %s: %s\n", c.name, oneLine(err.Error()))
		return 1
	}
	return 0
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "camviz — class activation maps for CNN classifiers in ONNX files")
	fmt.Fprintln(w, "\nUsage:\n  camviz [-model M.onnx] [-labels L.txt] [IMAGE]   open the window")
	for _, n := range names() {
		fmt.Fprintf(w, "  camviz %s\n      %s\n", commands[n].usage, commands[n].help)
	}
}

// names lists the subcommands in order.
func names() []string {
	out := make([]string, 0, len(commands))
	for n := range commands {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// newFlags makes a flag set that reports errors as values, not on stderr.
func newFlags(c string) *flag.FlagSet {
	fs := flag.NewFlagSet(c, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses flags, allowing them after the positional arguments too
// (`camviz predict img.png -json`); after `--` every argument is
// positional (`camviz predict -- -a.png -b.png`).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	return ParseInterleaved(fs, args)
}

// parseOne parses args and returns the one INPUT they must name.
func parseOne(fs *flag.FlagSet, args []string) (string, error) {
	inputs, err := parse(fs, args)
	if err != nil {
		return "", err
	}
	if len(inputs) != 1 {
		return "", fmt.Errorf("give exactly one INPUT (got %d)", len(inputs))
	}
	return inputs[0], nil
}

// analyze reads path as m's input (resized by mode) and runs m on it.
func analyze(ctx context.Context, m *analysis.Model, path, mode string) (*analysis.Analysis, error) {
	in, err := m.OpenInput(path, mode)
	if err != nil {
		return nil, err
	}
	return m.Analyze(ctx, in)
}

// ParseInterleaved parses fs's flags anywhere among args and returns the
// positional arguments in order; `--` ends the flags, so every argument
// after it is positional even if it starts with "-".
func ParseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, fmt.Errorf("flags: %s", flagList(fs))
			}
			return nil, err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func flagList(fs *flag.FlagSet) string {
	var parts []string
	fs.VisitAll(func(f *flag.Flag) { parts = append(parts, "-"+f.Name) })
	return strings.Join(parts, " ")
}
