"""A link that goes dark: packets between two cities silently dropped both ways, no reset.

Three cities, each yrdxd in a network namespace of its own, on one bridge (in a namespace
of its own too): shanghai (A, the origin that writes), hangzhou (B) and hefei (C), linked
A-B, A-C and B-C. C pulls A's origin from A directly at first (A and C are synced before B
starts; checked: a write at A reaches C in segments from A, none from B), and A pulls C's
from C. Then the A<->C link goes dark: in A's namespace C's address resolves to a MAC
address no host has, and in C's namespace A's does (a permanent neighbour entry), so
every frame either sends the other is flooded by the bridge and dropped by every NIC as
not its own: no RST, no ICMP, no local error — a cable cut, a vanished host (checked: a
connect from A to a closed port of C times out, while B's is refused at once). B reaches
both all along. (No sch_netem, iptables or nft here; a blackhole or prohibit route fails
the sender's own connect(2) at once, with EINVAL or EACCES, and a link set down would cut
B off too.)

test_dark_link — dark for 2.5 to 3 times dead_after_ms (seeded), then back. Asserted,
with the bounds the liveness rules of docs/design.md give (timings of harness.tune()):
(1) While dark, A's new writes reach C through B, and C's reach A through B, within
    MOVE_S of the cut: the origin moves to B, the best peer, at the latest once the
    silent direct connection is dropped after dead_after_ms (rule 5) — in practice at
    once, B claiming more than C last heard from A. C receives not one segment from A
    while dark, and does receive segments from B.
(2) A does not keep serving the dead connection: it logs C as a puller that "stopped
    pulling" (silent past dead_after_ms) within DROP_S, and `status` shows its own pull
    connection to C down within DROP_S; C likewise. From then on every segment A sends
    goes to B (A's segments_sent moves exactly as B's segments_in from A, over a window
    in which A writes on). A's yrdxd memory is printed before and while dark as A writes
    (what is queued towards the dead connection is bounded by C's credit and the peer
    ROUTER's high-water mark); its growth is held under MEM_GROWTH_KIB.
(3) After the link comes back: A and C pull from each other directly again within
    RELINK_S, no pull connection refused; the three digests are equal within LIVENESS_S;
    then, both ways (A's writes, C's writes), check_live: new writes arrive everywhere
    within LIVENESS_S, equal digests, each node holding every record of the origin
    whole, verify passing; and the nodes' verify counts of changes are equal.

test_dark_closes_half_open — dark for longer than the ZMTP heartbeat's limit: A's end of
C's pull connection, half open, is closed while still dark.

test_dark_again_soon — the link flaps: dark, back just long enough for A and C to connect
again, dark again, back. After each return A and C pull from each other again within
RELINK_S with no pull connection refused, and at the end everything converges and new
writes arrive everywhere (check_live, both ways).

Skipped, saying why, when not root or when `ip netns` (or a veth or bridge) cannot be
made. Namespaces (and so the bridge and the veths in them) are removed whatever happens.
"""
import os
import random
import re
import subprocess
import time
import unittest

from harness import (DEAD_AFTER_MS, HEARTBEAT_MS, LIVENESS_S, RECONNECT_MAX_MS, SANITIZE,
                     Federation, Writer, check_live, enterprise, run_seed, tune, wait_converged,
                     wait_tip, wait_until)

SEED = run_seed("test_dark_link")

NS_PREFIX = "yrdxdark-"
SUBNET = "10.77.0."
# A locally administered unicast address no interface here has: frames to it go nowhere.
VANISHED_MAC = "02:de:ad:0b:5e:01"
PROBE_PORT = 7409  # nothing listens there: a reachable host answers a connect with an RST

