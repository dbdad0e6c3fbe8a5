#!/usr/bin/env python3
"""The paths without a network (docs/protocol.md §7-§9), through the real
`waypost` binary, beside Debian's NNCP in the same run. Run by scripts/bench
(`make bench`); standard library only. Everything runs in a temporary
directory; nothing listens and nothing dials (the coordinator's relay
address, which invites must carry, is never used).

Usage: bench/offline_vs_nncp.py [--waypost PATH] [--import-bench PATH]
                                [--envelopes N] [--skip-nncp]

A coordinator and a helper (`--kdf interactive`, the passphrase in
WAYPOST_PASSPHRASE) enroll through bundles: the helper's join request and
the coordinator's welcome each go by `bundle export` and `bundle import`.

1. Armored text: what `checkin ok --armor` prints (stdout, the newline
   dropped) for notes of 0, 10, 20, 29 and 30 bytes; `armor ID` on the
   coordinator for the delivery receipt of the first; `confirm ID --armor`
   without a note and with notes of 10, 11 and 12 bytes. Characters, and SMS
   in the GSM 7-bit alphabet: 160 characters for one, 153 per part once
   concatenated. Every text is taken in on the other side with `unarmor`
   (it must be accepted), so each figure is of a text that works.
2. Bundle bytes per envelope: the helper queues 100 coded check-ins (no
   note) and `bundle export --since` writes the first 1, 10 and 100 of
   them; the coordinator imports the 100 (all must be accepted). NNCP: two
   nodes from `nncp-cfgnew`; the helper's `nncp-file` sends 1, 10 and 100
   payloads of 30 bytes (a check-in body is 22 bytes of protobuf, its
   envelope 117 bytes), then `nncp-bundle -tx` (a tar stream, NNCP's file
   for sneakernet) and `nncp-xfer -mkdir -keep` (one file per packet in a
   directory tree) write them out. Bytes: the bundle's length; for
   nncp-xfer the files' lengths, and the blocks this file system allocates
   for them. The coordinator's `nncp-bundle -rx` and `nncp-toss` must yield
   all 100 files. Then 10 messages of 100 bytes each way (`waypost send`,
   `nncp-file`), the payload of the issue's NNCP figure (a 580-byte packet).
3. A 10,000-envelope bundle (--envelopes; 0 skips this part): bench/offline_import.cc (the
   waypost_offline_import program) builds it from real sealed check-ins
   with the core API, times a coordinator's and a mule's import in process,
   and leaves a copy of the coordinator's home from before its import; then
   `waypost bundle import --json` takes the same bundle into that copy,
   timed as a whole process (Argon2id unlock and news output included).
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in bench/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sync_vs_nncp import nncp_keys  # noqa: E402  (the same NNCP set-up)

# A throwaway bench store; bench/offline_import.cc uses the same one.
PASSPHRASE = "waypost bench passphrase, not a secret"
# Invites must carry a relay; nothing dials this one.
RELAY = "wpr1:" + "ab" * 32 + "@127.0.0.1:9"
SMS_SINGLE, SMS_PART = 160, 153
BUCKETS = (117, 256, 1024, 4096, 16384)  # docs/protocol.md §3.1
NNCP_PAYLOAD = 30


def log(msg=""):
    print(msg, flush=True)


def fail(msg):
    raise SystemExit(f"offline_vs_nncp: error: {msg}")


def sms(chars):
    return 1 if chars <= SMS_SINGLE else math.ceil(chars / SMS_PART)


def envelope_size(armored):
    """The envelope's bytes, from its armored length (unpadded base64url)."""
    return (len(armored) - len("wp1:")) * 6 // 8


def note_of(n, ch="n"):
    return ch * n


