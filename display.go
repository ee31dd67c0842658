package main

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"os"
	"runtime"
	"strings"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// errNoDisplay is the window's refusal on a machine without a screen.
var errNoDisplay = errors.New("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); the subcommands work without one: camviz help")

// checkDisplay makes sure the window can open before Fyne tries: Fyne's
// GLFW driver only logs a failed initialisation and then panics with a
// long trace at the first GLFW call. It runs on the main thread (Fyne's
// init locks main to it); a successful GLFW initialisation is kept, and
// Fyne's own then returns at once.
func checkDisplay() error {
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errNoDisplay
	}
	return initGLFW()
}

// initGLFW initialises GLFW, turning its logged platform error and the
// panic of the call after it into one error.
func initGLFW() (err error) {
	var logged bytes.Buffer
	flags, out := log.Flags(), log.Writer()
	log.SetFlags(0)
	log.SetOutput(&logged)
	defer func() {
		log.SetFlags(flags)
		log.SetOutput(out)
		if r := recover(); r != nil {
			reason := strings.Join(strings.Fields(logged.String()), " ")
			if reason == "" {
				reason = fmt.Sprint(r)
			}
			err = fmt.Errorf("cannot open the window: %s", reason)
		}
	}()
	if err := glfw.Init(); err != nil {
		return fmt.Errorf("cannot open the window: %w", err)
	}
	glfw.GetTime() // panics if the initialisation failed
	return nil
}
