package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets the tests run this binary as camviz itself: with
// CAMVIZ_AS_MAIN set, the arguments after "--" go to main.
func TestMain(m *testing.M) {
	if os.Getenv("CAMVIZ_AS_MAIN") == "1" {
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{"camviz"}, os.Args[i+1:]...)
				break
			}
		}
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// camviz runs main in a child process with env added to a copy of the
// environment without DISPLAY and WAYLAND_DISPLAY.
func camviz(t *testing.T, env []string, args ...string) (stderr string, status int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "CAMVIZ_AS_MAIN=1", "XDG_CONFIG_HOME="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		status = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("%v: stdout %q", args, out.String())
	}
	return errb.String(), status
}

// TestNoDisplayAndMistypedCommands: without a screen the window says so in
// one line and exits 1; a mistyped subcommand lists the real ones; an
// image path or flags still mean the window.
func TestNoDisplayAndMistypedCommands(t *testing.T) {
	const photo = "testdata/images/chelsea.png"
	const model = "testdata/golden/tinyvgg16/model.onnx"
	// The list grows with the subcommands; these are there from the start.
	unknown := `camviz: unknown command "predcit"; commands: bench, cam, `
	noDisplay := "camviz: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); the subcommands work without one: camviz help"
	cases := []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"predcit", photo}, unknown},
		{nil, []string{"predcit"}, unknown},
		{nil, nil, noDisplay},
		{nil, []string{photo}, noDisplay},
		{nil, []string{"-model", model, photo}, noDisplay},
		{nil, []string{"missing.png"}, noDisplay}, // the window reports the missing file
		{[]string{"DISPLAY=:9876"}, []string{photo}, "camviz: cannot open the window: PlatformError: X11: Failed to open display :9876"},
	}
	for _, c := range cases {
		stderr, st := camviz(t, c.env, c.args...)
		ok := stderr == c.want+"\n"
		if c.want == unknown {
			ok = strings.HasPrefix(stderr, unknown) && strings.Contains(stderr, ", predict, report") &&
				strings.HasSuffix(stderr, ", help\n") && strings.Count(stderr, "\n") == 1
		}
		if st != 1 || !ok {
			t.Errorf("%v %v: status %d, stderr %q\nwant %q", c.env, c.args, st, stderr, c.want)
		}
	}
}

func TestMistypedCommand(t *testing.T) {
	for arg, want := range map[string]bool{
		"predcit": true, "reprot": true, "-model": false, "photo.jpg": false, "x.npy": false,
		"a/b": false, "scripts": false, "": false, // scripts: an existing entry without an extension
	} {
		if got := mistypedCommand(arg); got != want {
			t.Errorf("mistypedCommand(%q) = %v, want %v", arg, got, want)
		}
	}
}

// TestDoubleDashProtectsEveryArgument: after `--` nothing is a flag.
func TestDoubleDashProtectsEveryArgument(t *testing.T) {
	o, err := parseWindowArgs([]string{"-resize", "crop", "--", "-x.png"})
	if err != nil || o.Image != "-x.png" || o.Resize != "crop" {
		t.Fatalf("%+v, %v", o, err)
	}
	if _, err := parseWindowArgs([]string{"--", "-a.png", "-b.png"}); err == nil || !strings.Contains(err.Error(), "at most one IMAGE (got 2)") {
		t.Fatalf("two images after --: %v", err)
	}
}
