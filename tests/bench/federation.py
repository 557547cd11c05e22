"""Federation convergence: CITIES real yrdxd nodes, one per city of config/yrd-cities.tsv,
linked as the federation issue lays out (Shanghai to the three provincial capitals, the
capitals to each other, every other city to its capital and to its provincial neighbour:
the next city of its province in code order, or for the province's last city the previous
one). Every city imports RECORDS enterprises of its own at the same moment; the figure is the time from
the end of the last import until every node holds the same digest, and each node's peak
resident memory (VmHWM: the store's mapped pages it touched included) and anonymous
resident memory (RssAnon: heap, stacks, buffers) then and the largest read every 0.25 s
from the first import on, in MB of 2^20 bytes. Repeated RUNS
times, each with fresh nodes, in each of MODES (default namespaces,loopback), the modes
alternating run by run and printed side by side at the end:

  namespaces  each city in a network namespace of its own, every link delayed by the
              distance between its cities (deploy/delta.py: yrdx-delay relays, a few ms of
              round trip within a province, 10-20 ms across); needs root and ip netns,
              else it is left out and said so
  loopback    every node on 127.0.0.1 ports, no delay

  python3 tests/bench/federation.py [CITIES] [RECORDS] [RUNS] [MODES]

With fewer than 41 cities the federation takes Shanghai and the three capitals, then the
other cities one province at a time in turn (Jiangsu, Zhejiang, Anhui), each province in
code order; the topology rule is applied to the cities taken.

A run that has not converged DEADLINE_S seconds after its imports fails: the nodes still
behind, on which origins, and what their peers claim, are printed. Exits 1 if any run failed.

Before the runs, what new page cache costs on this machine is measured (memtouch.py): on a
virtual machine that hands its freed memory back to the host, each run pays for the first
touch of the pages its stores take, and each run prints the bytes its nodes wrote.

Environment: YRDX_BENCH_SEED (record contents; default 2023), YRDX_BENCH_DEADLINE_S (300),
YRDX_BENCH_PIDS (a file that gets every daemon's pid, for the calling script's clean-up),
YRDX_BENCH_KEEP=1 (keep a failed run's node directories and logs; =always, every run's),
YRDX_BENCH_WARM=1 (before each run, fill the page cache with a clean file, so that the
run's pages are ones the machine holds: the runs then measure yrdx without the host's
charge for memory it took back)."""
import contextlib
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time

import memtouch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../deploy"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../integration"))
# The cities, their links, registries, networks and watching are deploy/delta.py's, which
# deploy/federation.sh runs: the benchmark measures what an operator deploys.
from delta import (Loopback, Namespaces, choose, figures, import_everywhere, namespaces_work,  # noqa: E402,F401
                   read_cities, report_behind, start, topology, wait_converged, write_registries)
from harness import Federation  # noqa: E402


class AnonSampler(threading.Thread):
    """Each node's RssAnon, read from /proc every PERIOD_S while a run goes on: the largest
    seen per node, in MiB (the kernel keeps a high-water mark only of all resident pages,
    the store's mapped ones included)."""
    PERIOD_S = 0.25

    def __init__(self, nodes):
        super().__init__(daemon=True)
        self.nodes = nodes
        self.peak = {n.name: 0.0 for n in nodes}
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            for n in self.nodes:
                try:
                    anon = n.memory_kib()["RssAnon"] / 1024
                except (OSError, KeyError):
                    continue
                self.peak[n.name] = max(self.peak[n.name], anon)
            self.stopping.wait(self.PERIOD_S)

    def stop(self):
        self.stopping.set()
        self.join()
        return self.peak


def run(number, mode, cities, links, paths, records, deadline_s, pids_file):
    """One run with fresh nodes over mode's network: (convergence s, {node: (peak RSS MiB,
    RssAnon MiB, store bytes, changes)}, import s, {node: largest RssAnon sampled MiB}), or
    None."""
    fed = Federation("bench-federation")
    net = Namespaces("b%03x" % random.randrange(1 << 12), cities, links, fed.root) \
        if mode == "namespaces" else Loopback()
    failed = True
    try:
        net.up()
        nodes = start(fed, cities, links, pids_file, net=net)
        if nodes is None:
            return None
        started = time.monotonic()
        sampler = AnonSampler(nodes)
        sampler.start()
        try:
            import_end, targets = import_everywhere(nodes, paths, records)
            converged_at = wait_converged(nodes, targets, import_end + deadline_s)
        finally:
            anon_peak = sampler.stop()
        if len(converged_at) < len(nodes):
            late = [n for n in nodes if n.name not in converged_at]
            print("run %d (%s): deadline missed: %d of %d nodes not converged %g s after the "
                  "last import: %s" % (number, mode, len(late), len(nodes), deadline_s,
                                       " ".join(n.name for n in late)))
            report_behind(late, nodes, targets)
            return None
        mem = figures(nodes)
        digests = {n.digest()["digest"] for n in nodes}
        if len(digests) != 1:
            print("run %d (%s): every origin's tip everywhere, yet %d digests" % (number, mode, len(digests)))
            return None
        failed = False
        print_spread(number, mode, converged_at, import_end)
        print_log_events(number, mode, nodes)
        print_counters(number, mode, nodes)
        print_relays(number, mode, getattr(net, "relays", []))
        return max(converged_at.values()) - import_end, mem, import_end - started, anon_peak
    finally:
        keep_env = os.environ.get("YRDX_BENCH_KEEP")
        keep = (failed and keep_env == "1") or keep_env == "always"
        try:
            fed.close(keep=keep)
        finally:
            net.down()
        if keep:
            print("run %d: node directories and logs kept in %s" % (number, fed.root))


