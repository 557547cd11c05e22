"""The whole delta on one machine (issue 15, point 1): the 41 cities of config/yrd-cities.tsv
as real yrdxd nodes, founded as one federation (联盟章程) and linked as the federation issue
lays out, each in a network namespace of its own with its links delayed by distance, or on
loopback ports. deploy/federation.sh runs it; tests/bench/federation.py and slowlink.py
build on the same pieces, so the deployment and the benchmarks are one code.

  python3 deploy/delta.py up --dir DIR [--cities N] [--records R] [--mode MODE]
  python3 deploy/delta.py stop --dir DIR

Namespaces (MODE namespaces, or auto as root where `ip netns` works): a namespace per city
(yrdx-TAG-NODE) with one veth to a bridge in a namespace of its own (yrdx-TAG-br), the
city's node listening on 10.41.0.X:7401. This kernel has no sch_netem, so the delay is the
project's own relay (yrdx-delay): one per city namespace, with a route per peer on
127.0.0.1:20000+X; the node dials its peers there and each byte is held half the link's
round trip each way. Rate, where asked (the slow-link benchmark), is shaped with tc tbf
on both ends of each veth. Loopback: every node on 127.0.0.1 ports, no delay.

Link delays (round trip): within a province 1 ms + 1 ms per 100 km between the two cities;
across provinces (上海 included) 10 ms + 1 ms per 40 km, at most 20 ms."""
import argparse
import csv
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../tests/integration"))
import harness  # noqa: E402
from harness import YRDXCTL, Federation, credit_code  # noqa: E402

CITIES_TSV = os.path.join(HERE, "../config/yrd-cities.tsv")
CAPITALS = {"31": "shanghai", "32": "nanjing", "33": "hangzhou", "34": "hefei"}


# -- the cities and their links ----------------------------------------------------------

class City:
    def __init__(self, node, code, name, province, districts, lat, lon):
        self.node = node
        self.code = int(code)
        self.name = name
        self.province = province
        self.districts = districts.split(",")
        self.lat = float(lat)
        self.lon = float(lon)

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


def distance_km(a, b):
    """Great-circle distance between two city centres."""
    la1, lo1, la2, lo2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def link_rtt_ms(a, b):
    """The round trip of the link between cities a and b: a few ms within a province, 10 to
    20 ms across (a whole number of ms each way: the relay's unit)."""
    d = distance_km(a, b)
    rtt = 1 + d / 100 if a.province == b.province else min(20.0, 10 + d / 40)
    return 2 * max(1, round(rtt / 2))


# -- synthetic registries ----------------------------------------------------------------

STAGES = ["seed", "startup", "growth", "graduated", "landed"]
INDUSTRIES = ["integrated_circuits", "biomedicine", "artificial_intelligence", "future_health",
              "digital_economy", "high_end_equipment", "advanced_materials", "green_low_carbon",
              "smart_terminals", "automotive"]
QUALIFICATIONS = ["high_tech", "gazelle", "little_giant", "hard_tech"]
COLUMNS = ["credit_code", "name", "city", "stage", "incubator_ids", "industries", "qualifications",
           "employees", "patents", "funding_wan_yuan", "founded_year", "financials.revenue_wan_yuan"]


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
    """One CSV per city, the same for the same seed; serials distinct within a city."""
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


# -- the network: loopback, or a namespace per city --------------------------------------

RELAY = os.path.join(harness.BUILD, "tools/yrdx-delay")
RELAY_PORT_BASE = 20000