class Waypost:
    def __init__(self, binary):
        self.binary = binary
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("WAYPOST_") and k != "XDG_DATA_HOME"}
        self.env.update(WAYPOST_PASSPHRASE=PASSPHRASE, NO_COLOR="1")

    def run(self, home, *args, stdin=""):
        # stdin is never the terminal, so that nothing prompts.
        r = subprocess.run([self.binary, "--home", home, *args], input=stdin,
                           capture_output=True, text=True, env=self.env)
        if r.returncode != 0:
            fail(f"waypost --home {home} {' '.join(args)}: exit {r.returncode}: "
                 f"{r.stderr.strip().splitlines()[-1:] or ''}")
        return r.stdout

    def json(self, home, *args, stdin=""):
        return json.loads(self.run(home, "--json", *args, stdin=stdin))

    def armored(self, home, *args, note=None):
        """One `... --armor` command's stdout: exactly one line of armored text."""
        out = self.run(home, *args, "--armor", *(["--note", "-"] if note else []), stdin=note or "")
        lines = out.splitlines()
        if len(lines) != 1 or not re.fullmatch(r"wp1:[A-Za-z0-9_-]+", lines[0]):
            fail(f"{' '.join(args)} --armor printed more than one armored line: {out!r}")
        return lines[0]

    def unarmor(self, home, text):
        d = self.json(home, "unarmor", stdin=text + "\n")
        if d["accepted"] != 1:
            fail(f"unarmor at {home} did not take the text in: {d}")

    def bundle(self, src, dst, path):
        self.run(src, "bundle", "export", path)
        d = self.json(dst, "bundle", "import", path)
        os.unlink(path)
        return d


def enroll(wp, work):
    coord, helper = os.path.join(work, "coord"), os.path.join(work, "helper")
    wp.run(coord, "init", "--name", "Coord", "--kdf", "interactive")
    wp.run(coord, "relays", "add", RELAY)
    wp.run(helper, "init", "--name", "Helper", "--kdf", "interactive")
    invite = wp.run(coord, "invite", "--for", "Helper").strip()
    wp.run(helper, "join", stdin=invite + "\n")
    wp.bundle(helper, coord, os.path.join(work, "join.wpb"))
    wp.bundle(coord, helper, os.path.join(work, "welcome.wpb"))
    if [c["state"] for c in wp.json(helper, "contacts")] != ["active"]:
        fail("enrollment through bundles did not complete")
    return coord, helper


# ---------------------------------------------------------------------------
# 1. Armored text

def bench_armor(wp, coord, helper):
    rows = []
    for n in (0, 10, 20, 29, 30):
        text = wp.armored(helper, "checkin", "ok", note=note_of(n) if n else None)
        wp.unarmor(coord, text)
        rows.append((f"check-in, note of {n} B", text))
    received = {m["text"]: m["id"] for m in wp.json(coord, "inbox")
                if m["direction"] == "in" and m["kind"] == "checkin"}
    first = received[""]
    # The newest reply to the check-in in the coordinator's outbox: its
    # delivery receipt, queued when the text was taken in.
    text = wp.run(coord, "armor", first).strip()
    wp.unarmor(helper, text)
    rows.append(("delivery receipt", text))
    for n, checkin in ((0, ""), (10, note_of(10)), (11, note_of(20)), (12, note_of(29))):
        text = wp.armored(coord, "confirm", received[checkin], note=note_of(n, "m") if n else None)
        wp.unarmor(helper, text)
        rows.append((f"confirmation, note of {n} B", text))
    log(f"{'what':30} {'envelope B':>10} {'characters':>10} {'SMS':>4}")
    for what, text in rows:
        log(f"{what:30} {envelope_size(text):10} {len(text):10} {sms(len(text)):4}")
    log(f"SMS: GSM 7-bit, {SMS_SINGLE} characters in one, {SMS_PART} per part when concatenated; "
        "each text was taken in with `unarmor` on the other side.")
    return rows


# ---------------------------------------------------------------------------
# 2. Bundle bytes per envelope

