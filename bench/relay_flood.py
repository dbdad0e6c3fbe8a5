#!/usr/bin/env python3
"""A relay under a flood of idle connections: how real syncs fare, and what
the relay's memory does. Run by scripts/bench (`make bench`); standard
library only; everything on 127.0.0.1 in a temporary directory.

Usage: bench/relay_flood.py [--waypost PATH] [--syncs N] [--levels 0,300,3000]

A relay (the real binary, default limits unless said), a coordinator and an
enrolled helper (`--kdf interactive`). For each level, a thread of this
script holds that many connections open to the relay without ever sending a
byte, replaces each one the relay closes, and opens a fresh one (closing its
own oldest) every 20 ms, so new connections keep arriving, as a cheap
attacker's would (docs/protocol.md §2.6). Meanwhile the helper runs `waypost
sync --json` --syncs times (default 20), each a whole process with the
client's default 30 s timeout, from 6 s after the flood is in place (past
the relay's 5 s deadline for a first handshake message, so that the relay
is closing the flood's connections as they expire). Reported per level: the share of syncs that
succeeded, their median and 95th-percentile wall time (a process's start and
its Argon2id unlock included; the level 0 row is the baseline), and the
relay's resident memory (VmRSS) with the flood held, beside its peak (VmHWM).
A last row runs the largest level against a relay started with
`--max-connections` a third of it, so that every new connection pushes out
the oldest idle one.
"""
import argparse
import os
import re
import resource
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sync_vs_nncp import Waypost, log, status_kib  # noqa: E402


def fail(msg):
    raise SystemExit(f"relay_flood: error: {msg}")


