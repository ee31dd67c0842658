// Package cli is camviz's command line: the same binary as the window,
// for scripts. Every failure is one line on stderr and exit status 1.
package cli

import (
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
		fmt.Fprintf(stderr, "camviz: unknown command %q (try camviz help)\n", args[0])
		return 1
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
	fmt.Fprintln(w, "camviz — class activation maps for VGG-family ONNX models")
	fmt.Fprintln(w, "\nUsage:\n  camviz [-model M.onnx] [-labels L.txt] [IMAGE]   open the window")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  camviz %s\n      %s\n", commands[n].usage, commands[n].help)
	}
}

// newFlags makes a flag set that reports errors as values, not on stderr.
func newFlags(c string) *flag.FlagSet {
	fs := flag.NewFlagSet(c, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses flags, allowing them after the positional arguments too
// (`camviz predict img.png -json`).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, fmt.Errorf("flags: %s", flagList(fs))
			}
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func flagList(fs *flag.FlagSet) string {
	var parts []string
	fs.VisitAll(func(f *flag.Flag) { parts = append(parts, "-"+f.Name) })
	return strings.Join(parts, " ")
}