def bench_waypost_bundles(wp, work, coord, helper, counts):
    # `--since` keeps only this part's check-ins: the helper's join request
    # (which leaves only once a relay took it) and part 1's envelopes are
    # older by at least 2 s.
    time.sleep(2.1)
    start = int(time.time())
    res, queued = [], 0
    t0 = time.perf_counter()
    for n in counts:
        for _ in range(n - queued):
            wp.run(helper, "checkin", "ok")
        queued = n
        path = os.path.join(work, f"wp{n}.wpb")
        back = int(time.time()) - start + 1
        d = wp.json(helper, "bundle", "export", "--since", f"{back}s", path)
        if d["envelopes"] != n or d["bytes"] != os.path.getsize(path):
            fail(f"bundle export --since {back}s wrote {d}, expected {n} envelopes")
        res.append((n, d["bytes"]))
    queue_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    d = wp.json(coord, "bundle", "import", path)
    import_s = time.perf_counter() - t0
    if d["accepted"] != counts[-1] or d["bad"] or d["carried"]:
        fail(f"the coordinator's import of {counts[-1]}: {d}")
    log(f"   Waypost: {counts[-1]} check-ins queued and exported in {queue_s:.1f} s; "
        f"`bundle import` of {counts[-1]} at the coordinator {import_s:.2f} s, all accepted")
    return res


def bench_waypost_texts(wp, work, coord, helper, n):
    time.sleep(2.1)
    start = int(time.time())
    for i in range(n):
        wp.run(helper, "send", "--to", "Coord", stdin=(f"message {i:03d} " + "x" * 100)[:100] + "\n")
    path = os.path.join(work, "texts.wpb")
    d = wp.json(helper, "bundle", "export", "--since", f"{int(time.time()) - start + 1}s", path)
    if d["envelopes"] != n:
        fail(f"bundle export of {n} texts wrote {d}")
    return d["bytes"]


class Nncp:
    """Two NNCP nodes, helper and coordinator, neighbours of each other."""

    def __init__(self, work):
        self.work = work
        self.keys = {n: nncp_keys(subprocess.run(["nncp-cfgnew", "-nocomments"],
                                                 capture_output=True, text=True,
                                                 check=True).stdout)
                     for n in ("helper", "coord")}
        pub = lambda n: {k: self.keys[n][k] for k in ("id", "exchpub", "signpub", "noisepub")}
        self.incoming = os.path.join(work, "coord-incoming")
        os.makedirs(self.incoming)
        self.cfg = {}
        for n, other in (("helper", "coord"), ("coord", "helper")):
            home = os.path.join(work, n)
            os.makedirs(os.path.join(home, "spool"))
            extra = {"incoming": self.incoming} if n == "coord" else {}
            cfg = {"spool": os.path.join(home, "spool"), "log": os.path.join(home, "log"),
                   "self": self.keys[n], "neigh": {"self": pub(n), other: {**pub(other), **extra}}}
            self.cfg[n] = os.path.join(home, "nncp.hjson")
            with open(self.cfg[n], "w") as f:
                json.dump(cfg, f)  # JSON is Hjson

    def cmd(self, node, prog, *args, stdin=None, stdout=subprocess.PIPE):
        r = subprocess.run([prog, "-cfg", self.cfg[node], "-quiet", "-noprogress", *args],
                           input=stdin, stdout=stdout, stderr=subprocess.PIPE)
        if r.returncode != 0:
            fail(f"{prog} ({node}) {' '.join(args)}: exit {r.returncode}: "
                 f"{r.stderr.decode(errors='replace').strip()}")
        return r.stdout

    def send(self, payload, name):
        self.cmd("helper", "nncp-file", "-", f"coord:{name}", stdin=payload)

    def tx_packets(self):
        tx = os.path.join(self.work, "helper", "spool", self.keys["coord"]["id"], "tx")
        return [os.path.getsize(os.path.join(tx, f)) for f in os.listdir(tx)
                if re.fullmatch(r"[A-Z2-7]{52}", f)]

    def bundle(self, path, delete=False):
        with open(path, "wb") as f:
            self.cmd("helper", "nncp-bundle", *(["-delete"] if delete else []), "-tx", "coord",
                     stdout=f)
        return os.path.getsize(path)

    def xfer(self, dirname):
        """nncp-xfer's files: (their bytes, the bytes allocated for them)."""
        os.makedirs(dirname)
        self.cmd("helper", "nncp-xfer", "-mkdir", "-keep", dirname)
        size = alloc = 0
        for root, _, files in os.walk(dirname):
            for f in files:
                st = os.stat(os.path.join(root, f))
                size += st.st_size
                alloc += st.st_blocks * 512
        return size, alloc

    def receive(self, path):
        """The coordinator's side of a bundle: the files it yields."""
        with open(path, "rb") as f:
            self.cmd("coord", "nncp-bundle", "-rx", "-delete", stdin=f.read())
        self.cmd("coord", "nncp-toss")
        return sorted(os.listdir(self.incoming))


