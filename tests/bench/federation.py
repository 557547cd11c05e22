"""Federation convergence: CITIES real yrdxd nodes, one per city of config/yrd-cities.tsv,
linked as the federation issue lays out (Shanghai to the three provincial capitals, the
capitals to each other, every other city to its capital and to its provincial neighbour:
the next city of its province in code order, or for the province's last city the previous
one). Every city imports RECORDS enterprises of its own at the same moment; the figure is the time from
the end of the last import until every node holds the same digest, and each node's
anonymous resident memory (RssAnon) then, in MB of 2^20 bytes. Repeated RUNS times, each
with fresh nodes.

With fewer than 41 cities the federation takes Shanghai and the three capitals, then the
other cities one province at a time in turn (Jiangsu, Zhejiang, Anhui), each province in
code order; the topology rule is applied to the cities taken.

A run that has not converged DEADLINE_S seconds after its imports fails: the nodes still
behind, on which origins, and what their peers claim, are printed. Exits 1 if any run failed.

Environment: YRDX_BENCH_SEED (record contents; default 2023), YRDX_BENCH_DEADLINE_S (300),
YRDX_BENCH_PIDS (a file that gets every daemon's pid, for the calling script's clean-up),
YRDX_BENCH_KEEP=1 (keep a failed run's node directories and logs; =always, every run's)."""
import csv
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../integration"))
from harness import YRDXCTL, Federation, credit_code  # noqa: E402

CITIES_TSV = os.path.join(os.path.dirname(__file__), "../../config/yrd-cities.tsv")
CAPITALS = {"31": "shanghai", "32": "nanjing", "33": "hangzhou", "34": "hefei"}

STAGES = ["seed", "startup", "growth", "graduated", "landed"]
INDUSTRIES = ["integrated_circuits", "biomedicine", "artificial_intelligence", "future_health",
              "digital_economy", "high_end_equipment", "advanced_materials", "green_low_carbon",
              "smart_terminals", "automotive"]
QUALIFICATIONS = ["high_tech", "gazelle", "little_giant", "hard_tech"]
COLUMNS = ["credit_code", "name", "city", "stage", "incubator_ids", "industries", "qualifications",
           "employees", "patents", "funding_wan_yuan", "founded_year", "financials.revenue_wan_yuan"]


class City:
    def __init__(self, node, code, name, province, districts):
        self.node = node
        self.code = int(code)
        self.name = name
        self.province = province
        self.districts = districts.split(",")

    def __repr__(self):
        return self.node


def read_cities(path=CITIES_TSV):
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")]
    cities = [City(*row) for row in rows]
    assert len(cities) == 41, "%s: %d cities, expected 41" % (path, len(cities))
    return cities


def choose(cities, n):
    """Shanghai and the capitals first, then the provinces' other cities in turn."""
    assert 4 <= n <= len(cities), "CITIES must be 4 to %d (Shanghai and the three capitals at least)" % len(cities)
    capitals = [c for c in cities if c.node in CAPITALS.values()]
    rest = {p: [c for c in cities if c.province == p and c.node not in CAPITALS.values()]
            for p in ("32", "33", "34")}
    taken = list(capitals)
    while len(taken) < n:
        for p in ("32", "33", "34"):
            if rest[p] and len(taken) < n:
                taken.append(rest[p].pop(0))
    return sorted(taken, key=lambda c: c.code)


def topology(cities):
    """The links (pairs of cities, each pair once) of the federation issue's topology."""
    by_node = {c.node: c for c in cities}
    links = []

    def link(a, b):
        if a is not b and (a, b) not in links and (b, a) not in links:
            links.append((a, b))

    capitals = [by_node[CAPITALS[p]] for p in sorted(CAPITALS)]
    for i, a in enumerate(capitals):
        for b in capitals[i + 1:]:
            link(a, b)
    for p in ("32", "33", "34"):
        capital = by_node[CAPITALS[p]]
        others = [c for c in cities if c.province == p and c is not capital]
        for i, c in enumerate(others):
            link(c, capital)
            if i + 1 < len(others):
                link(c, others[i + 1])
            elif i > 0:
                link(c, others[i - 1])
    return links


def city_enterprise(rng, city, serial):
    """A valid enterprise of this city: a credit code in one of its districts, its code."""
    industries = rng.sample(INDUSTRIES, rng.randint(1, 3))
    qualifications = ["tech_sme"] + rng.sample(QUALIFICATIONS, rng.randint(0, 2))
    return [credit_code(serial, rng.choice(city.districts)),
            "%s样本企业%d有限公司" % (city.name, serial),
            city.code,
            rng.choice(STAGES),
            "%s-INC-%04d" % (city.node.upper(), rng.randrange(50)),
            ";".join(industries),
            ";".join(qualifications),
            rng.randint(3, 800),
            rng.randint(0, 60),
            rng.randrange(100, 50000),
            rng.randint(2010, 2025),
            rng.randrange(50, 100000)]


