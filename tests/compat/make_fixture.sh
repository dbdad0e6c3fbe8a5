#!/usr/bin/env bash
# Makes tests/compat/v1/: three homes (a relay, a coordinator and a helper)
# written by the waypost binary given as $1, with store format version 1
# (docs/storage.md) and envelope version 1 (docs/protocol.md §3). The
# compatibility test (compat_test.cc) opens copies of them with the current
# code: whatever changes inside the code, a store written by an earlier build
# must still open and its envelopes must still open.
#
# The passphrases below protect nothing: the homes are test data, made only
# for this fixture. It was run once, with the build of commit 880a9a3, from
# the top of the checkout:
#   tests/compat/make_fixture.sh build/cli/waypost
# It speaks that build's command line: later builds take notes, messages and
# invite codes on stdin, never as arguments.
# Its key files were later carried to key-file version 2 (written in place,
# two copies) by upgrade_key_files.py; the databases are as that build wrote
# them.
set -euo pipefail

WAYPOST=$(realpath "$1")
OUT=tests/compat/v1
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
export WAYPOST_PASSPHRASE="compat fixture passphrase"
export NO_COLOR=1
unset WAYPOST_HOME WAYPOST_NEW_PASSPHRASE
DURESS="compat fixture duress passphrase"
R="$OUT/relay" C="$OUT/coord" H="$OUT/helper"

wp() { "$WAYPOST" "$@"; }

date -u +%s >"$OUT/made_at"
wp --home "$R" relay --listen 127.0.0.1:0 --kdf interactive >"$OUT/relay.out" 2>/dev/null &
RELAY_PID=$!
trap 'kill -TERM $RELAY_PID 2>/dev/null || true; wait $RELAY_PID 2>/dev/null || true; rm -f "$OUT/relay.out"' EXIT
for _ in $(seq 1 100); do [[ -s "$OUT/relay.out" ]] && break; sleep 0.1; done
ADDR=$(head -n 1 "$OUT/relay.out")

wp --home "$C" init --name Coord --kdf interactive 2>/dev/null
wp --home "$C" relays add "$ADDR" 2>/dev/null
CODE=$(wp --home "$C" invite --for Amira 2>/dev/null)
wp --home "$H" init --name Amira --kdf interactive 2>/dev/null
wp --home "$H" join "$CODE" 2>/dev/null
wp --home "$H" sync >/dev/null
wp --home "$C" sync >/dev/null
wp --home "$H" sync >/dev/null

# A delivered and confirmed check-in, and a message.
ID=$(wp --home "$H" checkin crossed --note "group of 4 crossed" 2>/dev/null)
wp --home "$H" send --to Coord "leaving at dawn" >/dev/null 2>&1
wp --home "$H" sync >/dev/null
wp --home "$C" sync >/dev/null
wp --home "$C" confirm "$ID" 2>/dev/null
wp --home "$C" sync >/dev/null
wp --home "$H" sync >/dev/null

# Duress: a check-in from the decoy raises an alert at the coordinator.
WAYPOST_NEW_PASSPHRASE="$DURESS" wp --home "$H" duress set 2>/dev/null
WAYPOST_PASSPHRASE="$DURESS" wp --home "$H" checkin ok --note "all well" >/dev/null 2>&1
WAYPOST_PASSPHRASE="$DURESS" wp --home "$H" sync >/dev/null
wp --home "$C" sync >/dev/null

# Left for the current code: a check-in still in the helper's outbox, a
# setting, and an unused invite.
wp --home "$H" checkin arrived --note "at the safe house" >"$OUT/queued_id" 2>/dev/null
wp --home "$C" settings retention 90d 2>/dev/null
wp --home "$C" invite --for Bilal >/dev/null 2>&1

# What the writing build showed, for the test to compare with.
wp --home "$C" --json inbox >"$OUT/coord_inbox.json"
wp --home "$C" --json contacts >"$OUT/coord_contacts.json"
wp --home "$C" --json board >"$OUT/coord_board.json"
wp --home "$H" --json inbox >"$OUT/helper_inbox.json"
wp --home "$H" --json whoami >"$OUT/helper_whoami.json"
echo "$ADDR" >"$OUT/relay_address"
