#!/usr/bin/env python3
"""Regenerates alice_coldkey_nacl, an encrypted keyfile made with libsodium
itself (not taorun's code), exactly as btwallet's encrypt_keyfile_data does:
crypto_pwhash Argon2i13 with OPSLIMIT_SENSITIVE (8) and MEMLIMIT_SENSITIVE
(512 MiB) over NACL_SALT, then crypto_secretbox_easy, written as
b"$NACL" || nonce || box. The plaintext is the //Alice keyfile btwallet writes
for `--uri Alice` (its JSON key order is a Rust HashMap's, i.e. arbitrary).

Needs only libsodium (Debian: libsodium23). Run from this directory."""
import ctypes
import ctypes.util

PASSWORD = b"taorun fixture password"
NACL_SALT = b"\x13q\x83\xdf\xf1Z\t\xbc\x9c\x90\xb5Q\x879\xe9\xb1"
NONCE = bytes(range(24))  # fixed so the fixture is reproducible
PLAINTEXT = (
    b'{"ss58Address":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",'
    b'"privateKey":"0x33a6f3093f158a7109f679410bef1a0c54168145e0cecb4df006c1c2fffb1f09'
    b'925a225d97aa00682d6a59b95b18780c10d7032336e88f3442b42361f4a66011",'
    b'"accountId":"0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d",'
    b'"publicKey":"0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"}'
)

sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
assert sodium.sodium_init() >= 0
ALG_ARGON2I13 = sodium.crypto_pwhash_alg_argon2i13()
sodium.crypto_pwhash_argon2i_opslimit_sensitive.restype = ctypes.c_size_t
sodium.crypto_pwhash_argon2i_memlimit_sensitive.restype = ctypes.c_size_t
ops = sodium.crypto_pwhash_argon2i_opslimit_sensitive()
mem = sodium.crypto_pwhash_argon2i_memlimit_sensitive()
assert (ops, mem) == (8, 512 * 1024 * 1024), (ops, mem)

key = ctypes.create_string_buffer(32)
rc = sodium.crypto_pwhash(
    key, ctypes.c_ulonglong(32), PASSWORD, ctypes.c_ulonglong(len(PASSWORD)),
    NACL_SALT, ctypes.c_ulonglong(ops), ctypes.c_size_t(mem), ctypes.c_int(ALG_ARGON2I13))
assert rc == 0, "crypto_pwhash failed"

box = ctypes.create_string_buffer(len(PLAINTEXT) + 16)
rc = sodium.crypto_secretbox_easy(box, PLAINTEXT, ctypes.c_ulonglong(len(PLAINTEXT)), NONCE, key)
assert rc == 0, "crypto_secretbox_easy failed"

with open("alice_coldkey_nacl", "wb") as f:
    f.write(b"$NACL" + NONCE + box.raw)
print("argon2i key:", key.raw.hex())
