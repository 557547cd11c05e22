"""A leaf's initial sync of the whole delta: what one node spends to receive, verify and
store the 41 cities' logs, apart from the rest of the federation.

A 41-city federation is run once (deploy/federation.sh on loopback, RECORDS enterprises
per city: 41 x 2 x RECORDS entries, half of them enterprise figures that reach other
cities as stubs) and stopped. Then, RUNS times: a copy of Hefei's store (every origin)
serves a fresh Chizhou — Chizhou's key and config, an empty store — until Chizhou holds
every origin's tip and the two digests are equal. Printed per run and as medians: the
wall time from Chizhou's start, Chizhou's CPU time (user + system) and Hefei's.

  python3 tests/bench/leaf.py BUILD [RECORDS] [RUNS] [BASE_BUILD]

BASE_BUILD (optional): another build (say, an older commit's) run alternately with BUILD
on the same source, printed side by side; the source federation is then made by
BASE_BUILD, so that both can open its stores (a newer build upgrades an older store when
it starts, before the clock starts)."""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "../..")


def ctl(build, cfg, *args):
    r = subprocess.run([os.path.join(build, "tools/yrdxctl"), "-c", cfg, "--json"] + list(args),
                       capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


def cpu_s(proc):
    with open("/proc/%d/stat" % proc.pid) as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for(cond, deadline_s, what):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise SystemExit("leaf: %s not within %g s" % (what, deadline_s))


def one_run(build, source, work, total):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    shutil.copytree(os.path.join(source, "hefei"), os.path.join(work, "hefei"), symlinks=True,
                    ignore=shutil.ignore_patterns("control.sock"))
    os.makedirs(os.path.join(work, "chizhou"), mode=0o700)
    for f in ("yrdxd.zpl", "node.key"):
        shutil.copy2(os.path.join(source, "chizhou", f), os.path.join(work, "chizhou", f))
    cfg = {n: os.path.join(work, n, "yrdxd.zpl") for n in ("hefei", "chizhou")}
    procs = {}

    def start(n):
        procs[n] = subprocess.Popen([os.path.join(build, "node/daemon/yrdxd"), "-c", cfg[n]],
                                    stdout=open(os.path.join(work, n + ".log"), "w"),
                                    stderr=subprocess.STDOUT)
    try:
        start("hefei")
        wait_for(lambda: ctl(build, cfg["hefei"], "status"), 120, "hefei's start")
        os.sync()
        hefei_cpu0 = cpu_s(procs["hefei"])
        t0 = time.monotonic()
        start("chizhou")

        def caught_up():
            st = ctl(build, cfg["chizhou"], "status")
            return st is not None and sum(v["seq"] for v in st["vector"]) >= total
        wait_for(caught_up, 600, "chizhou's sync")
        wall = time.monotonic() - t0
        leaf_cpu, hub_cpu = cpu_s(procs["chizhou"]), cpu_s(procs["hefei"]) - hefei_cpu0
        d1, d2 = ctl(build, cfg["chizhou"], "digest"), ctl(build, cfg["hefei"], "digest")
        if d1["digest"] != d2["digest"]:
            raise SystemExit("leaf: every tip held, yet the digests differ")
        return wall, leaf_cpu, hub_cpu
    finally:
        for p in procs.values():
            p.terminate()
            p.wait()


def main():
    build = os.path.abspath(sys.argv[1])
    records = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    base = os.path.abspath(sys.argv[4]) if len(sys.argv) > 4 else None
    scratch = os.environ.get("YRDX_BENCH_DIR", "/var/tmp/yrdx-bench-leaf")
    source = os.path.join(scratch, "delta")
    env = dict(os.environ, YRDX_BUILD_DIR=base or build)
    print("leaf: founding the 41-city federation with %d enterprises per city (%s)" % (
        records, base or build), flush=True)
    fed = [os.path.join(ROOT, "deploy/federation.sh")]
    subprocess.run(fed + ["--stop", "--dir", source], env=env, capture_output=True)
    r = subprocess.run(fed + ["--cities", "41", "--records", str(records), "--loopback", "--dir", source],
                       env=env, capture_output=True, text=True)
    subprocess.run(fed + ["--stop", "--dir", source], env=env, capture_output=True, check=True)
    if r.returncode != 0:
        raise SystemExit("leaf: the federation did not converge:\n" + r.stdout + r.stderr)
    total = 41 * 2 * records
    builds = [("this", build)] + ([("base", base)] if base else [])
    got = {name: [] for name, _ in builds}
    for i in range(runs):
        for name, b in builds:
            wall, leaf, hub = one_run(b, source, os.path.join(scratch, "run"), total)
            got[name].append((wall, leaf, hub))
            print("leaf_sync_run%d_%s: %.2f s wall, leaf %.2f s CPU, hub %.2f s CPU" % (
                i + 1, name, wall, leaf, hub), flush=True)
    for name, _ in builds:
        wall, leaf, hub = (statistics.median(x[k] for x in got[name]) for k in range(3))
        suffix = "" if name == "this" else "_base"
        print("leaf_sync_s%s: %.2f s" % (suffix, wall))
        print("leaf_sync_cpu_s%s: %.2f s" % (suffix, leaf))
        print("leaf_sync_hub_cpu_s%s: %.2f s" % (suffix, hub))
        print("leaf_sync_entries_per_cpu_s%s: %.0f entries/s" % (suffix, total / leaf))
    shutil.rmtree(os.path.join(scratch, "run"), ignore_errors=True)


if __name__ == "__main__":
    main()