def sh(*cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("%s: %s" % (" ".join(cmd), (r.stderr or r.stdout).strip()))
    return r.stdout


def namespaces_work():
    """Whether this process can make network namespaces (root, ip netns): a probe."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        return False
    probe = "yrdx-probe-%d" % os.getpid()
    try:
        sh("ip", "netns", "add", probe)
    except (RuntimeError, OSError):
        return False
    sh("ip", "netns", "del", probe)
    return True


class Loopback:
    """Every node on 127.0.0.1, its peers dialled directly: no delay."""
    mode = "loopback"

    def __init__(self):
        self.pids = []

    def node_args(self, city):
        return {}

    def endpoint(self, a, b):
        """Where node a dials its peer b."""
        return b.endpoint

    def up(self):
        pass

    def start_relays(self, nodes, detach=False):
        pass

    def down(self):
        pass

    def describe(self):
        return "loopback ports on 127.0.0.1, no delay"


class Namespaces:
    """A namespace per city on one bridge; links delayed by relays, rate shaped by tbf.

    rtt_ms: one round trip for every link instead of the distance's; rate_mbit: shape each
    city's veth (both ends, so both directions) to this rate."""
    mode = "namespaces"

    def __init__(self, tag, cities, links, root, rtt_ms=None, rate_mbit=None):
        self.tag = tag
        self.cities = cities
        self.links = links
        self.root = root
        self.rtt_ms = rtt_ms
        self.rate_mbit = rate_mbit
        self.index = {c.node: i for i, c in enumerate(cities)}
        self.bridge = "yrdx-%s-br" % tag
        self.created = []
        self.pids = []
        self.relays = []

    def netns(self, node):
        return "yrdx-%s-%s" % (self.tag, node)

    def address(self, node):
        return "10.41.0.%d" % (self.index[node] + 1)

    def node_args(self, city):
        return {"host": self.address(city.node), "netns": self.netns(city.node)}

    def endpoint(self, a, b):
        return "tcp://127.0.0.1:%d" % (RELAY_PORT_BASE + self.index[b.name])

    def rtt(self, a, b):
        return self.rtt_ms if self.rtt_ms is not None else link_rtt_ms(a, b)

    def _add_ns(self, name):
        sh("ip", "netns", "add", name)
        self.created.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")

    def _shape(self, ns, dev):
        # A burst of at least one timer tick at the rate (and 64 KiB at most ahead).
        burst = max(16 << 10, int(self.rate_mbit * 1e6 / 8 / 250))
        sh("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate",
           "%dmbit" % self.rate_mbit, "burst", str(burst), "latency", "50ms")

    def up(self):
        self._add_ns(self.bridge)
        sh("ip", "-n", self.bridge, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.bridge, "link", "set", "br0", "up")
        for c in self.cities:
            ns, i = self.netns(c.node), self.index[c.node]
            self._add_ns(ns)
            sh("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name",
               "p%d" % i, "netns", self.bridge)
            sh("ip", "-n", self.bridge, "link", "set", "p%d" % i, "master", "br0", "up")
            sh("ip", "-n", ns, "addr", "add", self.address(c.node) + "/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            if self.rate_mbit:
                self._shape(ns, "eth0")
                self._shape(self.bridge, "p%d" % i)

    def start_relays(self, nodes, detach=False):
        """One relay per city namespace: a route per peer, held half the link's round trip
        each way."""
        peers = {c.node: [] for c in self.cities}
        for a, b in self.links:
            peers[a.node].append(b)
            peers[b.node].append(a)
        for c in self.cities:
            routes = ["127.0.0.1:%d=%s:7401@%d" % (RELAY_PORT_BASE + self.index[p.node],
                                                  self.address(p.node), self.rtt(c, p) // 2)
                      for p in peers[c.node]]
            if not routes:
                continue
            log = open(os.path.join(self.root, c.node + "-delay.log"), "a")
            proc = subprocess.Popen(["ip", "netns", "exec", self.netns(c.node), RELAY] + routes,
                                    stdout=subprocess.PIPE, stderr=log, text=True,
                                    start_new_session=detach)
            log.close()
            line = proc.stdout.readline()
            if line != "ready\n":
                raise RuntimeError("the relay in %s did not start: %r" % (self.netns(c.node), line))
            self.relays.append(proc)
            self.pids.append(proc.pid)

    def describe(self):
        rtts = sorted(self.rtt(a, b) for a, b in self.links)
        what = "network namespaces (a bridge, a veth per city), links delayed by yrdx-delay " \
               "relays (no sch_netem in this kernel)"
        if rtts:
            what += ", round trip %d-%d ms" % (rtts[0], rtts[-1])
        if self.rate_mbit:
            what += ", rate %d Mbit/s (tc tbf)" % self.rate_mbit
        return what

    def down(self):
        stop_pids(self.pids, ("yrdx-delay",))
        for proc in self.relays:
            proc.wait()
        for ns in reversed(self.created):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.created = []


def stop_pids(pids, names, timeout=20):
    """TERM (then KILL) each pid still running one of names (checked in /proc: a pid reused
    by another program is left alone)."""
    def ours(pid):
        try:
            with open("/proc/%d/comm" % pid) as f:
                return f.read().strip() in names
        except OSError:
            return False
    live = [p for p in pids if ours(p)]
    for p in live:
        os.kill(p, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(ours(p) for p in live):
        time.sleep(0.05)
    for p in live:
        if ours(p):
            os.kill(p, signal.SIGKILL)


# -- founding, loading, watching ---------------------------------------------------------

def links_down(nodes):
    """The node->peer pull connections not up yet, as "node->peer"; empty when all are."""
    down = []
    for n in nodes:
        for p in n.status()["peers"]:
            if not p["connected"]:
                down.append("%s->%s" % (n.name, p["name"]))
    return down


def start(fed, cities, links, pids_file=None, found=False, net=None, detach=False):
    """One node per city, linked both ways (founded as one federation first if found) over
    net (default loopback), started, every link up; None if the links are not all up
    within 60 s."""
    net = net or Loopback()
    nodes = [fed.node(c.node, c.code, **net.node_args(c)) for c in cities]
    by_name = {n.name: n for n in nodes}
    for a, b in links:
        na, nb = by_name[a.node], by_name[b.node]
        na.ctl("peer", "add", nb.name, net.endpoint(na, nb), nb.pubkey)
        nb.ctl("peer", "add", na.name, net.endpoint(nb, na), na.pubkey)
    if found:
        fed.found()
    net.start_relays(nodes, detach)
    for n in nodes:
        n.start(detach=detach)
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


def own_tip(node):
    for o in node.digest()["origins"]:
        if o["origin"] == node.pubkey:
            return o["seq"], o["hash"]
    raise AssertionError("%s has no changes of its own after its import" % node.name)


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


WATCHER = os.path.join(harness.BUILD, "tests/bench/bench_sync")


def wait_converged(nodes, targets, deadline):
    """When each node held every origin's final tip, by node name. A node that holds them
    never changes again, so it is looked at no more. Watched from one process reading the
    stores (bench_sync wait-tips) where the build has it: a yrdxctl per node and check
    would take a share of the two cores the nodes are measured on."""
    if os.access(WATCHER, os.X_OK):
        converged_at = watch_converged(nodes, targets, deadline)
        if converged_at is not None:
            return converged_at
    converged_at = {}
    while len(converged_at) < len(nodes) and time.monotonic() < deadline:
        for n in nodes:
            if n.name not in converged_at:
                tips = {o["origin"]: (o["seq"], o["hash"]) for o in n.digest()["origins"]}
                if tips == targets:
                    converged_at[n.name] = time.monotonic()
        time.sleep(0.05)
    return converged_at


def watch_converged(nodes, targets, deadline):
    lines = ["%s %d %s" % (o, seq, h) for o, (seq, h) in targets.items()] + [""]
    lines += [os.path.join(n.dir, "data") for n in nodes]
    r = subprocess.run([WATCHER, "wait-tips", "%.3f" % deadline], input="\n".join(lines) + "\n",
                       capture_output=True, text=True)
    if r.returncode == 2 and "usage" in r.stderr:
        return None  # a build from before wait-tips: poll instead
    if r.returncode not in (0, 1):
        raise AssertionError("bench_sync wait-tips: %s" % r.stderr.strip())
    converged_at = {}
    for line in r.stdout.split("\n"):
        if line:
            i, t = line.split()
            converged_at[nodes[int(i)].name] = float(t)
    return converged_at


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


def memory_mib(node):
    """(peak resident, anonymous resident) of the running daemon in MiB: VmHWM counts the
    store's mapped pages the daemon touched too; RssAnon is its heap, stacks and buffers."""
    m = node.memory_kib()
    return m["VmHWM"] / 1024, m["RssAnon"] / 1024


def figures(nodes):
    """Per node: (peak RSS MiB, RssAnon MiB, store bytes, records of all origins)."""
    out = {}
    for n in nodes:
        st = n.status()
        hwm, anon = memory_mib(n)
        out[n.name] = (hwm, anon, st["store_bytes"], sum(v["seq"] for v in st["vector"]))
    return out


# -- deploy/federation.sh ----------------------------------------------------------------

STATE = "state.json"


def up(args):
    state_path = os.path.join(args.dir, STATE)
    if os.path.exists(state_path):
        raise SystemExit("federation: %s holds a running federation (%s): stop it first "
                         "(deploy/federation.sh --stop --dir %s)" % (args.dir, state_path, args.dir))
    if args.mode == "namespaces" and not namespaces_work():
        raise SystemExit("federation: --namespaces needs root and `ip netns` (try --loopback)")
    mode = args.mode if args.mode != "auto" else ("namespaces" if namespaces_work() else "loopback")
    cities = choose(read_cities(), args.cities)
    links = topology(cities)
    if os.path.isdir(args.dir):
        shutil.rmtree(args.dir)
    fed = Federation("delta", root=args.dir)
    tag = "%04x" % random.randrange(1 << 16)
    net = Namespaces(tag, cities, links, args.dir) if mode == "namespaces" else Loopback()
    state = {"mode": mode, "tag": tag, "namespaces": [], "pids": [], "nodes": {}}

    def save():
        state["namespaces"] = list(getattr(net, "created", []))
        state["pids"] = net.pids + [n.proc.pid for n in fed.nodes if n.proc]
        with open(state_path + ".tmp", "w") as f:
            json.dump(state, f, indent=1)
        os.replace(state_path + ".tmp", state_path)

    print("federation: %d cities, %d links, mode %s: %s" % (len(cities), len(links), mode,
          "" if mode == "loopback" else "(namespaces yrdx-%s-*)" % tag))
    ok = False
    try:
        net.up()
        save()
        print("network: %s" % net.describe())
        nodes = start(fed, cities, links, found=True, net=net, detach=True)
        save()
        if nodes is None:
            raise SystemExit("federation: the links did not come up within 60 s")
        state["nodes"] = {n.name: n.config for n in nodes}
        save()
        print("founded: 联盟章程 version 1 signed by all %d founders; every link up" % len(nodes))
        if args.records:
            data = os.path.join(args.dir, "registries")
            os.makedirs(data)
            paths = write_registries(cities, args.records, args.seed, data)
            started = time.monotonic()
            ended, targets = import_everywhere(nodes, paths, args.records)
            converged_at = wait_converged(nodes, targets, ended + args.deadline)
            if len(converged_at) < len(nodes):
                late = [n for n in nodes if n.name not in converged_at]
                report_behind(late, nodes, targets)
                raise SystemExit("federation: %d of %d nodes not converged %g s after the last "
                                 "import" % (len(late), len(nodes), args.deadline))
            digests = {n.digest()["digest"] for n in nodes}
            print("imported: %d enterprises at each city in %.2f s (all at once)"
                  % (args.records, ended - started))
            print("converged: %.2f s after the last import; %d identical digests %s"
                  % (max(converged_at.values()) - ended, len(nodes), "" if len(digests) == 1
                     else "NO: %d different" % len(digests)))
            if len(digests) != 1:
                raise SystemExit(1)
        by_city = {c.node: c for c in cities}
        print("NODE         城市    CITY    CHANGES     STORE  PEAK RSS  RSS ANON")
        for name, (hwm, anon, store, changes) in figures(nodes).items():
            c = by_city[name]
            print("%-12s %s %-6d %9d %6.1f MB %6.1f MB %6.1f MB"
                  % (name, c.name + "\u3000" * (3 - len(c.name)), c.code, changes,
                     store / 2 ** 20, hwm, anon))
        print("running; each node: yrdxctl -c %s/NODE/yrdxd.zpl status; stop: "
              "deploy/federation.sh --stop --dir %s" % (args.dir, args.dir))
        ok = True
    finally:
        if not ok:
            print("federation: stopping what was started", file=sys.stderr)
            save()
            stop(args)


def stop(args):
    """Everything a run started, by the pids and namespaces its state file names."""
    state_path = os.path.join(args.dir, STATE)
    try:
        with open(state_path) as f:
            state = json.load(f)
    except FileNotFoundError:
        print("federation: nothing running in %s" % args.dir)
        return
    stop_pids(state["pids"], ("yrdxd", "yrdx-delay"))
    gone = 0
    for ns in reversed(state["namespaces"]):
        if subprocess.run(["ip", "netns", "del", ns], capture_output=True).returncode == 0:
            gone += 1
    os.unlink(state_path)
    print("federation: stopped %d processes, removed %d namespaces (%s mode); stores and "
          "logs stay in %s" % (len(state["pids"]), gone, state["mode"], args.dir))


def main():
    p = argparse.ArgumentParser(prog="delta.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("up")
    u.add_argument("--dir", required=True)
    u.add_argument("--cities", type=int, default=41)
    u.add_argument("--records", type=int, default=0)
    u.add_argument("--mode", choices=("auto", "namespaces", "loopback"), default="auto")
    u.add_argument("--seed", type=int, default=2023)
    u.add_argument("--deadline", type=float, default=300)
    s = sub.add_parser("stop")
    s.add_argument("--dir", required=True)
    args = p.parse_args()
    if args.cmd == "up" and not 4 <= args.cities <= 41:
        p.error("--cities %d: from 4 (上海 and the three capitals) to 41" % args.cities)
    if args.cmd == "up" and args.records < 0:
        p.error("--records %d: a number of enterprises per city, 0 or more" % args.records)
    args.dir = os.path.abspath(args.dir)
    up(args) if args.cmd == "up" else stop(args)


if __name__ == "__main__":
    main()
