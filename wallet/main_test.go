package wallet

import (
	"os"
	"strings"
	"testing"
)

// TestMain lowers the Argon2i cost for the round-trip tests (the libsodium
// fixture test passes the real cost explicitly) and clears the environment
// variables the package reads, so the developer's own wallet settings cannot
// leak into the tests.
func TestMain(m *testing.M) {
	argonParams = argonCost{time: 1, memoryKiB: 64}
	for _, e := range os.Environ() {
		if name, _, _ := strings.Cut(e, "="); strings.HasPrefix(name, "BT_PW_") {
			os.Unsetenv(name)
		}
	}
	for _, name := range []string{EnvPath, EnvName, EnvHotkey, PasswordEnv} {
		os.Unsetenv(name)
	}
	os.Exit(m.Run())
}