# (1) The origin moves to B at the latest when C drops its silent connection to A: its
# first Hello left unanswered goes at most heartbeat_ms after the cut, silence is judged
# dead_after_ms after it (rule 5); B, on a healthy link, then delivers in well under a
# second. 2 s of room for a loaded machine.
MOVE_S = (HEARTBEAT_MS + DEAD_AFTER_MS) / 1000 + 2
# (2) A drops C as a silent puller dead_after_ms after C's last Hello that got through
# (C says Hello every heartbeat_ms), judged at A's next tick (every heartbeat_ms at
# most); its own connection to C likewise. 1.5 s of room.
DROP_S = (2 * HEARTBEAT_MS + DEAD_AFTER_MS) / 1000 + 1.5
# (3) Once the link is back, a direct connection is made again within dead_after_ms (a
# socket whose connect went into the dark is given up as "never answered" that long
# after its connect) plus reconnect_max_ms (the back-off after a connection that never
# answered) plus a heartbeat for the first Hello and its Tips. 3 s of room.
RELINK_S = (DEAD_AFTER_MS + RECONNECT_MAX_MS + HEARTBEAT_MS) / 1000 + 3
# How long a reconnection is watched past RELINK_S, to report how long it did take.
REPORT_S = 30
# How long each dark lasts in the flapping test: past the drops (DROP_S at most), and
# such that the link comes back between two retransmissions of the connections it left
# half-open (a kernel's RTO doubles from 200 ms: they are resent about 0.2, 0.6, 1.4, 3.0
# and 6.2 s after their first unanswered send), so that nothing tells either end, for
# about two seconds after the return, that those connections are gone.
FLAP_DARK_S = DEAD_AFTER_MS / 1000 + 1.0
# What A's anonymous memory may grow by while it writes and C is dark: what its peer
# ROUTER may queue for C (credit + 64 messages, a segment at most each) and LMDB's
# buffers for its own commits, with room. Not asserted in the sanitizer build.
MEM_GROWTH_KIB = 16 * 1024

# The long dark (test_dark_closes_half_open): small timings, so that the ZMTP heartbeat's
# limit, 12 x dead_after_ms, is 6 s.
HALF_OPEN_HEARTBEAT_MS = 100
HALF_OPEN_DEAD_AFTER_MS = 500

# Records A writes per batch while dark (seeded in this range), and C's.
A_BATCH = (200, 600)
C_BATCH = (20, 80)


def sh(*cmd):
    r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise subprocess.CalledProcessError(r.returncode, cmd, r.stdout, r.stderr)
    return r.stdout


def namespaces():
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=30)
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


def remove_stale():
    """Namespaces of this test whose process is gone (a run killed before its cleanup)."""
    for ns in namespaces():
        m = re.match(re.escape(NS_PREFIX) + r"(\d+)-", ns)
        if not m:
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
        except OSError:
            pass