class Flood(threading.Thread):
    """Holds `count` idle connections to 127.0.0.1:port (see the top)."""

    def __init__(self, port, count, churn_s=0.02, burst=50):
        super().__init__(daemon=True)
        self.port, self.count, self.churn_s, self.burst = port, count, churn_s, burst
        self.open = []
        self.opened = self.closed_by_relay = 0
        self.filled = threading.Event()
        self.halt = threading.Event()

    def run(self):
        poller = select.poll()
        by_fd = {}
        next_churn = time.monotonic() + self.churn_s
        while not self.halt.is_set():
            for fd, _ in poller.poll(0):
                s = by_fd.pop(fd, None)
                if s is not None:
                    poller.unregister(fd)
                    s.close()
                    self.closed_by_relay += 1
            if by_fd and time.monotonic() >= next_churn:
                fd = next(iter(by_fd))  # the oldest (dicts keep insertion order)
                poller.unregister(fd)
                by_fd.pop(fd).close()
                next_churn += self.churn_s
            for _ in range(self.burst):
                if len(by_fd) >= self.count or self.halt.is_set():
                    break
                s = socket.socket()
                try:
                    s.connect(("127.0.0.1", self.port))
                except OSError:
                    s.close()
                    break
                by_fd[s.fileno()] = s
                poller.register(s.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
                self.opened += 1
            if len(by_fd) >= self.count:
                self.filled.set()
            self.open = len(by_fd)
            time.sleep(0.005)
        for s in by_fd.values():
            s.close()

    def stop(self):
        self.halt.set()
        self.join()


def start_relay(wp, home, extra):
    out_path, err_path = home + ".out", home + ".err"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen([wp.binary, "--home", home, "relay", "--listen", "127.0.0.1:0",
                                 "--kdf", "interactive", *extra],
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=wp.env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with open(out_path) as f:
            line = f.readline()
        if line.endswith("\n"):
            return proc, line.strip()
        if proc.poll() is not None:
            fail(f"the relay exited: {open(err_path).read().strip()}")
        time.sleep(0.005)
    fail("the relay printed no address within 20 s")


def one_level(wp, work, level, syncs, extra, label):
    home = os.path.join(work, f"relay-{label}")
    coord, helper = os.path.join(work, f"coord-{label}"), os.path.join(work, f"helper-{label}")
    relay, addr = start_relay(wp, home, [*extra, "--team", wp.team_file(coord)])
    flood = None
    try:
        wp.enroll(coord, [helper], addr)
        port = int(addr.rsplit(":", 1)[1])
        if level:
            flood = Flood(port, level)
            flood.start()
            if not extra and not flood.filled.wait(120):
                fail(f"could not hold {level} connections open (held {flood.open})")
            deadline = time.monotonic() + 120
            while extra and flood.closed_by_relay < level and time.monotonic() < deadline:
                time.sleep(0.05)  # past the ceiling: until the relay has dropped a level's worth
            # Past the relay's 5 s deadline for a first handshake message, so
            # that it is dropping the flood's connections as they expire.
            time.sleep(6)
        rss = status_kib(relay.pid, "VmRSS")
        times, ok = [], 0
        for _ in range(syncs):
            t0 = time.perf_counter()
            r = subprocess.run([wp.binary, "--home", helper, "sync", "--json"],
                               capture_output=True, text=True, env=wp.env, timeout=120)
            if r.returncode == 0:
                ok += 1
                times.append(time.perf_counter() - t0)
        rss_after = status_kib(relay.pid, "VmRSS")
        hwm = status_kib(relay.pid, "VmHWM")
        churn = (flood.opened, flood.closed_by_relay) if flood else (0, 0)
    finally:
        if flood:
            flood.stop()
        wp.stop(relay)
    log_lines = sum(1 for _ in open(home + ".err"))
    return dict(label=label, level=level, ok=ok, syncs=syncs, times=times,
                rss=max(rss or 0, rss_after or 0), hwm=hwm or 0, churn=churn, log_lines=log_lines)


def p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))] if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--waypost", default=os.path.join(HERE, "..", "build", "cli", "waypost"))
    ap.add_argument("--syncs", type=int, default=20)
    ap.add_argument("--levels", default="0,300,3000")
    a = ap.parse_args()
    levels = [int(x) for x in a.levels.split(",")]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(levels) + 512
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    started = time.perf_counter()
    work = tempfile.mkdtemp(prefix="waypost-bench-flood.")
    try:
        local = os.path.join(work, "waypost")
        shutil.copy2(a.waypost, local)
        wp = Waypost(local, work)
        rows = []
        for level in levels:
            log(f"-- {level} idle connections held open, {a.syncs} helper syncs")
            rows.append(one_level(wp, work, level, a.syncs, [], f"{level}"))
        top = max(levels)
        if top:
            ceiling = max(top // 3, 1)
            log(f"-- {top} idle connections against --max-connections {ceiling}")
            rows.append(one_level(wp, work, top, a.syncs, ["--max-connections", str(ceiling)],
                                  f"{top}-over-{ceiling}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base = next((r for r in rows if r["level"] == 0), None)
    print()
    print(f"{'idle connections':28} {'syncs ok':>9} {'median s':>9} {'p95 s':>7} "
          f"{'relay RSS':>10} {'peak':>9} {'per conn':>9} {'opened':>8} {'dropped':>8} {'log':>4}")
    for r in rows:
        what = f"{r['level']:,}" if r["label"] == str(r["level"]) else \
            f"{r['level']:,} (ceiling {r['label'].split('-over-')[1]})"
        per = ""
        if base and r["level"] and r["label"] == str(r["level"]):
            per = f"{(r['rss'] - base['rss']) / r['level']:.1f} KiB"
        med = statistics.median(r["times"]) if r["times"] else float("nan")
        print(f"{what:28} {r['ok']:>4}/{r['syncs']:<4} {med:9.2f} {p95(r['times']):7.2f} "
              f"{r['rss'] / 1024:7.1f} MiB {r['hwm'] / 1024:5.1f} MiB {per:>9} "
              f"{r['churn'][0]:>8,} {r['churn'][1]:>8,} {r['log_lines']:>4}")
    print("(per conn: the relay's RSS over the level-0 run's, per idle connection; opened and "
          "dropped: connections the flood opened and the relay closed; log: lines the relay "
          "wrote to stderr)")
    log(f"(this benchmark took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