def print_spread(number, mode, converged_at, import_end):
    """When the nodes converged, after the last import: a figure set by one late node
    (a stall) reads differently from one where all arrive together (work)."""
    after = sorted((t - import_end, name) for name, t in converged_at.items())
    secs = [s for s, _ in after]
    print("federation_%s_node_converge_s_run%d: first %.2f, median %.2f, 90th %.2f, last %.2f (%s)" % (
        mode, number, secs[0], statistics.median(secs), secs[int(0.9 * (len(secs) - 1))],
        secs[-1], after[-1][1]))


# What the nodes' logs say happened to their connections during a run.
LOG_EVENTS = {
    "disconnects": "disconnected (",
    "silent_pullers": "stopped pulling (silent",
    "sessions_lost": "our session was lost there",
    "stalls_reconnected": "connecting anew",
    "stalls_moved": "pulling it elsewhere",
}


def print_log_events(number, mode, nodes):
    counts = dict.fromkeys(LOG_EVENTS, 0)
    for n in nodes:
        text = n.log()
        for name, needle in LOG_EVENTS.items():
            counts[name] += text.count(needle)
    print("federation_%s_log_events_run%d: %s" % (
        mode, number, " ".join("%s=%d" % kv for kv in counts.items())))


# Where the nodes' work went: received entries that were new, duplicates, commits.
def print_counters(number, mode, nodes):
    total = dict.fromkeys(("changes_received", "changes_applied", "segments_received",
                           "segments_sent", "segments_reused", "commits", "gaps"), 0)
    for n in nodes:
        c = n.counters()
        for k in total:
            total[k] += c.get(k, 0)
    print("federation_%s_counters_run%d: %s" % (mode, number, " ".join("%s=%d" % kv for kv in total.items())))
    cpu = [n.cpu_seconds() for n in nodes]
    user_sys = [n.cpu_times() for n in nodes]
    print("federation_%s_cpu_run%d: %.1f core-s (all nodes; largest %.1f, median %.1f; "
          "user %.1f, system %.1f)" % (
              mode, number, sum(cpu), max(cpu), statistics.median(cpu),
              sum(u for u, _ in user_sys), sum(s for _, s in user_sys)))
    print("federation_%s_written_gb_run%d: %.2f GB (what all nodes wrote to files: their stores)" % (
        mode, number, sum(written_bytes(n) for n in nodes) / 1e9))
    print("federation_%s_segments_per_commit_run%d: %.2f segments" % (
        mode, number, total["segments_received"] / max(total["commits"], 1)))
    print("federation_%s_duplicate_entries_run%d: %.1f %%" % (
        mode, number, 100.0 * (total["changes_received"] - total["changes_applied"])
        / max(total["changes_received"], 1)))


def written_bytes(node):
    with open("/proc/%d/io" % node.proc.pid) as f:
        for line in f:
            if line.startswith("wchar:"):
                return int(line.split()[1])
    return 0


def print_relays(number, mode, relays):
    """The CPU the delaying relays (yrdx-delay, one per city's namespace) used: they share
    the two cores with the nodes, so the namespaces mode also measures them."""
    if not relays:
        return
    total = 0.0
    for proc in relays:
        with open("/proc/%d/stat" % proc.pid) as f:
            fields = f.read().rpartition(")")[2].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    print("federation_%s_relay_cpu_run%d: %.1f core-s (%d yrdx-delay relays)" % (
        mode, number, total, len(relays)))