class DarkNet:
    """A namespace per city and one holding the bridge br0; each city's eth0 is a veth whose
    other end is a port of br0. Names carry this process's id and a counter, so tests
    running side by side never share one; every address lives in this test's namespaces
    only. cut(x, y) makes the x<->y link go dark both ways, mend(x, y) brings it back."""
    _count = [0]

    def __init__(self, names):
        DarkNet._count[0] += 1
        self.tag = "%s%d-%d" % (NS_PREFIX, os.getpid(), DarkNet._count[0])
        self.names = list(names)
        self.bridge = self.tag + "-br"
        self.created = []

    def netns(self, name):
        return "%s-%s" % (self.tag, name)

    def address(self, name):
        return SUBNET + str(self.names.index(name) + 1)

    def _add_ns(self, ns):
        sh("ip", "netns", "add", ns)
        self.created.append(ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")

    def up(self):
        self._add_ns(self.bridge)
        sh("ip", "-n", self.bridge, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.bridge, "link", "set", "br0", "up")
        for i, name in enumerate(self.names):
            ns = self.netns(name)
            self._add_ns(ns)
            # Made in the namespaces directly: no name is ever taken in this one.
            sh("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name",
               "p%d" % i, "netns", self.bridge)
            sh("ip", "-n", self.bridge, "link", "set", "p%d" % i, "master", "br0", "up")
            sh("ip", "-n", ns, "addr", "add", self.address(name) + "/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")

    def cut(self, x, y):
        for a, b in ((x, y), (y, x)):
            sh("ip", "-n", self.netns(a), "neigh", "replace", self.address(b), "lladdr",
               VANISHED_MAC, "dev", "eth0", "nud", "permanent")

    def mend(self, x, y):
        for a, b in ((x, y), (y, x)):
            sh("ip", "-n", self.netns(a), "neigh", "del", self.address(b), "dev", "eth0")

    def probe(self, frm, to):
        """A TCP connect from frm's namespace to a port of to's where nothing listens:
        'refused' (the host answered with an RST), 'timeout' (nothing came back in 1 s),
        or another error's name."""
        code = ("import socket\n"
                "s = socket.socket()\n"
                "s.settimeout(1)\n"
                "try:\n"
                "    s.connect((%r, %d)); print('connected')\n"
                "except socket.timeout: print('timeout')\n"
                "except OSError as e:\n"
                "    print('refused' if e.errno == 111 else 'errno %%d' %% e.errno)\n"
                % (self.address(to), PROBE_PORT))
        return sh("ip", "netns", "exec", self.netns(frm), "python3", "-c", code).strip()

    def down(self):
        for ns in reversed(self.created):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
        self.created = []


def established(ns, port, peer_address):
    """Whether namespace ns holds an established TCP connection from local port to
    peer_address (its state as ss reads it there)."""
    out = sh("ip", "netns", "exec", ns, "ss", "-H", "-t", "-n", "state", "established",
             "( sport = :%d )" % port)
    return any(line.split()[-1].rsplit(":", 1)[0] == peer_address
               for line in out.splitlines() if line.strip())


def log_since(node, offset):
    return node.log()[offset:]


class HefeiWriter(Writer):
    """Hefei's own enterprises (合肥, district 340102), numbered apart from Shanghai's."""

    def batch(self, n):
        recs = [enterprise(i, city=340100, district="340102", name_prefix="合肥样本企业")
                for i in range(self.next, self.next + n)]
        self.next += n
        return recs


def segments_from(node, peer):
    p = node.peer_status(peer)
    return p["segments_in"] if p else 0


class DarkLinkTest(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("network namespaces need root (euid %d)" % os.geteuid())
        try:
            remove_stale()
            self.net = DarkNet(["shanghai", "hangzhou", "hefei"])
            self.addCleanup(self.net.down)  # runs even if up() fails half way
            self.net.up()
        except (OSError, subprocess.SubprocessError) as e:
            why = getattr(e, "stderr", None) or str(e)
            self.skipTest("cannot make network namespaces, a bridge and veths here: %s"
                          % why.strip())

    def three_cities(self, fed):
        """A, B and C in their namespaces, tuned, linked A-C, A-B, B-C and running; C pulls
        A's origin from A (A and C synced before B starts), checked with one more write at
        A that C takes from A and not from B. Returns (a, b, c, A's writer, C's writer)."""
        net = self.net
        a = fed.node("shanghai", 310000, host=net.address("shanghai"),
                     netns=net.netns("shanghai"))
        b = fed.node("hangzhou", 330100, host=net.address("hangzhou"),
                     netns=net.netns("hangzhou"))
        c = fed.node("hefei", 340100, host=net.address("hefei"), netns=net.netns("hefei"))
        tune(a, b, c)
        fed.link(a, c)  # first: C's first peer is A, A's is C
        fed.link(a, b)
        fed.link(b, c)
        wa, wc = Writer(), HefeiWriter(start=500000)
        # A and C first, B later: C holds A's origin from A, A C's from C.
        a.start()
        c.start()
        a.put("enterprise", wa.batch(1000))
        c.put("enterprise", wc.batch(200))
        wait_tip([c], a, LIVENESS_S, "C's first sync from A")
        wait_tip([a], c, LIVENESS_S, "A's first sync from C")
        b.start()
        wait_tip([b], a, LIVENESS_S, "B's first sync of A's origin")
        wait_tip([b], c, LIVENESS_S, "B's first sync of C's origin")
        # One more write at A: C takes it from A directly, none from B.
        c_from_a, c_from_b = segments_from(c, "shanghai"), segments_from(c, "hangzhou")
        a.put("enterprise", wa.batch(300))
        wait_tip([b, c], a, LIVENESS_S, "A's write before the cut to reach B and C")
        wait_converged([a, b, c], LIVENESS_S, "equal digests before the cut")
        self.assertGreater(segments_from(c, "shanghai"), c_from_a,
                           "C did not take A's write from A before the cut")
        self.assertEqual(segments_from(c, "hangzhou"), c_from_b,
                         "C took A's write from B before the cut: it was to pull A's "
                         "origin from A")
        for x, y in (("shanghai", "hefei"), ("hefei", "shanghai"), ("hangzhou", "hefei")):
            self.assertEqual(self.net.probe(x, y), "refused", "%s -> %s before the cut" % (x, y))
        return a, b, c, wa, wc

    def test_dark_link(self):
        """The A<->C link dark for 2.5 to 3 times dead_after_ms while A (and C) write,
        then back: (1), (2) and (3) of the module's doc."""
        rng = random.Random("%d %s" % (SEED, self.id()))
        net = self.net
        t_test = time.monotonic()
        with Federation("dark-link") as fed:
            a, b, c, wa, wc = self.three_cities(fed)
            c_from_b = segments_from(c, "hangzhou")

            mem = [("before", a.memory_kib())]
            print("A's yrdxd before the cut: %s" % mem[0][1], flush=True)
            logs = {n.name: len(n.log()) for n in (a, b, c)}
            c_from_a = segments_from(c, "shanghai")

            # ---- the A<->C link goes dark ------------------------------------------------
            dark_s = rng.uniform(2.5, 3.0) * DEAD_AFTER_MS / 1000
            net.cut("shanghai", "hefei")
            t_cut = time.monotonic()
            print("cut A<->C at %.1f s into the test; dark for %.2f s (dead_after_ms %d)"
                  % (t_cut - t_test, dark_s, DEAD_AFTER_MS), flush=True)
            a.put("enterprise", wa.batch(rng.randint(*A_BATCH)))
            a_target = a.tip(a.pubkey)
            c.put("enterprise", wc.batch(rng.randint(*C_BATCH)))
            c_target = c.tip(c.pubkey)
            t_writes = time.monotonic() - t_cut

            events = {
                "C holds A's write, via B": lambda: c.tip(a.pubkey) >= a_target,
                "A holds C's write, via B": lambda: a.tip(c.pubkey) >= c_target,
                "A drops C as a silent puller":
                    lambda: "peer hefei stopped pulling" in log_since(a, logs["shanghai"]),
                "C drops A as a silent puller":
                    lambda: "peer shanghai stopped pulling" in log_since(c, logs["hefei"]),
                "A shows its connection to C down":
                    lambda: not a.peer_status("hefei")["connected"],
                "C shows its connection to A down":
                    lambda: not c.peer_status("shanghai")["connected"],
            }
            bounds = {"C holds A's write, via B": MOVE_S, "A holds C's write, via B": MOVE_S,
                      "A drops C as a silent puller": DROP_S,
                      "C drops A as a silent puller": DROP_S,
                      "A shows its connection to C down": DROP_S,
                      "C shows its connection to A down": DROP_S}
            seen = {}
            deadline = t_cut + max(bounds.values())
            next_write = time.monotonic()
            while len(seen) < len(events) and time.monotonic() < deadline:
                for what, cond in events.items():
                    if what not in seen and cond():
                        seen[what] = time.monotonic() - t_cut
                if time.monotonic() >= next_write:
                    # A keeps writing (its memory sampled after each batch).
                    a.put("enterprise", wa.batch(rng.randint(*A_BATCH)))
                    mem.append(("%.1f s" % (time.monotonic() - t_cut), a.memory_kib()))
                    next_write = time.monotonic() + rng.uniform(0.2, 0.5)
                time.sleep(0.02)
            self.assertEqual(net.probe("shanghai", "hefei"), "timeout",
                             "A -> C while dark: not silent")
            self.assertEqual(net.probe("hefei", "shanghai"), "timeout",
                             "C -> A while dark: not silent")
            self.assertEqual(net.probe("hangzhou", "hefei"), "refused", "B -> C while dark")
            self.assertEqual(net.probe("hangzhou", "shanghai"), "refused", "B -> A while dark")
            print("while dark (times from the cut; the first writes took %.2f s):" % t_writes)
            for what in events:
                print("  %-36s %s (bound %.2f s)"
                      % (what, "%.2f s" % seen[what] if what in seen else "NOT SEEN",
                         bounds[what]), flush=True)
            a_log = log_since(a, logs["shanghai"])
            c_log = log_since(c, logs["hefei"])
            print("A's log about hefei since the cut:\n  " + "\n  ".join(
                line for line in a_log.splitlines() if "hefei" in line))
            print("C's log about shanghai since the cut:\n  " + "\n  ".join(
                line for line in c_log.splitlines() if "shanghai" in line))
            print("A's status of peer hefei: %s" % a.peer_status("hefei"), flush=True)
            for what, bound in bounds.items():
                self.assertIn(what, seen, "%s: not within %.2f s of the cut" % (what, bound))
                self.assertLessEqual(seen[what], bound, what)
            m = re.search(r"peer hefei stopped pulling \(silent (\d+) ms\)", a_log)
            self.assertGreater(int(m.group(1)), DEAD_AFTER_MS, "A dropped C before dead_after_ms")

            # (2) From here every segment A sends goes to B. A window between two quiet
            # moments (B holding A's tip: all A sent it is read), A writing on.
            wait_tip([b], a, LIVENESS_S, "B to hold A's tip (the window's start)")
            a_sent = a.counters()["segments_sent"]
            b_from_a = segments_from(b, "shanghai")
            batches = 0
            while batches < 3 or time.monotonic() - t_cut < dark_s:
                a.put("enterprise", wa.batch(rng.randint(*A_BATCH)))
                mem.append(("%.1f s" % (time.monotonic() - t_cut), a.memory_kib()))
                batches += 1
                time.sleep(rng.uniform(0.2, 0.5))  # A's pace of writing (seeded), no wait
            c.put("enterprise", wc.batch(rng.randint(*C_BATCH)))
            t_last = time.monotonic()
            wait_tip([b, c], a, LIVENESS_S, "A's last writes while dark to reach B, and C via B")
            wait_tip([a, b], c, LIVENESS_S, "C's last write while dark to reach B, and A via B")
            last_s = time.monotonic() - t_last
            a_sent_d = a.counters()["segments_sent"] - a_sent
            b_from_a_d = segments_from(b, "shanghai") - b_from_a
            c_from_a_d = segments_from(c, "shanghai") - c_from_a
            print("after A dropped C: A sent %d segments, B received %d from A; C received %d "
                  "from A while dark, holds A's tip %d (last writes arrived in %.2f s)"
                  % (a_sent_d, b_from_a_d, c_from_a_d, c.tip(a.pubkey), last_s), flush=True)
            self.assertGreater(b_from_a_d, 0, "A wrote, and B received nothing from it")
            self.assertEqual(a_sent_d, b_from_a_d,
                             "A sent segments to someone besides B after dropping C")
            self.assertEqual(c_from_a_d, 0, "C received segments from A across a dark link")
            self.assertGreater(segments_from(c, "hangzhou") - c_from_b, 0,
                               "C received no segment from B while dark: the origin did not move")
            self.assertEqual(c.tip(a.pubkey), a.tip(a.pubkey))

            base = mem[0][1]["RssAnon"]
            print("A's yrdxd memory (kiB; RssAnon / VmRSS) before and while dark, as A wrote "
                  "%d records: %s" % (wa.next, ", ".join(
                      "%s %d/%d" % (t, m_["RssAnon"], m_["VmRSS"]) for t, m_ in mem)),
                  flush=True)
            growth = max(m_["RssAnon"] for _, m_ in mem) - base
            print("A's RssAnon grew by at most %d kiB while dark (bound %d kiB%s)"
                  % (growth, MEM_GROWTH_KIB, ", not asserted: sanitizer build" if SANITIZE else ""))
            if not SANITIZE:
                self.assertLess(growth, MEM_GROWTH_KIB, "A's memory while C was dark")

            # ---- the link comes back -----------------------------------------------------
            net.mend("shanghai", "hefei")
            t_mend = time.monotonic()
            print("link back after %.2f s dark" % (t_mend - t_cut), flush=True)
            back = {}

            def relinked():
                for n, p in ((a, "hefei"), (c, "shanghai")):
                    if n.name not in back and n.peer_status(p)["connected"]:
                        back[n.name] = time.monotonic() - t_mend
                return len(back) == 2
            try:
                wait_until(relinked, RELINK_S, "A->C and C->A to connect again", interval=0.05)
            finally:
                print("direct connections again after the link came back: %s (bound %.2f s)"
                      % (back, RELINK_S), flush=True)
            self.assertEqual(net.probe("shanghai", "hefei"), "refused", "A -> C after mend")
            wait_converged([a, b, c], LIVENESS_S, "equal digests after the link came back")
            print("digests equal %.2f s after the link came back" % (time.monotonic() - t_mend),
                  flush=True)
            for n in (a, b, c):
                self.assertEqual(n.counters()["refused_pull_sessions"], 0,
                                 "%s refused a pull connection" % n.name)
            # New writes, both ways, arrive everywhere; every node equal and verified.
            check_live(self, a, [b, c], wa, "after the A<->C link came back")
            check_live(self, c, [a, b], wc, "after the A<->C link came back")
            wait_converged([a, b, c], LIVENESS_S, "equal digests at the end")
            changes = {n.name: n.verify()["changes"] for n in (a, b, c)}
            self.assertEqual(len(set(changes.values())), 1, "changes held: %s" % changes)
            self.assertEqual(a.tip(a.pubkey), wa.next, "A's tip is not what A wrote")
            print("end: %s; converged after %.2f s from the link's return; test %.1f s"
                  % (changes, time.monotonic() - t_mend, time.monotonic() - t_test), flush=True)

    def test_dark_again_soon(self):
        """A flapping link: dark for FLAP_DARK_S (past dead_after_ms), back just long enough
        for A and C to connect to each other again, dark again, back. Each time both drop
        the other's pull session as silent ("stopped pulling"), and their own connections
        to the other. After each return, A and C must pull from each other again within
        RELINK_S, with no pull connection refused (refused_pull_sessions stays 0): a
        puller holds one live connection to a peer, and design.md caps a key's sessions
        "whose connections are open" at sync/pull_sessions_max (2) — the sessions dropped
        before were on connections of a link that went dark, not open ones. At the end
        everything converges and new writes arrive everywhere, both ways (check_live)."""
        rng = random.Random("%d %s" % (SEED, self.id()))
        net = self.net
        t_test = time.monotonic()
        with Federation("dark-flap") as fed:
            a, b, c, wa, wc = self.three_cities(fed)
            offsets = {n.name: len(n.log()) for n in (a, c)}
            t_mend = None
            for n_cut in (1, 2):
                net.cut("shanghai", "hefei")
                t_cut = time.monotonic()
                if t_mend:
                    print("link back for %.2f s, dark again" % (t_cut - t_mend), flush=True)
                a.put("enterprise", wa.batch(rng.randint(*A_BATCH)))
                c.put("enterprise", wc.batch(rng.randint(*C_BATCH)))

                def both_dropped():
                    return (log_since(a, offsets["shanghai"]).count(
                                "peer hefei stopped pulling") >= n_cut
                            and log_since(c, offsets["hefei"]).count(
                                "peer shanghai stopped pulling") >= n_cut
                            and not a.peer_status("hefei")["connected"]
                            and not c.peer_status("shanghai")["connected"])
                wait_until(both_dropped, DROP_S + 1, "dark %d: A and C to drop each other as "
                           "silent pullers, and their connections to each other" % n_cut,
                           interval=0.05)
                dropped_s = time.monotonic() - t_cut
                wait_tip([a, b, c], a, LIVENESS_S, "dark %d: A's write to reach C via B" % n_cut)
                wait_tip([a, b, c], c, LIVENESS_S, "dark %d: C's write to reach A via B" % n_cut)
                # The fault lasts FLAP_DARK_S in all (a duration, not a wait on anything).
                time.sleep(max(0.0, t_cut + FLAP_DARK_S - time.monotonic()))
                net.mend("shanghai", "hefei")
                t_mend = time.monotonic()
                print("dark %d: %.2f s; A and C dropped each other %.2f s after the cut"
                      % (n_cut, t_mend - t_cut, dropped_s), flush=True)
                back = {}
                # Watched past the bound (up to REPORT_S), to say how long it took.
                deadline = t_mend + max(RELINK_S, REPORT_S)
                while len(back) < 2 and time.monotonic() < deadline:
                    for n, p in ((a, "hefei"), (c, "shanghai")):
                        if n.name not in back and n.peer_status(p)["connected"]:
                            back[n.name] = time.monotonic() - t_mend
                    time.sleep(0.05)
                refused = {n.name: n.counters()["refused_pull_sessions"] for n in (a, c)}
                print("return %d: A and C pulling from each other again after %s (bound %.2f s); "
                      "refused_pull_sessions %s"
                      % (n_cut, ", ".join("%s %.2f s" % kv for kv in sorted(back.items())),
                         RELINK_S, refused), flush=True)
                if len(back) < 2 or max(back.values()) > RELINK_S or any(refused.values()):
                    for n in (a, c):
                        print("%s's log since the first cut:\n  %s" % (n.name, "\n  ".join(
                            log_since(n, offsets[n.name]).splitlines())), flush=True)
                self.assertEqual(refused, {"shanghai": 0, "hefei": 0},
                                 "return %d: pull connections refused over "
                                 "sync/pull_sessions_max" % n_cut)
                for who in ("shanghai", "hefei"):
                    self.assertIn(who, back, "return %d: %s's direct connection not made "
                                  "again within %d s" % (n_cut, who, max(RELINK_S, REPORT_S)))
                    self.assertLessEqual(back[who], RELINK_S, "return %d: %s's direct connection"
                                         % (n_cut, who))
            wait_converged([a, b, c], LIVENESS_S, "equal digests after the link came back")
            check_live(self, a, [b, c], wa, "after the flapping A<->C link came back")
            check_live(self, c, [a, b], wc, "after the flapping A<->C link came back")
            changes = {n.name: n.verify()["changes"] for n in (a, b, c)}
            self.assertEqual(len(set(changes.values())), 1, "changes held: %s" % changes)
            print("end: %s; test %.1f s" % (changes, time.monotonic() - t_test), flush=True)

    def test_dark_closes_half_open(self):
        """A link dark for longer than the ZMTP heartbeat's limit (12 x dead_after_ms;
        HALF_OPEN_* timings): the connection C's puller had made to A's peer port stays
        established in A's namespace (no FIN, no RST ever came) until libzmq's heartbeat,
        unanswered, closes it — within 12 x dead_after_ms + a PING interval + room, while
        still dark. Before, it stayed established for as long as the link was dark. Then
        the link comes back and new writes arrive both ways (check_live)."""
        net = self.net
        with Federation("dark-long") as fed:
            a = fed.node("shanghai", 310000, host=net.address("shanghai"),
                         netns=net.netns("shanghai"))
            c = fed.node("hefei", 340100, host=net.address("hefei"), netns=net.netns("hefei"))
            tune(a, c)
            for n in (a, c):
                n.set_sync(heartbeat_ms=HALF_OPEN_HEARTBEAT_MS,
                           dead_after_ms=HALF_OPEN_DEAD_AFTER_MS)
            fed.link(a, c)
            wa, wc = Writer(), HefeiWriter(start=500000)
            a.start()
            c.start()
            a.put("enterprise", wa.batch(500))
            wait_tip([c], a, LIVENESS_S, "C's first sync from A")

            def from_c():
                return established(net.netns("shanghai"), a.peer_port, net.address("hefei"))
            wait_until(from_c, LIVENESS_S, "C's pull connection on A's peer port")
            net.cut("shanghai", "hefei")
            t_cut = time.monotonic()
            # A writes on while dark: what it sends towards C stays unacknowledged.
            a.put("enterprise", wa.batch(300))
            bound = 12 * HALF_OPEN_DEAD_AFTER_MS / 1000 + HALF_OPEN_DEAD_AFTER_MS / 1000 + 3
            wait_until(lambda: not from_c(), bound,
                       "A's end of C's connection, half open since the cut, to be closed")
            closed_s = time.monotonic() - t_cut
            print("dark: A's end of C's pull connection closed %.2f s after the cut (bound "
                  "%.2f s; 12 x dead_after_ms = %.1f s)"
                  % (closed_s, bound, 12 * HALF_OPEN_DEAD_AFTER_MS / 1000), flush=True)
            self.assertGreater(closed_s, 4 * HALF_OPEN_DEAD_AFTER_MS / 1000,
                               "closed before the liveness rules' horizon (4 x dead_after_ms)")
            net.mend("shanghai", "hefei")
            wait_tip([c], a, LIVENESS_S, "C to catch up with A once the link is back")
            check_live(self, a, [c], wa, "after the long dark")
            c.put("enterprise", wc.batch(50))
            check_live(self, c, [a], wc, "after the long dark")


if __name__ == "__main__":
    unittest.main(verbosity=2)