def bench_nncp(work, counts):
    nn = Nncp(work)
    res, sent = [], 0
    for n in counts:
        for i in range(sent, n):
            nn.send(f"checkin {i:05d} ok ".encode().ljust(NNCP_PAYLOAD, b"."), f"c{i:05d}")
        sent = n
        packets = nn.tx_packets()
        if len(packets) != n:
            fail(f"NNCP's spool holds {len(packets)} packets, not {n}")
        b = nn.bundle(os.path.join(work, f"nncp{n}.tar"))
        x = nn.xfer(os.path.join(work, f"xfer{n}"))
        res.append((n, b, x, sorted(set(packets))))
    got = nn.receive(os.path.join(work, f"nncp{counts[-1]}.tar"))
    if got != [f"c{i:05d}" for i in range(counts[-1])]:
        fail(f"the coordinator's nncp-toss yielded {len(got)} files, not {counts[-1]}")
    # The figure: 100-byte payloads (NNCP's packet is then 580 B).
    nn.bundle(os.path.join(work, "drain.tar"), delete=True)
    for i in range(10):
        nn.send((f"message {i:03d} " + "x" * 100)[:100].encode(), f"m{i:03d}")
    texts = (nn.bundle(os.path.join(work, "texts.tar")), sorted(set(nn.tx_packets())))
    return res, texts


def report_bundles(wps, nns, wp_texts, nn_texts, text_n):
    head = f"{'envelopes':>9} {'Waypost B':>10} {'B/env':>7}"
    if nns:
        head += (f" {'NNCP bundle B':>14} {'B/pkt':>7} {'xfer files B':>13} {'B/pkt':>6}"
                 f" {'xfer on disk':>13} {'B/pkt':>6}")
    log(head)
    for i, (n, wb) in enumerate(wps):
        line = f"{n:9} {wb:10,} {wb / n:7.1f}"
        if nns:
            _, nb, (xs, xa), _ = nns[i]
            line += f" {nb:14,} {nb / n:7.1f} {xs:13,} {xs / n:6.0f} {xa:13,} {xa / n:6.0f}"
        log(line)
    log("Waypost: a check-in with no note, a 117-byte envelope (a 130-byte record); the file is")
    log("  padded to its Padmé size, never below 1 KiB.")
    if not nns:
        log(f"{text_n} messages of 100 bytes: Waypost {wp_texts:,} B ({wp_texts / text_n:.1f} "
            "B/envelope, 256-byte envelopes). NNCP skipped.")
        return
    pkt = nns[-1][3]
    log(f"NNCP: {NNCP_PAYLOAD}-byte payloads by nncp-file, packets of {'/'.join(map(str, pkt))} B; "
        "nncp-bundle: a tar stream (512-byte header per packet and per directory entry,")
    log("  data in 512-byte blocks); nncp-xfer: one file per packet, on disk as this file system "
        "allocates it.")
    wb, nb = wps[-1][1] / wps[-1][0], nns[-1][1] / nns[-1][0]
    log(f"bytes per envelope at {wps[-1][0]}: NNCP's bundle / Waypost's bundle = {nb / wb:.1f}x "
        f"({nb:,.0f} B against {wb:,.0f} B)")
    if nn_texts:
        log(f"{text_n} messages of 100 bytes: Waypost {wp_texts:,} B ({wp_texts / text_n:.1f} B/envelope, "
            f"256-byte envelopes); NNCP bundle {nn_texts[0]:,} B ({nn_texts[0] / text_n:.1f} B per "
            f"{'/'.join(map(str, nn_texts[1]))}-byte packet)")


