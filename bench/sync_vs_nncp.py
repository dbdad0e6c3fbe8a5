#!/usr/bin/env python3
"""Waypost's sync beside Debian's NNCP, same workload, same run; then the peak
memory of a large sync. Run by scripts/bench (`make bench`); standard library
only. Everything runs in a temporary directory, on 127.0.0.1 only.

Usage: bench/sync_vs_nncp.py [--waypost PATH] [--messages N] [--reps R]
                             [--mem-envelopes N] [--skip-nncp] [--skip-memory]

1. Waypost: a relay, a coordinator and a helper (`--kdf interactive`, the
   passphrase in WAYPOST_PASSPHRASE), enrolled as in scripts/demo. The helper
   queues N text messages of 100 bytes (`send --to Coord`, not timed). Timed:
   the helper's `sync` (upload) and the coordinator's `sync` (fetch, open,
   and upload of its delivered receipts), each a whole process, wall time.
   Bytes: `sync --json`'s bytes_sent + bytes_received of both syncs.
2. NNCP: three nodes (helper, relay, coordinator) from `nncp-cfgnew`; the
   helper's `nncp-file` packets to the coordinator go via the relay. Timed:
   the helper's `nncp-call` to the relay's `nncp-daemon`, the relay's
   `nncp-toss` (forwarding), the coordinator's `nncp-call`, and its
   `nncp-toss` (decrypts each packet and writes each message to a file).
   An `nncp-call` only hangs up after `-onlinedeadline` seconds of silence
   (at least 1 s; the default is 10), so each call is timed twice: until its
   transfer is done (polled in the spools every 2 ms: the helper's outgoing
   packets all acknowledged, or all of the coordinator's incoming packets
   complete), and until the process exits. Bytes: `RxBytes`/`TxBytes` of the
   calls' `call-finished` records in NNCP's logs.
   Both tools' byte counters are checked once against a counting TCP proxy
   (bench/tcp_count_proxy.py), outside the timed runs.
   The two tools take turns, --reps times (default 3), each run on fresh
   nodes; the table gives medians.
3. Peak memory: a relay, a coordinator and two helpers; the helpers queue
   --mem-envelopes texts between them, upload them, and the coordinator syncs
   them all. VmHWM (peak resident set) of each `waypost sync` is reset with
   /proc/PID/clear_refs once the process has a socket open (its Argon2id
   unlock is over by then) and read until it exits; the relay's is reset
   after it printed its address, and again before the coordinator's sync.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PASSPHRASE = "waypost bench passphrase, not a secret"  # a throwaway bench store
HERE = os.path.dirname(os.path.abspath(__file__))


def log(msg):
    print(msg, flush=True)


def fail(msg):
    raise SystemExit(f"sync_vs_nncp: error: {msg}")


def message(i):
    """The i-th workload message: exactly 100 bytes of text, no newline."""
    head = f"message {i:05d} from the helper, all well at the checkpoint; "
    return (head + "x" * 100)[:100]


# ---------------------------------------------------------------------------
# Waypost

class Waypost:
    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("WAYPOST_") and k not in ("XDG_DATA_HOME",)}
        self.env.update(WAYPOST_PASSPHRASE=PASSPHRASE, NO_COLOR="1")

    def run(self, home, *args, stdin=None):
        r = subprocess.run([self.binary, "--home", home, *args], input=stdin,
                           capture_output=True, text=True, env=self.env)
        if r.returncode != 0:
            fail(f"waypost --home {home} {' '.join(args)}: exit {r.returncode}: "
                 f"{r.stderr.strip().splitlines()[-1:] or ''}")
        return r.stdout

    def timed(self, home, *args):
        """Runs one process; returns (wall seconds, stdout)."""
        t0 = time.perf_counter()
        out = self.run(home, *args)
        return time.perf_counter() - t0, out

    def team_file(self, coord):
        """Creates the coordinator and writes its `team export` beside its home:
        a relay serves only the teams it is told to (docs/protocol.md §11.5)."""
        self.run(coord, "init", "--name", "Coord", "--kdf", "interactive")
        path = coord + ".team"
        with open(path, "w") as f:
            f.write(self.run(coord, "team", "export"))
        return path

    def start_relay(self, home, coord):
        """A relay serving `coord`'s team (team_file makes the coordinator)."""
        out_path, err_path = home + ".out", home + ".err"
        team = self.team_file(coord)
        with open(out_path, "w") as out, open(err_path, "w") as err:
            proc = subprocess.Popen([self.binary, "--home", home, "relay", "--listen",
                                     "127.0.0.1:0", "--kdf", "interactive", "--team", team],
                                    stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    env=self.env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with open(out_path) as f:
                line = f.readline()
            if line.endswith("\n"):
                addr = line.strip()
                if not re.fullmatch(r"wpr1:[0-9a-f]{64}@127\.0\.0\.1:[0-9]+", addr):
                    fail(f"unexpected relay address {addr!r}")
                return proc, addr
            if proc.poll() is not None:
                fail(f"the relay exited: {open(err_path).read().strip()}")
            time.sleep(0.005)
        fail("the relay printed no address within 20 s")

    @staticmethod
    def stop(proc):
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def enroll(self, coord, helpers, addr):
        """relays add + invite/join for each helper (the coordinator exists:
        team_file), then the syncs that complete enrollment (helper: join
        request; coordinator: welcome)."""
        self.run(coord, "relays", "add", addr)
        for i, h in enumerate(helpers):
            self.run(h, "init", "--name", f"Helper{i}", "--kdf", "interactive")
            invite = self.run(coord, "invite", "--for", f"Helper{i}").strip()
            self.run(h, "join", stdin=invite + "\n")
        for h in helpers:
            self.run(h, "sync", "--json")
        self.run(coord, "sync", "--json")
        for h in helpers:
            self.run(h, "sync", "--json")
        contacts = json.loads(self.run(coord, "contacts", "--json"))
        if sum(1 for c in contacts if c.get("state") == "active") != len(helpers):
            fail(f"enrollment did not complete: {contacts}")

    def queue(self, helper, first, count):
        for i in range(first, first + count):
            self.run(helper, "send", "--to", "Coord", stdin=message(i) + "\n")


def wire_bytes(sync_json):
    d = json.loads(sync_json)
    return d["bytes_sent"] + d["bytes_received"], d


def bench_waypost(wp, work, n, check=True):
    log(f"-- Waypost: relay, coordinator, helper; {n} texts of 100 bytes")
    os.makedirs(work)
    relay_home, coord, helper = (os.path.join(work, x) for x in ("relay", "coord", "helper"))
    relay, addr = wp.start_relay(relay_home, coord)
    try:
        wp.enroll(coord, [helper], addr)
        t0 = time.perf_counter()
        wp.queue(helper, 0, n)
        queue_s = time.perf_counter() - t0
        log(f"   queued {n} texts in {queue_s:.1f} s (one `waypost send` each; not timed below)")

        # What one process costs before it can do anything: `whoami` is
        # process start, Argon2id (interactive) unlock, store open, one line.
        unlock = statistics.median(wp.timed(h, "whoami")[0] for h in (helper, coord) * 3)

        up_s, up_out = wp.timed(helper, "sync", "--json")
        up_bytes, up = wire_bytes(up_out)
        down_s, down_out = wp.timed(coord, "sync", "--json")
        down_bytes, down = wire_bytes(down_out)
        if up["uploaded"] != n:
            fail(f"the helper's sync uploaded {up['uploaded']}, not {n}")
        if down["downloaded"] != n:
            fail(f"the coordinator's sync downloaded {down['downloaded']}, not {n}")
        inbox = json.loads(wp.run(coord, "inbox", "--json"))
        got = {m["text"] for m in inbox if m["direction"] == "in" and m["kind"] == "text"}
        if got != {message(i) for i in range(n)}:
            fail(f"the coordinator opened {len(got)} of the {n} texts, or other ones")

        # Cross-check of the byte counters, outside the timing: the helper's
        # next sync (it fetches the coordinator's n receipts) through a
        # counting proxy, against its own --json figures.
        checked = None
        if check:
            port = int(addr.rsplit(":", 1)[1])
            proxied = with_proxy(port, os.path.join(work, "proxy.count"), lambda p: wp.run(
                helper, "sync", "--json", addr.rsplit(":", 1)[0] + f":{p}"))
            reported, d = wire_bytes(proxied[0])
            checked = (reported, proxied[1], d["downloaded"])
    finally:
        wp.stop(relay)
    res = dict(queue_s=queue_s, unlock_s=unlock, up_s=up_s, down_s=down_s,
               up_bytes=up_bytes, down_bytes=down_bytes,
               receipts=down["uploaded"], up=up, down=down,
               check=checked)
    log(f"   helper sync (upload {n}): {up_s:.3f} s, {up_bytes:,} B "
        f"({up['round_trips']} round trips)")
    log(f"   coordinator sync (fetch + open {n}, upload {down['uploaded']} receipts): "
        f"{down_s:.3f} s, {down_bytes:,} B ({down['round_trips']} round trips)")
    log(f"   one `waypost whoami` (process start + Argon2id unlock + store open), "
        f"median of 6: {unlock * 1000:.0f} ms")
    return res


# ---------------------------------------------------------------------------
# A counting proxy (bench/tcp_count_proxy.py), for the byte cross-checks

def with_proxy(target_port, count_file, fn):
    """Runs fn(proxy_port) with a counting proxy in front of target_port;
    returns (fn's result, bytes counted both ways, all connections)."""
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "tcp_count_proxy.py"),
                             str(target_port), count_file],
                            stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        result = fn(port)
        deadline = time.monotonic() + 5
        # The proxy writes a connection's line once both directions closed.
        while time.monotonic() < deadline and not os.path.exists(count_file):
            time.sleep(0.01)
        time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(5)
    total = 0
    if os.path.exists(count_file):
        with open(count_file) as f:
            total = sum(int(x) for line in f for x in line.split())
        os.unlink(count_file)
    return result, total


