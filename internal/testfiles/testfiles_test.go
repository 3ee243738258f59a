package testfiles

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLines: blank and comment lines are dropped, data lines come back
// untrimmed and in order.
func TestLines(t *testing.T) {
	got := Lines(t, "testdata/lines.txt")
	want := []string{"first line", "\tsecond\tline  ", "third # not a comment"}
	if !slices.Equal(got, want) {
		t.Fatalf("Lines = %q, want %q", got, want)
	}
}

// TestAssembleAll assembles real WAT with wat2wasm: a valid module becomes
// a .wasm file with the WebAssembly magic; an invalid one fails with an
// error naming the file.
func TestAssembleAll(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("add.wat", `(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))`)
	write("notes.txt", "not a module")
	if err := AssembleAll(src, out); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "add.wasm" {
		t.Fatalf("assembled %v, want just add.wasm", entries)
	}
	b, err := os.ReadFile(filepath.Join(out, "add.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "\x00asm\x01\x00\x00\x00") {
		t.Fatalf("add.wasm starts %x, want the WebAssembly magic and version 1", b[:min(len(b), 8)])
	}

	write("broken.wat", "(module (func (result i32)))")
	err = AssembleAll(src, out)
	if err == nil || !strings.Contains(err.Error(), "wat2wasm "+filepath.Join(src, "broken.wat")) {
		t.Fatalf("AssembleAll with a broken module = %v, want an error naming broken.wat", err)
	}
}
