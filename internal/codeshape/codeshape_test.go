package codeshape

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pending are the files and functions over the limits that another
// branch of this round is splitting (it removes its entries): a name
// here fails the test once it is short enough, so the list only shrinks.
var pending = map[string]string{}

// TestCodeShape: no non-test Go file over MaxFileLines lines, no non-test
// function over MaxFuncLines lines (from its func keyword to its closing
// brace), but for the pending ones.
func TestCodeShape(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if n := fset.Position(f.End()).Line; n > MaxFileLines {
			check(t, seen, rel, "", n, MaxFileLines)
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			if n > MaxFuncLines {
				check(t, seen, rel, fd.Name.Name, n, MaxFuncLines)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, why := range pending {
		if !seen[k] {
			t.Errorf("%s is within the limits now: remove it from pending (%s)", k, why)
		}
	}
}

// check reports file (or its function fn) at n lines over limit, unless
// it is pending.
func check(t *testing.T, seen map[string]bool, file, fn string, n, limit int) {
	t.Helper()
	key, what := file, file
	if fn != "" {
		key, what = file+":"+fn, "function "+fn+" in "+file
	}
	if _, ok := pending[key]; ok {
		seen[key] = true
		return
	}
	t.Errorf("%s is %d lines, over %d: split it by responsibility", what, n, limit)
}
