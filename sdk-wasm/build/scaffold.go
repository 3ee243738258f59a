package build

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"text/template"
)

// Language is a module's source language.
type Language string

// The languages Scaffold and Build support.
const (
	// Go modules use the Go guest SDK, sdk-wasm/go/tao.
	Go Language = "go"
	// AssemblyScript modules use the AssemblyScript SDK, sdk-wasm/assemblyscript.
	AssemblyScript Language = "assemblyscript"
)

// Languages lists the supported languages, in the order help texts show them.
var Languages = []Language{Go, AssemblyScript}

// ParseLanguage returns the Language named s ("go" or "assemblyscript").
func ParseLanguage(s string) (Language, error) {
	for _, l := range Languages {
		if s == string(l) {
			return l, nil
		}
	}
	return "", fmt.Errorf("unknown language %q: want go or assemblyscript", s)
}

// SDKModulePath is the Go module path of the taorun repository, which
// holds the SDKs.
const SDKModulePath = "github.com/taorun/taorun"

// SDKLink is the name of the symbolic link, in a project directory, to the
// taorun checkout whose SDK the project uses.
const SDKLink = "taorun-sdk"

// nameRE is what CheckName accepts.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// maxNameLen bounds a module name.
const maxNameLen = 64

// CheckName reports whether name is a valid module name: 1 to 64 lowercase
// ASCII letters, digits, '-' or '_', starting with a letter. The name is the
// Go module path or npm package name of the project and the default name of
// its .wasm file, so it must be valid as all three.
func CheckName(name string) error {
	if len(name) > maxNameLen {
		return fmt.Errorf("module name %q is %d characters long, more than %d", name, len(name), maxNameLen)
	}
	if !nameRE.MatchString(name) {
		return fmt.Errorf("module name %q is not valid: use lowercase letters, digits, '-' and '_', starting with a letter", name)
	}
	return nil
}

// sdkInfo is what a taorun checkout's go.mod says.
type sdkInfo struct {
	dir       string // absolute
	goVersion string // the go directive
}

// CheckSDK reports whether dir is the root of a taorun checkout (its go.mod
// declares module SDKModulePath) and returns its absolute path.
func CheckSDK(dir string) (string, error) {
	info, err := readSDK(dir)
	if err != nil {
		return "", err
	}
	return info.dir, nil
}

// readSDK reads the go.mod of the taorun checkout at dir.
func readSDK(dir string) (sdkInfo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return sdkInfo{}, err
	}
	b, err := os.ReadFile(filepath.Join(abs, "go.mod"))
	if err != nil {
		return sdkInfo{}, fmt.Errorf("%s is not a taorun checkout: %w", abs, err)
	}
	info := sdkInfo{dir: abs}
	var module string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "module" {
			module = strings.Trim(f[1], `"`)
		}
		if len(f) == 2 && f[0] == "go" {
			info.goVersion = f[1]
		}
	}
	if module != SDKModulePath {
		return sdkInfo{}, fmt.Errorf("%s is not a taorun checkout: its go.mod declares module %q, not %q", abs, module, SDKModulePath)
	}
	if info.goVersion == "" {
		return sdkInfo{}, fmt.Errorf("%s: go.mod has no go directive", abs)
	}
	return info, nil
}

// FindSDK finds a taorun checkout for a new project: the closest directory
// at or above start that is one, or else the checkout this program was
// built from (known when it was built without -trimpath, as `go build` and
// `go install` in a checkout do).
func FindSDK(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		if sdk, err := CheckSDK(dir); err == nil {
			return sdk, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		// file is <checkout>/sdk-wasm/build/scaffold.go.
		if sdk, err := CheckSDK(filepath.Join(filepath.Dir(file), "..", "..")); err == nil {
			return sdk, nil
		}
	}
	return "", fmt.Errorf("no taorun checkout found at or above %s, nor the one this program was built from: pass the path of one", start)
}

// templates holds one directory of project templates per language. A file
// name.tmpl becomes name in the project ("gitignore.tmpl" becomes
// ".gitignore"); files are text/template templates of a templateData with
// the delimiters [% and %], since Go composite literals contain "{{".
//
//go:embed templates
var templates embed.FS

// templateData is what project templates see.
type templateData struct {
	Name      string // the module name
	GoVersion string // the SDK's go directive
	SDKLink   string // SDKLink
}

// Scaffold creates a new module project called name, in language lang, in
// directory dir, which must not exist or be empty. sdk is the taorun
// checkout the project uses: Scaffold links dir/SDKLink to its absolute
// path (see the package documentation). The project builds with Build as
// it is, and its README.md tells the author the rest. On an error Scaffold
// leaves nothing behind.
func Scaffold(dir, name string, lang Language, sdk string) (err error) {
	if err := CheckName(name); err != nil {
		return err
	}
	if _, err := ParseLanguage(string(lang)); err != nil {
		return err
	}
	info, err := readSDK(sdk)
	if err != nil {
		return err
	}
	files, err := renderTemplates(lang, templateData{Name: name, GoVersion: info.goVersion, SDKLink: SDKLink})
	if err != nil {
		return err
	}
	created, err := makeEmptyDir(dir)
	if err != nil {
		return err
	}
	var written []string
	defer func() {
		if err == nil {
			return
		}
		if created {
			os.RemoveAll(dir)
			return
		}
		for i := len(written) - 1; i >= 0; i-- {
			os.Remove(written[i])
		}
	}()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.name))
		if sub := filepath.Dir(p); sub != filepath.Clean(dir) {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return err
			}
			written = append(written, sub)
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return err
		}
		written = append(written, p)
	}
	link := filepath.Join(dir, SDKLink)
	if err := os.Symlink(info.dir, link); err != nil {
		return fmt.Errorf("linking the SDK: %w", err)
	}
	written = append(written, link)
	return nil
}

// makeEmptyDir creates dir, or accepts it if it is an empty directory, and
// says whether it created it.
func makeEmptyDir(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0:
		return false, fmt.Errorf("%s already exists and is not empty: choose another directory", dir)
	case err == nil:
		return false, nil
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, err
		}
		return true, nil
	default:
		return false, fmt.Errorf("%s already exists and is not a usable directory: %w", dir, err)
	}
}

// projectFile is one rendered template.
type projectFile struct {
	name string // slash-separated, relative to the project
	data []byte
}

// renderTemplates renders the templates of lang, sorted by name.
func renderTemplates(lang Language, data templateData) ([]projectFile, error) {
	root := path.Join("templates", string(lang))
	var files []projectFile
	err := fs.WalkDir(templates, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := templates.ReadFile(p)
		if err != nil {
			return err
		}
		t, err := template.New(p).Delims("[%", "%]").Option("missingkey=error").Parse(string(src))
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".tmpl")
		if base := path.Base(name); base == "gitignore" {
			name = path.Join(path.Dir(name), ".gitignore")
		}
		files = append(files, projectFile{name: name, data: b.Bytes()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("templates for %s: %w", lang, err)
	}
	return files, nil
}
