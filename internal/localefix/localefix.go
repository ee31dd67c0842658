// Package localefix turns the POSIX "C" locale into one Fyne can parse.
//
// Fyne's lang package reads the locale in its init and logs "Error
// parsing user locale C" to stderr when LANG/LC_ALL is C or POSIX, which is
// what CI machines, containers and ssh sessions usually have. camviz's
// command line promises one line on stderr per failure and nothing else,
// so this package, imported first by main, maps those values to plain
// English before Fyne looks. Go initialises packages in import-path order
// once their imports are ready, and "camviz/..." sorts before "fyne.io/...".
package localefix

import (
	"os"
	"strings"
)

func init() {
	for _, key := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v, ok := os.LookupEnv(key); ok && posix(v) {
			os.Setenv(key, "en_US.UTF-8")
		}
	}
}

func posix(v string) bool {
	return v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.")
}
