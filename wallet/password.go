package wallet

import (
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PasswordEnv is taorun's own headless override: its value is the plain
// password, used for every encrypted keyfile that has no BT_PW_ variable.
const PasswordEnv = "TAORUN_WALLET_PASSWORD"

// BTPasswordEnvVar returns the name of btwallet's per-file password variable
// for the keyfile at path: "BT_PW_" and the path with the path separator and
// "." replaced by "_", upper-cased (for example
// BT_PW__HOME_ME__BITTENSOR_WALLETS_MYWALLET_COLDKEY).
func BTPasswordEnvVar(path string) string {
	p := strings.ReplaceAll(path, string(filepath.Separator), "_")
	return "BT_PW_" + strings.ToUpper(strings.ReplaceAll(p, ".", "_"))
}

// EncodeBTPassword returns the value btwallet expects in a BT_PW_ variable:
// base64 of the password XORed, byte by byte, with the variable's name
// (repeated). It is obfuscation, not encryption.
func EncodeBTPassword(envVar, password string) string {
	return base64.StdEncoding.EncodeToString(xorWith([]byte(password), envVar))
}

// DecodeBTPassword inverts EncodeBTPassword.
func DecodeBTPassword(envVar, value string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if err != nil {
		return "", fmt.Errorf("%s is not base64 (its value must be base64(password XOR variable name), not the plain password): %v", envVar, err)
	}
	pw := xorWith(raw, envVar)
	if !utf8.Valid(pw) {
		return "", fmt.Errorf("%s does not decode to a UTF-8 password (its value must be base64(password XOR variable name), not the plain password)", envVar)
	}
	return string(pw), nil
}

func xorWith(data []byte, key string) []byte {
	out := make([]byte, len(data))
	for i, c := range data {
		out[i] = c ^ key[i%len(key)]
	}
	return out
}

// EnvPassword looks for a headless password for the keyfile at path: the
// BT_PW_ variable first (btwallet's), then TAORUN_WALLET_PASSWORD. The bool
// is false when neither is set; an error means a BT_PW_ value is malformed.
func EnvPassword(path string) (string, bool, error) {
	// Empty values count as unset, so `VAR= cmd` disables an exported one.
	name := BTPasswordEnvVar(path)
	if v := os.Getenv(name); v != "" {
		pw, err := DecodeBTPassword(name, v)
		return pw, err == nil, err
	}
	if v := os.Getenv(PasswordEnv); v != "" {
		return v, true, nil
	}
	return "", false, nil
}

// MinPasswordLen and MinPasswordScore are the creation policy, btwallet's
// numbers: at least 6 characters and a strength score of at least 20.
const (
	MinPasswordLen   = 6
	MinPasswordScore = 20
)

// PasswordScore rates a password from 0 to 100. It is taorun's own estimate
// (btwallet uses the Rust "passwords" crate, whose scorer is not reproduced):
// the bits of a brute-force search over the character classes used, counting
// repeated characters at half weight and known weak passwords as zero,
// scaled so that 128 bits score 100.
func PasswordScore(pw string) int {
	if weakPasswords[strings.ToLower(pw)] {
		return 0
	}
	var lower, upper, digit, symbol, other bool
	seen := map[rune]bool{}
	effective := 0.0
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r < 128 && unicode.IsPrint(r):
			symbol = true
		default:
			other = true
		}
		if seen[r] {
			effective += 0.5
		} else {
			effective++
			seen[r] = true
		}
	}
	pool := 0
	for _, c := range []struct {
		used bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {symbol, 33}, {other, 100}} {
		if c.used {
			pool += c.size
		}
	}
	if pool == 0 {
		return 0
	}
	bits := effective * math.Log2(float64(pool))
	return min(100, int(bits*100/128))
}

var weakPasswords = map[string]bool{
	"password": true, "123456": true, "1234567": true, "12345678": true, "123456789": true,
	"qwerty": true, "qwertyuiop": true, "abc123": true, "111111": true, "letmein": true,
	"bittensor": true, "password1": true, "iloveyou": true, "admin123": true,
}

// CheckPassword applies the creation policy and says what is wrong.
func CheckPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen {
		return fmt.Errorf("password has %d characters, need at least %d", n, MinPasswordLen)
	}
	if s := PasswordScore(pw); s < MinPasswordScore {
		return fmt.Errorf("password is too weak (score %d, need %d): make it longer or mix letters, digits and symbols", s, MinPasswordScore)
	}
	return nil
}
