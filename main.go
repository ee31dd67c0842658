// camviz shows why a CNN classifier decided what it did: class activation
// maps for VGG-family ONNX models, in a window or on the command line.
package main

import (
	"os"

	"camviz/cli"
)

func main() {
	if len(os.Args) > 1 && cli.IsCommand(os.Args[1]) {
		os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(cli.Run([]string{"help"}, os.Stdout, os.Stderr))
}
