"""Hostile peers, the pulling side: the victim pulls from a member city whose trusted key
lies (tests/integration/evil_peer.c runs with anhui's key and store), and from an honest
peer that holds the origin:

    shanghai (origin) ── hangzhou (honest) ── victim
           └─────────── anhui (evil_peer MODE) ──┘

One test per row of the hostile-peer table:
  lie-tip        anhui claims seq 2^64-1 of shanghai and sends nothing
  stubs          anhui relays shanghai's changes as digest stubs only
  empty-entries  anhui sends segment messages of ~8 MB holding ~4 M empty entries
  tips-flood     every Tips of anhui adds 5,000 invented origins
  tips-trickle   every Tips of anhui adds 300 (a Tips may name 1024: sync/max_origins)
  zstd-bomb      anhui answers pulls with compressed segments of 1 GiB of zeros (~40 KB
                 each), declaring it, hiding it in the declared size, in the zstd header,
                 and in a frame without a size: each refused, none inflated past the cap

Each test asserts, while anhui still attacks: NEW_RECORDS new records written at shanghai
reach the victim whole (bodies, by export) within LIVE_S; the victim's digest equals
shanghai's and `verify` passes; the victim's anonymous RSS, sampled every 20 ms from its
start to the end, stays under RSS_BOUND_KIB (normal build only: sanitizer shadow memory
would break it); once anhui has left, the victim uses under CPU_IDLE_SHARE of a core."""
import json
import os
import subprocess
import threading
import time
import unittest

from harness import (SANITIZE, BUILD, Federation, Writer, run_seed, same_digest, tune, wait_converged,
                     wait_until)

EVIL = os.path.join(BUILD, "tests/evil_peer")
FIRST = 2000          # shanghai's records before the attacks
NEW_RECORDS = 300     # written at shanghai during each attack
LIVE_S = 15           # they reach the victim within this (dead_after_ms is 3 s here)
OWN_S = 30            # shanghai writes again within this of anhui's claim on its log
FILL_S = 20           # stubs from anhui are filled from hangzhou within this
RSS_BOUND_KIB = 64 * 1024
CPU_WINDOW_S = 5      # CPU measured over this long after anhui left...
CPU_IDLE_SHARE = 0.2  # ...must stay under this share of one core


class RssSampler(threading.Thread):
    """Samples a node's anonymous RSS every 20 ms until stopped; keeps the peak."""

    def __init__(self, node):
        super().__init__(daemon=True)
        self.node, self.peak, self.last = node, 0, 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            try:
                self.last = self.node.memory_kib()["RssAnon"]
                self.peak = max(self.peak, self.last)
            except (OSError, AttributeError, TypeError):
                pass
            self.halt.wait(0.02)

    def stop(self):
        self.halt.set()
        self.join(5)


class HostilePullingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.seed = run_seed("test_hostile_pulling")
        cls.fed = Federation("hostile-pulling")
        fed = cls.fed
        cls.a = fed.node("shanghai")
        cls.b = fed.node("hangzhou", 330100)
        cls.m = fed.node("anhui", 340100)
        fed.link(cls.a, cls.b)
        fed.link(cls.a, cls.m)
        tune(cls.a, cls.b, cls.m)
        for n in (cls.a, cls.b, cls.m):
            n.start()
        cls.writer = Writer()
        cls.a.put("enterprise", cls.writer.batch(FIRST))
        try:
            wait_converged([cls.a, cls.b, cls.m], 60, "every node to hold shanghai's records")
        except AssertionError:
            fed.dump_logs()
            fed.close()
            raise
        cls.m.stop()  # from now on anhui's address answers as evil_peer
        # Shanghai stops pulling from anhui: evil_peer lies to the victims only (a lie
        # about shanghai's own log would hold its writes behind the fence).
        cls.a.ctl("peer", "remove", "anhui")
        wait_until(lambda: cls.a.peer_status("anhui") is None, 10, "shanghai to drop anhui")
        cls.victims = 0
        print("federation in %s (YRDX_KEEP=1 keeps it)" % fed.root, flush=True)

    @classmethod
    def tearDownClass(cls):
        cls.fed.close(keep=bool(os.environ.get("YRDX_KEEP")))

    def evil_count(self, what):
        """How many times evil_peer said it sent `what` (a prefix of its log lines)."""
        with open(self.evil_log) as f:
            return sum(1 for line in f if line.startswith("evil_peer: " + what))

    def catch_up_anhui(self):
        """anhui (the real node) takes shanghai's log as it is now, so that evil_peer
        claims as much of it as hangzhou does."""
        a, m = self.a, self.m
        a.peer_add(m)
        m.start()
        wait_until(lambda: m.tip(a.pubkey) == a.tip(a.pubkey), LIVE_S, "anhui to catch up")
        m.stop()
        a.ctl("peer", "remove", "anhui")
        wait_until(lambda: a.peer_status("anhui") is None, 10, "shanghai to drop anhui")

    def attack(self, mode, honest_first=True):
        """Starts a new victim linked to anhui (evil_peer in mode) and hangzhou; returns
        it with its RSS sampler running. honest_first=False: hangzhou is down until the
        caller starts it."""
        HostilePullingTest.victims += 1
        fed, b = self.fed, self.b
        if mode == "stubs":
            self.catch_up_anhui()
        self.victim = v = fed.node("victim%d" % self.victims, 320500)
        tune(v)
        v.peer_add(self.m)
        v.peer_add(b)
        b.peer_add(v)
        if not honest_first:
            b.stop()
        elif b.proc:
            b.reload()
        else:
            b.start()
        self.evil_log = os.path.join(fed.root, "evil-%s.log" % mode)
        with open(self.evil_log, "w") as log:
            self.evil = subprocess.Popen([EVIL, "-c", self.m.config, mode, str(self.seed)],
                                         stderr=log)
        self.addCleanup(self.stop_evil)
        wait_until(lambda: self.evil_count("serving"), 10, "evil_peer to listen")
        v.start()
        self.addCleanup(v.stop)
        self.rss = RssSampler(v)
        self.rss.start()
        self.addCleanup(self.rss.stop)
        return v

    def stop_evil(self):
        if self.evil.poll() is None:
            self.evil.terminate()
            self.evil.wait(timeout=10)

    def check_victim(self, what):
        """The common end of every row: new records at shanghai reach the victim whole
        while anhui still attacks; then anhui leaves and the victim idles."""
        a, v = self.a, self.victim
        self.assertIsNone(self.evil.poll(), "evil_peer still attacks")
        a.put("enterprise", self.writer.batch(NEW_RECORDS))
        target = a.tip(a.pubkey)
        t0 = time.monotonic()
        wait_until(lambda: v.tip(a.pubkey) == target, LIVE_S,
                   "%d new records at shanghai to reach the victim %s" % (NEW_RECORDS, what))
        print("%s: %d new records reached the victim in %.2f s (bound %d s)"
              % (what, NEW_RECORDS, time.monotonic() - t0, LIVE_S), flush=True)
        wait_until(lambda: len(v.export(origin=a.pubkey)) == target, LIVE_S,
                   "the victim to hold the bodies of all %d records %s" % (target, what))
        wait_until(lambda: same_digest(a, v), LIVE_S, "the victim's digest to equal shanghai's")
        self.assertTrue(v.verify()["ok"])
        self.stop_evil()
        cpu0 = v.cpu_seconds()
        time.sleep(CPU_WINDOW_S)  # a measuring window, not a wait for an event
        cpu = v.cpu_seconds() - cpu0
        print("%s: victim CPU %.2f s in the %d s after anhui left (bound %.1f s)"
              % (what, cpu, CPU_WINDOW_S, CPU_IDLE_SHARE * CPU_WINDOW_S), flush=True)
        self.rss.stop()
        print("%s: victim RssAnon peak %d KiB, after %d KiB (bound %d KiB)"
              % (what, self.rss.peak, self.rss.last, RSS_BOUND_KIB), flush=True)
        self.assertLess(cpu, CPU_IDLE_SHARE * CPU_WINDOW_S, "victim CPU after anhui left")
        if not SANITIZE:
            self.assertLess(self.rss.peak, RSS_BOUND_KIB, "victim RSS during the attack")
            self.assertLess(self.rss.last, RSS_BOUND_KIB, "victim RSS after the attack")
        self.assertTrue(v.verify()["ok"])

    def test_lie_tip(self):
        """anhui claims shanghai's log up to 2^64-1 and never sends it: the victim stops
        waiting on it and pulls shanghai from hangzhou."""
        v = self.attack("lie-tip")
        wait_until(lambda: self.evil_count("tips") >= 2, 10, "anhui to lie twice")
        self.check_victim("with anhui lying about its tip")
        self.assertIn("sent none of", v.log())

    def test_lie_tip_echo(self):
        """As test_lie_tip, anhui's Tips under the victim's session."""
        v = self.attack("lie-tip-echo")
        wait_until(lambda: self.evil_count("tips") >= 2, 10, "anhui to lie twice")
        self.check_victim("with anhui lying about its tip (session echoed)")
        self.assertIn("sent none of", v.log())

    def test_lie_tip_own_log(self):
        """anhui claims shanghai's OWN log up to 2^64-1 to shanghai. A peer claiming more
        of a node's log than it holds raises the node's fence (a store restored from an
        old copy must not fork its log); but a claim the peer does not deliver is not
        believed once the peer is avoided for that origin: shanghai writes again within
        OWN_S, and its new records reach the victim and hangzhou."""
        a, b = self.a, self.b
        self.attack("lie-tip-echo")
        a.peer_add(self.m)

        def drop_anhui():
            a.ctl("peer", "remove", "anhui")
            wait_until(lambda: a.peer_status("anhui") is None, 10, "shanghai to drop anhui")
        self.addCleanup(drop_anhui)
        wait_until(lambda: "holds our log up to seq 18446744073709551615" in a.log(), LIVE_S,
                   "shanghai to hear anhui's claim on its own log")
        t0 = time.monotonic()

        def writes():
            r = a.ctl("put", "enterprise", self.put_file(1), check=False)
            return r.returncode == 0
        wait_until(writes, OWN_S, "shanghai to write again despite anhui's claim")
        print("own-log lie: shanghai writes again %.2f s after the claim (bound %d s)"
              % (time.monotonic() - t0, OWN_S), flush=True)
        self.check_victim("with anhui lying about shanghai's own log")
        wait_until(lambda: b.tip(a.pubkey) == a.tip(a.pubkey), LIVE_S,
                   "shanghai's new records to reach hangzhou")

    def put_file(self, n):
        path = os.path.join(self.fed.root, "own-%d.ndjson" % n)
        with open(path, "w") as f:
            for rec in self.writer.batch(n):
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return path

    def test_stubs(self):
        """anhui relays shanghai's changes as stubs: the victim keeps them while nobody
        else is up, and gets every body once hangzhou is."""
        v = self.attack("stubs", honest_first=False)
        a = self.a
        wait_until(lambda: v.tip(a.pubkey) == a.tip(a.pubkey), LIVE_S,
                   "the victim to take shanghai's log as anhui holds it, as stubs")
        self.assertEqual(len(v.export(origin=a.pubkey)), 0, "anhui sent no body")
        self.b.start()
        t0 = time.monotonic()
        wait_until(lambda: len(v.export(origin=a.pubkey)) == a.tip(a.pubkey), FILL_S,
                   "hangzhou to fill the victim's stubs")
        print("stubs: filled from hangzhou in %.2f s (bound %d s)" % (time.monotonic() - t0, FILL_S))
        self.check_victim("with anhui relaying stubs")

    def test_stubs_honest_connected(self):
        """As test_stubs, with hangzhou up from the start: anhui claims as much as hangzhou,
        so the victim pulls from whichever answered first; if it was anhui, the stubs it
        took are filled from hangzhou."""
        v = self.attack("stubs")
        a = self.a
        t0 = time.monotonic()
        wait_until(lambda: len(v.export(origin=a.pubkey)) == a.tip(a.pubkey), FILL_S,
                   "hangzhou to fill the victim's stubs")
        print("stubs, hangzhou up: filled in %.2f s (bound %d s)" % (time.monotonic() - t0, FILL_S))
        self.check_victim("with anhui relaying stubs, hangzhou up")

    def test_empty_entries(self):
        """anhui sends ~8 MB segment messages of ~4 M empty entries on every heartbeat."""
        v = self.attack("empty-entries")
        wait_until(lambda: self.evil_count("segment of") >= 8, 20,
                   "anhui to send 8 segments of empty entries")
        # Refused as they are read: on a loaded sanitizer build the victim may drop a
        # connection with some still queued, so not every one is counted.
        wait_until(lambda: v.counters().get("rejected_invalid", 0) >= 2, 30,
                   "the victim to refuse them")
        self.assertIn("segment refused unread: over 4096 entries", v.log())
        self.check_victim("with anhui sending empty entries")

    def test_zstd_bomb(self):
        """anhui sends zstd bombs instead of segments: all four kinds refused and counted
        (refused_squashed), none decompressed past a segment's 8 MiB (the victim's RSS
        bound below would show 1 GiB), and the victim goes on syncing from hangzhou."""
        # hangzhou down first: anhui is the only peer the victim can pull shanghai from.
        v = self.attack("zstd-bomb", honest_first=False)
        wait_until(lambda: self.evil_count("squashed bomb") >= 4, 30,
                   "anhui to send its four bombs")
        wait_until(lambda: v.counters().get("refused_squashed", 0) >= 4, 30,
                   "the victim to refuse them")
        self.assertEqual(v.tip(self.a.pubkey), 0, "the victim took something from anhui")
        self.b.start()
        c = v.counters()
        print("zstd-bomb: anhui sent %d bombs; the victim refused %d (refused_squashed)"
              % (self.evil_count("squashed bomb"), c["refused_squashed"]), flush=True)
        log = v.log()
        self.assertIn("compressed segment refused unread", log)
        # Once per connection, whatever it sends.
        self.assertLessEqual(log.count("compressed segment refused unread"),
                             1 + log.count("anhui: disconnected"))
        with open(self.evil_log) as f:
            sent = f.read()
        for what in ("declaring 1 GiB", "its header 1 GiB", "its header patched to 1 MiB",
                     "its header no size"):
            self.assertIn(what, sent)
        self.check_victim("with anhui sending zstd bombs")

    def test_tips_flood(self):
        """Every Tips of anhui adds 5,000 invented origins."""
        v = self.attack("tips-flood")
        wait_until(lambda: self.evil_count("tips") >= 20, 30, "anhui to flood 20 Tips")
        self.check_victim("with anhui flooding invented origins")
        self.assertGreaterEqual(v.counters().get("refused_tips_origins", 0), 1)
        self.assertIn("Tips refused unread: over 1024 origins", v.log())

    def test_tips_trickle(self):
        """Every Tips of anhui adds 300 invented origins: the victim holds at most
        sync/max_origins (1024) of them while anhui is connected, none once it left."""
        v = self.attack("tips-trickle")
        wait_until(lambda: self.evil_count("tips") >= 10, 30, "anhui to send 10 Tips")
        wait_until(lambda: v.counters().get("refused_tips_origins", 0) > 0, 10,
                   "the victim to refuse origins beyond sync/max_origins")
        wait_until(lambda: len((v.peer_status("anhui") or {}).get("behind_by_origin", {}))
                   >= 1000, 10, "the victim to show the invented origins anhui claims")
        max_held = 0
        for _ in range(20):
            held = len((v.peer_status("anhui") or {}).get("behind_by_origin", {}))
            max_held = max(max_held, held)
            self.assertLessEqual(held, 1024, "tips of anhui held by the victim")
        self.check_victim("with anhui trickling invented origins")
        self.assertIn("names more than 1024 origins", v.log())
        wait_until(lambda: not (v.peer_status("anhui") or {}).get("behind_by_origin"),
                   10, "the victim to forget anhui's tips once it left")
        print("tips-trickle: the victim held at most %d tips of anhui" % max_held)


if __name__ == "__main__":
    unittest.main()
