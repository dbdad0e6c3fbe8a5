#!/usr/bin/env python3
"""Upgrades the key files of tests/compat/v1/ from key-file version 1 to 2.

Version 2 (docs/storage.md section 2) keeps version 1's 332-byte record,
with the version field set to 2 and a BLAKE2b-256 checksum of the record
appended, and holds two copies of it, at offsets 0 and 4096 of an
8192-byte file. The slots are untouched, so the fixture's passphrases open
them as before. Nothing had been released when the format changed, so the
product carries no upgrade code; this script was run once, from the top of
the checkout, to carry the fixture across:
    python3 tests/compat/upgrade_key_files.py
"""
import hashlib
import pathlib

HERE = pathlib.Path(__file__).resolve().parent / "v1"
for home in ("coord", "helper", "relay"):
    path = HERE / home / "waypost.key"
    old = path.read_bytes()
    assert len(old) == 332 and old[:8] == b"WAYPOSTK" and old[8:10] == b"\x00\x01", path
    record = old[:8] + b"\x00\x02" + old[10:]
    record += hashlib.blake2b(record, digest_size=32).digest()
    image = bytearray(8192)
    image[0:364] = record
    image[4096:4096 + 364] = record
    with open(path, "r+b") as f:
        f.write(image)
    print(f"{path}: version 2")
