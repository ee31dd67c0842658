package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"camviz/inference/blas"
)

func init() {
	register(command{
		name:  "version",
		usage: "version [-json]",
		help:  "print the build (version, commit, Go), the BLAS and the kernels it runs on this CPU",
		run:   version,
	})
}

type versionInfo struct {
	Version  string    `json:"version"`
	Commit   string    `json:"commit,omitempty"`
	Modified bool      `json:"modified,omitempty"`
	Go       string    `json:"go"`
	Tags     string    `json:"tags,omitempty"`
	OSArch   string    `json:"os_arch"`
	BLAS     blas.Info `json:"blas"`
}

func version(e *env, args []string) error {
	fs := newFlags("version")
	asJSON := fs.Bool("json", false, "one JSON object")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	v := buildInfo()
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	commit := v.Commit
	if commit == "" {
		commit = "unknown commit"
	}
	if v.Modified {
		commit += " (modified)"
	}
	fmt.Fprintf(e.stdout, "camviz %s, %s, %s %s", v.Version, commit, v.Go, v.OSArch)
	if v.Tags != "" {
		fmt.Fprintf(e.stdout, ", tags %s", v.Tags)
	}
	b := v.BLAS
	fmt.Fprintf(e.stdout, "\nBLAS: %s, kernels %s (chosen by %s)\n", b.Library, b.Core, b.CoreSource)
	if b.Config != "" {
		fmt.Fprintf(e.stdout, "      %s\n", b.Config)
	}
	fmt.Fprintf(e.stdout, "CPU:  %s\n", b.CPU)
	if b.CPU.Core != "" {
		fmt.Fprintf(e.stdout, "      best kernels for these features: %s\n", b.CPU.Core)
	}
	for _, s := range []string{b.Note, b.Fallback} {
		if s != "" {
			fmt.Fprintf(e.stdout, "note: %s\n", s)
		}
	}
	return nil
}

func buildInfo() versionInfo {
	v := versionInfo{Version: "(devel)", Go: runtime.Version(), OSArch: runtime.GOOS + "/" + runtime.GOARCH,
		BLAS: blas.Load()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		case "-tags":
			v.Tags = s.Value
		}
	}
	return v
}