def write_registries(cities, records, seed, root):
    """One CSV per city, the same in every run; serials distinct within a city."""
    paths = {}
    for city in cities:
        rng = random.Random("%d/%s" % (seed, city.node))
        path = os.path.join(root, city.node + "-enterprises.csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(COLUMNS)
            for serial in rng.sample(range(10 ** 9), records):
                w.writerow(city_enterprise(rng, city, serial))
        paths[city.node] = path
    return paths


def rss_anon_mib(node):
    """Heap, stacks and buffers: not the LMDB map's file pages, which the kernel can drop."""
    return node.memory_kib()["RssAnon"] / 1024


def links_down(nodes):
    """The node->peer pull connections not up yet, as "node->peer"; empty when all are."""
    down = []
    for n in nodes:
        for p in n.status()["peers"]:
            if not p["connected"]:
                down.append("%s->%s" % (n.name, p["name"]))
    return down


def own_tip(node):
    for o in node.digest()["origins"]:
        if o["origin"] == node.pubkey:
            return o["seq"], o["hash"]
    raise AssertionError("%s has no changes of its own after its import" % node.name)


def report_behind(late, nodes, targets):
    """For each late node still behind: the origins it lacks (its seq of the final one), what
    each peer's last Tips claim of them, and the end of its log."""
    names = {n.pubkey: n.name for n in nodes}
    for n in late:
        try:
            st = n.status()
        except AssertionError as e:
            print("behind: %s: status failed: %s" % (n.name, str(e).strip()))
            continue
        mine = {v["origin"]: v["seq"] for v in st["vector"]}
        lacking = [o for o, (seq, _) in targets.items() if mine.get(o, 0) < seq]
        if not lacking:
            print("behind: %s: caught up by the time of this report" % n.name)
            continue
        print("behind: %s: %d origins, %d records: %s" % (
            n.name, len(lacking), sum(targets[o][0] - mine.get(o, 0) for o in lacking),
            ", ".join("%s %d/%d" % (names[o], mine.get(o, 0), targets[o][0]) for o in lacking)))
        for p in st["peers"]:
            ahead = ["%s %d" % (names[o], mine.get(o, 0) + p["behind_by_origin"][o])
                     for o in lacking if o in p["behind_by_origin"]]
            print("  %s peer %s %s, claims %s" % (n.name, p["name"], "connected" if p["connected"] else "DOWN",
                                                 ", ".join(ahead) if ahead else "none of them ahead"))
        for line in n.log().strip().splitlines()[-3:]:
            print("  %s log: %s" % (n.name, line))


def start(fed, cities, links, pids_file, found=False):
    """One node per city, linked both ways (founded as one federation first if found),
    started, every link up; None if the links are not all up within 60 s."""
    nodes = [fed.node(c.node, c.code) for c in cities]
    by_name = {n.name: n for n in nodes}
    for a, b in links:
        fed.link(by_name[a.node], by_name[b.node])
    if found:
        fed.found()
    for n in nodes:
        n.start()
        if pids_file:
            with open(pids_file, "a") as f:
                f.write("%d\n" % n.proc.pid)
    # Every link up before the imports: the figure is replication, not the reconnect
    # back-off of the nodes started before their peers.
    deadline = time.monotonic() + 60
    while links_down(nodes):
        if time.monotonic() > deadline:
            print("links still down 60 s after the start: %s" % " ".join(links_down(nodes)))
            return None
        time.sleep(0.2)
    return nodes


def import_everywhere(nodes, paths, records):
    """Every city imports its registry at once. Returns when the last import ended and each
    origin's final tip, read as soon as the origin's own import ended."""
    outputs = {n: open(os.path.join(os.path.dirname(n.dir), n.name + "-import.txt"), "w+") for n in nodes}
    running = {n: subprocess.Popen([YRDXCTL, "-c", n.config, "import", paths[n.name]],
                                   stdout=outputs[n], stderr=subprocess.STDOUT)
               for n in nodes}
    ended, targets = 0.0, {}
    try:
        while running:
            for n, proc in list(running.items()):
                if proc.poll() is None:
                    continue
                ended = time.monotonic()
                outputs[n].seek(0)
                out = outputs[n].read()
                del running[n]
                if proc.returncode or " %d imported" % records not in out:
                    raise AssertionError("%s: import failed (%d): %s" % (n.name, proc.returncode, out))
                targets[n.pubkey] = own_tip(n)
            time.sleep(0.01)
    finally:
        for proc in running.values():  # only when unwinding: their daemons are stopped next
            proc.kill()
            proc.wait()
        for f in outputs.values():
            f.close()
    return ended, targets


def wait_converged(nodes, targets, deadline):
    """When each node held every origin's final tip, by node name. A node that holds them
    never changes again, so it is polled no more."""
    converged_at = {}
    while len(converged_at) < len(nodes) and time.monotonic() < deadline:
        for n in nodes:
            if n.name not in converged_at:
                tips = {o["origin"]: (o["seq"], o["hash"]) for o in n.digest()["origins"]}
                if tips == targets:
                    converged_at[n.name] = time.monotonic()
        time.sleep(0.05)
    return converged_at


def run(number, cities, links, paths, records, deadline_s, pids_file):
    """One run with fresh nodes: (convergence s, {node: RssAnon MiB}, import s), or None."""
    fed = Federation("bench-federation")
    failed = True
    try:
        nodes = start(fed, cities, links, pids_file)
        if nodes is None:
            return None
        started = time.monotonic()
        import_end, targets = import_everywhere(nodes, paths, records)
        converged_at = wait_converged(nodes, targets, import_end + deadline_s)
        if len(converged_at) < len(nodes):
            late = [n for n in nodes if n.name not in converged_at]
            print("run %d: deadline missed: %d of %d nodes not converged %g s after the last "
                  "import: %s" % (number, len(late), len(nodes), deadline_s,
                                  " ".join(n.name for n in late)))
            report_behind(late, nodes, targets)
            return None
        rss = {n.name: rss_anon_mib(n) for n in nodes}
        digests = {n.digest()["digest"] for n in nodes}
        if len(digests) != 1:
            print("run %d: every origin's tip everywhere, yet %d digests" % (number, len(digests)))
            return None
        failed = False
        print_log_events(number, nodes)
        print_counters(number, nodes)
        return max(converged_at.values()) - import_end, rss, import_end - started
    finally:
        keep_env = os.environ.get("YRDX_BENCH_KEEP")
        keep = (failed and keep_env == "1") or keep_env == "always"
        fed.close(keep=keep)
        if keep:
            print("run %d: node directories and logs kept in %s" % (number, fed.root))


# What the nodes' logs say happened to their connections during a run.
LOG_EVENTS = {
    "disconnects": "disconnected (",
    "silent_pullers": "stopped pulling (silent",
    "sessions_lost": "our session was lost there",
    "stalls_reconnected": "connecting anew",
    "stalls_moved": "pulling it elsewhere",
}


def print_log_events(number, nodes):
    counts = dict.fromkeys(LOG_EVENTS, 0)
    for n in nodes:
        text = n.log()
        for name, needle in LOG_EVENTS.items():
            counts[name] += text.count(needle)
    print("federation_log_events_run%d: %s" % (
        number, " ".join("%s=%d" % kv for kv in counts.items())))


# Where the nodes' work went: received entries that were new, duplicates, commits.
def print_counters(number, nodes):
    total = dict.fromkeys(("changes_received", "changes_applied", "segments_received",
                           "segments_sent", "commits", "gaps"), 0)
    for n in nodes:
        c = n.counters()
        for k in total:
            total[k] += c.get(k, 0)
    print("federation_counters_run%d: %s" % (number, " ".join("%s=%d" % kv for kv in total.items())))
    print("federation_segments_per_commit_run%d: %.2f segments" % (
        number, total["segments_received"] / max(total["commits"], 1)))
    print("federation_duplicate_entries_run%d: %.1f %%" % (
        number, 100.0 * (total["changes_received"] - total["changes_applied"])
        / max(total["changes_received"], 1)))


def main():
    n_cities = int(sys.argv[1]) if len(sys.argv) > 1 else 41
    records = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    seed = int(os.environ.get("YRDX_BENCH_SEED", "2023"))
    deadline_s = float(os.environ.get("YRDX_BENCH_DEADLINE_S", "300"))
    pids_file = os.environ.get("YRDX_BENCH_PIDS")
    # The calling script's clean-up sends SIGTERM: unwind, so every node is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    cities = choose(read_cities(), n_cities)
    links = topology(cities)
    print("federation_seed: %d (YRDX_BENCH_SEED)" % seed)
    print("federation_cities: %d nodes (%s)" % (len(cities), " ".join(c.node for c in cities)))
    print("federation_links: %d links" % len(links))
    print("federation_records_per_city: %d records" % records)
    print("federation_deadline: %g s" % deadline_s)
    sys.stdout.flush()

    base = os.environ.get("YRDX_TEST_TMP") or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    data = tempfile.mkdtemp(prefix="bench-federation-data-", dir=base)
    try:
        paths = write_registries(cities, records, seed, data)
        results, failed = [], 0
        for r in range(1, runs + 1):
            res = run(r, cities, links, paths, records, deadline_s, pids_file)
            if res is None:
                failed += 1
                print("federation_converge_s_run%d: failed (deadline %g s)" % (r, deadline_s))
            else:
                converge, rss, imported = res
                results.append(res)
                print("federation_import_s_run%d: %.2f s" % (r, imported))
                print("federation_converge_s_run%d: %.2f s" % (r, converge))
                print("federation_rss_anon_mb_max_run%d: %.1f MB" % (r, max(rss.values())))
                print("federation_rss_anon_mb_run%d: %s MB"
                      % (r, " ".join("%s=%.1f" % (k, v) for k, v in rss.items())))
            sys.stdout.flush()
    finally:
        for name in os.listdir(data):
            os.unlink(os.path.join(data, name))
        os.rmdir(data)

    if results:
        print("federation_converge_s_median: %.2f s" % statistics.median(r[0] for r in results))
        print("federation_converge_s_max: %.2f s" % max(r[0] for r in results))
        print("federation_rss_anon_mb_max: %.1f MB" % max(max(r[1].values()) for r in results))
    print("federation_runs_converged: %d/%d runs" % (runs - failed, runs))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