# ---------------------------------------------------------------------------
# NNCP

NNCP_ID = re.compile(r"^[A-Z2-7]{52}$")


def nncp_keys(text):
    self_part = text[text.index("self:"):text.index("neigh:")]
    return {k: re.search(r"\b%s:\s*(\S+)" % k, self_part).group(1)
            for k in ("id", "exchpub", "exchprv", "signpub", "signprv", "noiseprv", "noisepub")}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def packets(path):
    """Complete packets in a spool directory (no .part, .nock, .hdr, ...)."""
    try:
        return [f for f in os.listdir(path) if NNCP_ID.match(f)]
    except FileNotFoundError:
        return []


class Nncp:
    def __init__(self, work):
        self.work = work
        self.keys = {}
        self.cfg = {}
        for n in ("helper", "relay", "coord"):
            out = subprocess.run(["nncp-cfgnew", "-nocomments"], capture_output=True,
                                 text=True, check=True).stdout
            self.keys[n] = nncp_keys(out)
        self.port = free_port()
        pub = lambda n: {k: self.keys[n][k] for k in ("id", "exchpub", "signpub", "noisepub")}
        relay_addr = {"addrs": {"main": f"127.0.0.1:{self.port}"}}
        via = {"via": [self.keys["relay"]["id"]]}
        self.incoming = os.path.join(work, "coord-incoming")
        neigh = {
            "helper": {"relay": {**pub("relay"), **relay_addr}, "coord": {**pub("coord"), **via}},
            "relay": {"helper": pub("helper"), "coord": pub("coord")},
            "coord": {"relay": {**pub("relay"), **relay_addr},
                      "helper": {**pub("helper"), **via, "incoming": self.incoming}},
        }
        os.makedirs(self.incoming)
        for n in neigh:
            home = os.path.join(work, n)
            os.makedirs(os.path.join(home, "spool"))
            cfg = {"spool": os.path.join(home, "spool"), "log": os.path.join(home, "log"),
                   "self": self.keys[n], "neigh": {"self": pub(n), **neigh[n]}}
            self.cfg[n] = os.path.join(home, "nncp.hjson")
            with open(self.cfg[n], "w") as f:
                json.dump(cfg, f, indent=1)  # JSON is Hjson

    def spool(self, node, neigh, direction):
        return os.path.join(self.work, node, "spool", self.keys[neigh]["id"], direction)

    def cmd(self, node, prog, *args, stdin=None):
        r = subprocess.run([prog, "-cfg", self.cfg[node], "-quiet", "-noprogress", *args],
                           input=stdin, capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"{prog} ({node}) {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
        return r.stdout

    def timed(self, node, prog, *args):
        t0 = time.perf_counter()
        self.cmd(node, prog, *args)
        return time.perf_counter() - t0

    def call(self, node, done, addr=None):
        """nncp-call NODE -> relay; returns (seconds until done() held,
        seconds until the process exited, call-finished record)."""
        log_path = os.path.join(self.work, node, "log")
        start = os.path.getsize(log_path) if os.path.exists(log_path) else 0
        argv = ["nncp-call", "-cfg", self.cfg[node], "-quiet", "-noprogress",
                "-onlinedeadline", "1", "relay"]
        if addr:
            argv.append(addr)
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        done_s = None
        while proc.poll() is None:
            if done_s is None and done():
                done_s = time.perf_counter() - t0
            time.sleep(0.002)
        exit_s = time.perf_counter() - t0
        err = proc.stderr.read()
        if proc.returncode != 0:
            fail(f"nncp-call ({node}): exit {proc.returncode}: {err.strip()}")
        if done_s is None and done():
            done_s = exit_s
        if done_s is None:
            fail(f"nncp-call ({node}) ended before its transfer was done")
        with open(log_path, errors="replace") as f:
            f.seek(start)
            records = f.read().split("\n\n")
        fin = [r for r in records if "Who: call-finished" in r]
        if len(fin) != 1:
            fail(f"nncp-call ({node}): expected one call-finished record in its log, found {len(fin)}")
        rec = dict(line.split(": ", 1) for line in fin[0].strip().splitlines() if ": " in line)
        return done_s, exit_s, int(rec["RxBytes"]), int(rec["TxBytes"])


def bench_nncp(work, n, check=True):
    version = subprocess.run(["nncp-call", "-version"], capture_output=True,
                             text=True).stdout.splitlines()[0]
    log(f"-- NNCP ({version}): helper -> relay (nncp-daemon) -> coordinator; {n} files of 100 bytes")
    nn = Nncp(work)
    daemon_log = open(os.path.join(work, "relay-daemon.err"), "w")
    daemon = subprocess.Popen(["nncp-daemon", "-cfg", nn.cfg["relay"], "-quiet", "-noprogress",
                               "-bind", f"127.0.0.1:{nn.port}"],
                              stdout=subprocess.DEVNULL, stderr=daemon_log)
    try:
        t0 = time.perf_counter()
        for i in range(n):
            nn.cmd("helper", "nncp-file", "-", f"coord:msg{i:05d}", stdin=message(i))
        queue_s = time.perf_counter() - t0
        h_tx = nn.spool("helper", "relay", "tx")
        if len(packets(h_tx)) != n:
            fail(f"the helper's spool holds {len(packets(h_tx))} packets, not {n}")
        log(f"   queued {n} files in {queue_s:.1f} s (one `nncp-file` each; not timed below)")
        pkt_out = os.path.getsize(os.path.join(h_tx, packets(h_tx)[0]))
        # Wait until the daemon listens (without connecting to it).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if f":{nn.port:04X} " in open("/proc/net/tcp").read():
                break
            time.sleep(0.01)

        up = nn.call("helper", lambda: not packets(h_tx))
        fwd_s = nn.timed("relay", "nncp-toss")
        r_tx = nn.spool("relay", "coord", "tx")
        if len(packets(r_tx)) != n:
            fail(f"the relay's toss queued {len(packets(r_tx))} packets for the coordinator, not {n}")
        pkt_in = os.path.getsize(os.path.join(r_tx, packets(r_tx)[0]))
        c_rx = nn.spool("coord", "relay", "rx")
        down = nn.call("coord", lambda: len(packets(c_rx)) == n)
        open_s = nn.timed("coord", "nncp-toss")
        files = sorted(os.listdir(nn.incoming))
        if files != [f"msg{i:05d}" for i in range(n)] or any(
                open(os.path.join(nn.incoming, f)).read() != message(i) for i, f in enumerate(files)):
            fail(f"the coordinator's toss wrote {len(files)} of the {n} files, or other content")

        # Cross-check of NNCP's byte counters: one more (empty) call through
        # a counting proxy.
        checked = None
        if check:
            (_, _, rx, tx), counted = with_proxy(nn.port, os.path.join(work, "proxy.count"),
                                                 lambda p: nn.call("helper", lambda: True, f"127.0.0.1:{p}"))
            checked = (rx + tx, counted)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(10)
        except subprocess.TimeoutExpired:
            daemon.kill()
        daemon_log.close()
    res = dict(version=version, queue_s=queue_s, up=up, fwd_s=fwd_s, down=down, open_s=open_s,
               up_bytes=up[2] + up[3], down_bytes=down[2] + down[3],
               pkt_out=pkt_out, pkt_in=pkt_in, check=checked)
    log(f"   helper nncp-call (upload {n}): transfer done {up[0]:.3f} s, process {up[1]:.3f} s, "
        f"{up[2] + up[3]:,} B (packets of {pkt_out} B)")
    log(f"   relay nncp-toss (forward {n}): {fwd_s:.3f} s")
    log(f"   coordinator nncp-call (fetch {n}): transfer done {down[0]:.3f} s, process {down[1]:.3f} s, "
        f"{down[2] + down[3]:,} B (packets of {pkt_in} B)")
    log(f"   coordinator nncp-toss (open {n}, write each to a file): {open_s:.3f} s")
    return res


def waypost_figures(w, n):
    total = w["up_s"] + w["down_s"]
    return dict(total=total, coord=w["down_s"], net=total - 2 * w["unlock_s"],
                net_coord=w["down_s"] - w["unlock_s"], unlock=w["unlock_s"],
                bpm=(w["up_bytes"] + w["down_bytes"]) / n, coord_bpm=w["down_bytes"] / n)


def nncp_figures(r, n):
    u, d = r["up"], r["down"]
    return dict(done=u[0] + r["fwd_s"] + d[0] + r["open_s"], done_coord=d[0] + r["open_s"],
                exit=u[1] + r["fwd_s"] + d[1] + r["open_s"], exit_coord=d[1] + r["open_s"],
                bpm=(r["up_bytes"] + r["down_bytes"]) / n, coord_bpm=r["down_bytes"] / n)


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def report(ws, ns, n):
    """ws, ns: the runs' results (Waypost, NNCP), one each per repetition."""
    reps = len(ws)
    W = [waypost_figures(w, n) for w in ws]
    N = [nncp_figures(r, n) for r in ns]
    log("")
    log(f"== helper -> relay -> coordinator, {n} messages of 100 bytes: transfer + open "
        f"(median of {reps} run{'s' if reps > 1 else ''}, the tools taking turns)")
    rows = [("Waypost, whole processes", med(W, "total"), med(W, "coord"), med(W, "bpm"), med(W, "coord_bpm")),
            ("Waypost, minus 1 `whoami` per sync", med(W, "net"), med(W, "net_coord"), med(W, "bpm"), med(W, "coord_bpm"))]
    if N:
        rows += [("NNCP, calls until transfer done", med(N, "done"), med(N, "done_coord"), med(N, "bpm"), med(N, "coord_bpm")),
                 ("NNCP, whole processes", med(N, "exit"), med(N, "exit_coord"), med(N, "bpm"), med(N, "coord_bpm"))]
    log(f"{'run':36} {'total s':>8} {'coord s':>8} {'B/msg':>7} {'coord B/msg':>11}")
    for name, total, coord, bpm, cbpm in rows:
        log(f"{name:36} {total:8.3f} {coord:8.3f} {bpm:7,.0f} {cbpm:11,.0f}")
    log("total s: the helper's upload + (NNCP: the relay's toss +) the coordinator's fetch and open;")
    log("  coord s: the coordinator's part alone (Waypost: its `sync`; NNCP: its call and toss).")
    log("B/msg: TCP payload bytes, both directions, both hops, per message; coord B/msg: the")
    log(f"  coordinator's hop alone. Waypost's include the coordinator's {ws[0]['receipts']} delivered "
        "receipts, which NNCP does not send.")
    log(f"`minus 1 whoami per sync`: one `waypost whoami` (median {med(W, 'unlock') * 1000:.0f} ms: "
        "process start, Argon2id interactive unlock, store open) subtracted from each sync process.")
    log("NNCP `until transfer done`: each nncp-call stopped the moment its spools show the transfer")
    log("  complete; `whole processes`: until nncp-call exits, after -onlinedeadline 1 s of silence.")
    wc = ws[-1]["check"]
    log(f"byte counters against a counting TCP proxy: waypost sync {wc[0]:,} reported / {wc[1]:,} "
        f"counted (a sync fetching {wc[2]} receipts)" + (
            f"; nncp-call {ns[-1]['check'][0]:,} / {ns[-1]['check'][1]:,} (an empty call)" if N else "")
        + (": equal" if wc[0] == wc[1] and (not N or ns[-1]["check"][0] == ns[-1]["check"][1])
           else ": DIFFERENT"))
    if not N:
        log("NNCP skipped: no ratio.")
        return
    # The verdict compares the whole Waypost processes (their unlocks
    # included) against NNCP's calls stopped at transfer done: the
    # comparison least favourable to Waypost.
    per_rep = [nf["done"] / wf["total"] for wf, nf in zip(W, N)]
    t_ratio = med(N, "done") / med(W, "total")
    t_ratio_net = med(N, "done") / med(W, "net")
    t_ratio_exit = med(N, "exit") / med(W, "total")
    t_ratio_coord = med(N, "done_coord") / med(W, "coord")
    b_ratio = med(N, "bpm") / med(W, "bpm")
    log("")
    log(f"NNCP / Waypost, time: {t_ratio:.2f}x (Waypost's whole processes against NNCP until transfer "
        f"done; per run {', '.join(f'{r:.2f}' for r in per_rep)})")
    log(f"  {t_ratio_net:.2f}x with one `whoami` subtracted per Waypost sync; {t_ratio_exit:.2f}x against "
        f"NNCP's whole processes; coordinator's part alone {t_ratio_coord:.2f}x")
    log(f"NNCP / Waypost, bytes per message: {b_ratio:.2f}x "
        f"(coordinator's hop alone: {med(N, 'coord_bpm') / med(W, 'coord_bpm'):.2f}x)")
    log(f"target, at least 5x faster than NNCP: {'met' if t_ratio >= 5 else 'NOT met'} "
        f"({t_ratio:.2f}x; {t_ratio_net:.2f}x without the unlocks)")
    log(f"target, fewer bytes per message than NNCP: {'met' if med(W, 'bpm') < med(N, 'bpm') else 'NOT met'} "
        f"({med(W, 'bpm'):,.0f} against {med(N, 'bpm'):,.0f})")


# ---------------------------------------------------------------------------
# Peak memory

def status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


def has_socket(pid):
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                    return True
            except OSError:
                pass
    except OSError:
        pass
    return False


def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def watched_sync(wp, home):
    """Runs `waypost sync --json`; resets its VmHWM once it has a socket open
    and reads VmHWM until it exits. Returns (seconds, json, peak KiB before
    the reset (the unlock's), RSS KiB at the reset, peak KiB after it)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([wp.binary, "--home", home, "sync", "--json"], env=wp.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    reader.start()
    before = at_reset = after = None
    while proc.poll() is None:
        if at_reset is None:
            if has_socket(proc.pid):
                before = status_kib(proc.pid, "VmHWM")
                try:
                    reset_peak(proc.pid)
                except OSError:
                    break
                at_reset = status_kib(proc.pid, "VmRSS")
        else:
            v = status_kib(proc.pid, "VmHWM")
            if v is not None:
                after = v
        time.sleep(0.001)
    proc.wait()
    reader.join()
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        fail(f"sync ({home}): exit {proc.returncode}: {proc.stderr.read().strip()}")
    if at_reset is None or after is None:
        fail(f"sync ({home}): could not watch its memory (no socket seen, or no reading after it)")
    return secs, json.loads(out[0]), before, at_reset, after


def bench_memory(wp, work, total):
    helpers_n = 2
    log(f"-- Peak memory: a sync of {total:,} envelopes (texts of 100 bytes, from {helpers_n} helpers)")
    os.makedirs(work)
    relay_home, coord = os.path.join(work, "relay"), os.path.join(work, "coord")
    helpers = [os.path.join(work, f"helper{i}") for i in range(helpers_n)]
    relay, addr = wp.start_relay(relay_home, coord)
    try:
        relay_unlock_peak = status_kib(relay.pid, "VmHWM")
        reset_peak(relay.pid)
        relay_base = status_kib(relay.pid, "VmRSS")
        wp.enroll(coord, helpers, addr)
        t0 = time.perf_counter()
        share = [total // helpers_n + (1 if i < total % helpers_n else 0) for i in range(helpers_n)]
        firsts = [sum(share[:i]) for i in range(helpers_n)]
        errors = []

        def queue(i):
            try:
                wp.queue(helpers[i], firsts[i], share[i])
            except BaseException as e:  # SystemExit from fail()
                errors.append(e)
        threads = [threading.Thread(target=queue, args=(i,)) for i in range(helpers_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        queue_s = time.perf_counter() - t0
        log(f"   queued {total:,} texts in {queue_s:.0f} s ({helpers_n} helpers in parallel, "
            f"one `waypost send` each)")
        ups = []
        for h in helpers:
            s, d, before, at_reset, after = watched_sync(wp, h)
            if d["uploaded"] <= 0:
                fail("a helper's sync uploaded nothing")
            ups.append((s, d["uploaded"], before, at_reset, after))
        relay_up_peak = status_kib(relay.pid, "VmHWM")
        reset_peak(relay.pid)
        relay_mid = status_kib(relay.pid, "VmRSS")
        s, d, before, at_reset, after = watched_sync(wp, coord)
        relay_down_peak = status_kib(relay.pid, "VmHWM")
        relay_end = status_kib(relay.pid, "VmRSS")
        if d["downloaded"] != total:
            fail(f"the coordinator's sync downloaded {d['downloaded']}, not {total}")
    finally:
        wp.stop(relay)
    mib = lambda k: k / 1024
    log(f"   helper syncs (upload {' + '.join(str(u[1]) for u in ups)}): "
        + "; ".join(f"{u[0]:.1f} s, peak {mib(u[4]):.1f} MiB (RSS {mib(u[3]):.1f} at the reset, "
                    f"{mib(u[2]):.1f} with the unlock)" for u in ups))
    log(f"   coordinator sync (fetch + open {d['downloaded']:,}, upload {d['uploaded']:,} receipts, "
        f"{d['round_trips']} round trips): {s:.1f} s")
    log(f"   relay: RSS {mib(relay_base):.1f} MiB after printing its address "
        f"(peak {mib(relay_unlock_peak):.1f} MiB with its unlock); peak during the uploads "
        f"{mib(relay_up_peak):.1f} MiB, reset to {mib(relay_mid):.1f}; peak during the "
        f"coordinator's sync {mib(relay_down_peak):.1f} MiB, RSS {mib(relay_end):.1f} after it")
    peak_client = max([after] + [u[4] for u in ups])
    peak_relay = max(relay_up_peak, relay_down_peak)
    log("")
    log(f"== peak resident memory outside the passphrase KDF, a sync of {total:,} envelopes "
        f"(target: under 32 MiB)")
    log(f"coordinator's `waypost sync`: {mib(after):.1f} MiB (RSS at the reset, after its unlock: "
        f"{mib(at_reset):.1f} MiB; peak with the unlock: {mib(before):.1f} MiB)")
    log(f"helpers' `waypost sync` (upload): {max(mib(u[4]) for u in ups):.1f} MiB")
    log(f"relay (`waypost relay`), from its address to the end: {mib(peak_relay):.1f} MiB")
    ok = peak_client < 32 * 1024 and peak_relay < 32 * 1024
    log(f"under 32 MiB: {'met' if ok else 'NOT met'} (client {mib(peak_client):.1f} MiB, "
        f"relay {mib(peak_relay):.1f} MiB)")
    if total < 10000:
        log(f"(note: {total:,} envelopes, not the 10,000 of the target: "
            "BENCH_MEM_ENVELOPES=10000 runs the full size, about 9 minutes of queuing on two cores)")


# ---------------------------------------------------------------------------

def main():
    # SIGTERM unwinds like Ctrl-C, so the relays and daemons get stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--waypost", default="build/cli/waypost")
    ap.add_argument("--messages", type=int, default=300)
    ap.add_argument("--reps", type=int, default=3, help="runs of each tool, taking turns")
    ap.add_argument("--mem-envelopes", type=int, default=1000)
    ap.add_argument("--skip-nncp", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.waypost)
    if not os.access(binary, os.X_OK):
        fail(f"no waypost binary at {binary} (build first: make build)")
    skip_nncp = a.skip_nncp
    if not skip_nncp and not all(shutil.which(p) for p in
                                 ("nncp-cfgnew", "nncp-daemon", "nncp-call", "nncp-toss", "nncp-file")):
        log("NNCP is not installed (Debian package `nncp`; `make bench` installs it): "
            "Waypost alone, no ratio")
        skip_nncp = True
    started = time.perf_counter()
    work = tempfile.mkdtemp(prefix="waypost-bench-nncp.")
    try:
        # A copy, so that a rebuild during the run cannot mix two versions.
        local = os.path.join(work, "waypost")
        shutil.copy2(binary, local)
        log(f"waypost: {binary} (copied for the run)")
        wp = Waypost(local, work)
        ws, ns = [], []
        for rep in range(a.reps):
            log(f"== run {rep + 1} of {a.reps}")
            last = rep == a.reps - 1  # the byte counters are checked in the last run
            ws.append(bench_waypost(wp, os.path.join(work, f"wp{rep}"), a.messages, last))
            if not skip_nncp:
                ns.append(bench_nncp(os.path.join(work, f"nncp{rep}"), a.messages, last))
        report(ws, ns, a.messages)
        if not a.skip_memory:
            log("")
            bench_memory(wp, os.path.join(work, "memory"), a.mem_envelopes)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log(f"(this benchmark took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