# ---------------------------------------------------------------------------
# 3. A 10,000-envelope bundle

def bench_import(wp, program, work, n):
    keep = os.path.join(work, "import")
    r = subprocess.run([program, "--envelopes", str(n), "--keep", keep],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"waypost_offline_import: exit {r.returncode}: {r.stderr.strip()}")
    for line in r.stdout.splitlines():
        log("   " + line)
    t0 = time.perf_counter()
    d = wp.json(os.path.join(keep, "coord-cli"), "bundle", "import",
                os.path.join(keep, "bundle.wpb"))
    cli_s = time.perf_counter() - t0
    if d["accepted"] != n or d["bad"]:
        fail(f"`waypost bundle import` of the {n}-envelope bundle: "
             f"{ {k: v for k, v in d.items() if k != 'events'} }")
    log(f"   {'`waypost bundle import --json`, whole process':52} {cli_s:7.2f} s  "
        f"{n / cli_s:9.0f} envelopes/s")
    log(f"(the in-process figures are the core API's: BundleReader, then Node::TakeIn in one "
        f"transaction; the process adds its start, the Argon2id unlock and {len(d['events']):,} "
        "news events)")


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--waypost", default="build/cli/waypost")
    ap.add_argument("--import-bench", default="build/bench/waypost_offline_import")
    ap.add_argument("--envelopes", type=int, default=10000,
                    help="envelopes in the large bundle (0 skips part 3)")
    ap.add_argument("--skip-nncp", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.waypost)
    if not os.access(binary, os.X_OK):
        fail(f"no waypost binary at {binary} (build first: make build)")
    program = os.path.abspath(a.import_bench)
    if a.envelopes and not os.access(program, os.X_OK):
        fail(f"no {program} (configure with -DWAYPOST_BUILD_BENCH=ON)")
    skip_nncp = a.skip_nncp
    if not skip_nncp and not all(shutil.which(p) for p in
                                 ("nncp-cfgnew", "nncp-file", "nncp-bundle", "nncp-xfer", "nncp-toss")):
        log("NNCP is not installed (Debian package `nncp`; `make bench` installs it): "
            "Waypost alone")
        skip_nncp = True
    started = time.perf_counter()
    work = tempfile.mkdtemp(prefix="waypost-bench-offline.")
    try:
        # Copies, so that a rebuild during the run cannot mix two versions.
        local = os.path.join(work, "waypost")
        shutil.copy2(binary, local)
        wp = Waypost(local)
        coord, helper = enroll(wp, work)
        log("-- armored text: `checkin --armor`, `armor ID`, `confirm --armor` (the real binary)")
        bench_armor(wp, coord, helper)

        log("")
        counts, text_n = (1, 10, 100), 10
        version = "" if skip_nncp else subprocess.run(
            ["nncp-file", "-version"], capture_output=True, text=True).stdout.splitlines()[0]
        log(f"-- bundle bytes per envelope: `waypost bundle export`"
            + ("" if skip_nncp else f" beside {version}: nncp-bundle, nncp-xfer"))
        wps = bench_waypost_bundles(wp, work, coord, helper, counts)
        wp_texts = bench_waypost_texts(wp, work, coord, helper, text_n)
        nns, nn_texts = ([], None) if skip_nncp else bench_nncp(os.path.join(work, "nncp"), counts)
        report_bundles(wps, nns, wp_texts, nn_texts, text_n)

        if a.envelopes:
            log("")
            log(f"-- importing a {a.envelopes:,}-envelope bundle: a coordinator it is addressed to, "
                "and a mule")
            shutil.copy2(program, os.path.join(work, "waypost_offline_import"))
            bench_import(wp, os.path.join(work, "waypost_offline_import"), work, a.envelopes)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log(f"(this benchmark took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