def main():
    n_cities = int(sys.argv[1]) if len(sys.argv) > 1 else 41
    records = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    modes = (sys.argv[4] if len(sys.argv) > 4 else "namespaces,loopback").split(",")
    seed = int(os.environ.get("YRDX_BENCH_SEED", "2023"))
    deadline_s = float(os.environ.get("YRDX_BENCH_DEADLINE_S", "300"))
    pids_file = os.environ.get("YRDX_BENCH_PIDS")
    # The calling script's clean-up sends SIGTERM: unwind, so every node is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if "namespaces" in modes and not namespaces_work():
        print("federation_namespaces: not run (needs root and ip netns); loopback only")
        modes = [m for m in modes if m != "namespaces"]
    assert modes and all(m in ("namespaces", "loopback") for m in modes), "MODES: namespaces,loopback"

    cities = choose(read_cities(), n_cities)
    links = topology(cities)
    print("federation_seed: %d (YRDX_BENCH_SEED)" % seed)
    print("federation_cities: %d nodes (%s)" % (len(cities), " ".join(c.node for c in cities)))
    print("federation_links: %d links" % len(links))
    print("federation_records_per_city: %d records" % records)
    print("federation_deadline: %g s" % deadline_s)
    for mode in modes:
        net = Namespaces("-", cities, links, "") if mode == "namespaces" else Loopback()
        print("federation_%s_network: %s" % (mode, net.describe()))
    sys.stdout.flush()

    base = os.environ.get("YRDX_TEST_TMP") or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    warm = os.environ.get("YRDX_BENCH_WARM") == "1"
    new, again = memtouch.probe(base)
    print("federation_memory_first_touch: %s s/GiB (kernel CPU per GiB written into new page "
          "cache, GiB by GiB; over the same pages again: %s; free page reporting order %s)" % (
              " ".join("%.2f" % c for c in new), " ".join("%.2f" % c for c in again),
              memtouch.page_reporting()))
    print("federation_memory_warm: %s (YRDX_BENCH_WARM)" % ("yes: a clean file fills the page cache "
                                                          "before each run" if warm else "no"))
    sys.stdout.flush()
    data = tempfile.mkdtemp(prefix="bench-federation-data-", dir=base)
    results = {m: [] for m in modes}
    failed = 0
    try:
        paths = write_registries(cities, records, seed, data)
        # The modes alternate run by run, so that both see the machine's load alike.
        for r in range(1, runs + 1):
            for mode in modes:
                with memtouch.Ballast(base) if warm else contextlib.nullcontext() as ballast:
                    if ballast:
                        print("federation_%s_ballast_run%d: %.1f GB in %.1f s" % (
                            mode, r, ballast.bytes / 1e9, ballast.seconds))
                    load = os.getloadavg()[0]
                    res = run(r, mode, cities, links, paths, records, deadline_s, pids_file)
                if res is None:
                    failed += 1
                    print("federation_%s_converge_s_run%d: failed (deadline %g s)" % (mode, r, deadline_s))
                    continue
                converge, mem, imported, anon_peak = res
                results[mode].append(res)
                print("federation_%s_load_before_run%d: %.2f (1-minute load average)" % (mode, r, load))
                print("federation_%s_import_s_run%d: %.2f s" % (mode, r, imported))
                print("federation_%s_converge_s_run%d: %.2f s" % (mode, r, converge))
                print("federation_%s_peak_rss_mb_max_run%d: %.1f MB" % (mode, r, max(v[0] for v in mem.values())))
                print("federation_%s_rss_anon_mb_max_run%d: %.1f MB" % (mode, r, max(v[1] for v in mem.values())))
                print("federation_%s_rss_anon_sampled_mb_max_run%d: %.1f MB (%s; every %g s from the "
                      "first import to convergence)" % (mode, r, max(anon_peak.values()),
                                                        max(anon_peak, key=anon_peak.get),
                                                        AnonSampler.PERIOD_S))
                print("federation_%s_store_mb_max_run%d: %.1f MB" % (mode, r, max(v[2] for v in mem.values()) / 2 ** 20))
                print("federation_%s_rss_mb_run%d: %s (peak/anon MB)" % (mode, r, " ".join(
                    "%s=%.1f/%.1f" % (k, v[0], v[1]) for k, v in mem.items())))
                sys.stdout.flush()
    finally:
        for name in os.listdir(data):
            os.unlink(os.path.join(data, name))
        os.rmdir(data)

    print("%-28s %s" % ("figure (%d cities x %d)" % (len(cities), records),
                        " ".join("%14s" % m for m in modes)))

    def row(what, f):
        print("%-28s %s" % (what, " ".join("%14s" % (f(results[m]) if results[m] else "no run")
                                           for m in modes)))
    row("converged, median", lambda rs: "%.2f s" % statistics.median(r[0] for r in rs))
    row("converged, slowest", lambda rs: "%.2f s" % max(r[0] for r in rs))
    row("peak RSS, largest node", lambda rs: "%.1f MB" % max(v[0] for r in rs for v in r[1].values()))
    row("RssAnon, largest node", lambda rs: "%.1f MB" % max(v[1] for r in rs for v in r[1].values()))
    row("RssAnon sampled, largest", lambda rs: "%.1f MB" % max(v for r in rs for v in r[3].values()))
    row("store, largest node", lambda rs: "%.1f MB" % (max(v[2] for r in rs for v in r[1].values()) / 2 ** 20))
    row("runs converged", lambda rs: "%d/%d" % (len(rs), runs))
    for mode in modes:
        rs = results[mode]
        if rs:
            print("federation_%s_converge_s_median: %.2f s" % (mode, statistics.median(r[0] for r in rs)))
            print("federation_%s_converge_s_max: %.2f s" % (mode, max(r[0] for r in rs)))
            print("federation_%s_peak_rss_mb_max: %.1f MB" % (mode, max(v[0] for r in rs for v in r[1].values())))
            print("federation_%s_rss_anon_mb_max: %.1f MB" % (mode, max(v[1] for r in rs for v in r[1].values())))
            print("federation_%s_rss_anon_sampled_mb_max: %.1f MB" % (mode, max(v for r in rs for v in r[3].values())))
        print("federation_%s_runs_converged: %d/%d runs" % (mode, len(rs), runs))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
