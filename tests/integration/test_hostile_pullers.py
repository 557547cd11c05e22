"""A victim SERVES a hostile client that is admitted: a member city's key pulling from it
(tests/evil_client peer ...) or an authorised park on its feed port (evil_client feed ...).
Each test runs one attack for ATTACK_S seconds against a real yrdxd and asserts, during
it: the victim's anonymous RSS sampled every 0.1 s under a stated bound (normal build
only: sanitizer shadow memory would break it), the victim's CPU seconds over the attack
under a stated bound, `yrdxctl status` answering within STATUS_S every time it is asked,
an honest peer (and for the feed, an honest park's yrdx-feed) receiving NEW records
written after the attack started within LIVENESS_S; and after it the victim's digest equal
to the honest peer's, `verify` passing, and the refusal counted and logged."""
import os
import random
import subprocess
import threading
import time
import unittest

from harness import (SANITIZE, BUILD, CPU_SCALE, LIVENESS_S, Federation, Writer, enterprise, linked_pair, run_seed,
                     same_digest, tune, wait_tip, wait_until)

EVIL = os.path.join(BUILD, "tests/evil_client")
FEED = os.path.join(BUILD, "tools/yrdx-feed")
BENCH_RELAY = os.path.join(BUILD, "tests/bench/bench_relay")


ATTACK_S = 8      # how long each attack runs
STATUS_S = 3.0 * (2 if SANITIZE else 1)  # `yrdxctl status` answers within this, each time


class Watch:
    """Samples the victim during an attack, in a thread: anonymous RSS every 0.1 s and the
    time `yrdxctl status` takes, asked every 0.5 s."""

    def __init__(self, node):
        self.node = node
        self.peak_anon = 0
        self.status_s = []
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        next_status = 0
        while not self.stop_flag.is_set():
            try:
                self.peak_anon = max(self.peak_anon, self.node.memory_kib()["RssAnon"])
            except (OSError, AttributeError):
                return
            if time.monotonic() >= next_status:
                t0 = time.monotonic()
                try:
                    self.node.ctl("status", timeout=STATUS_S * 10)
                    self.status_s.append(time.monotonic() - t0)
                except (subprocess.TimeoutExpired, AssertionError):
                    self.status_s.append(float("inf"))
                next_status = time.monotonic() + 0.5
            time.sleep(0.1)

    def __enter__(self):
        self.cpu0 = self.node.cpu_seconds()
        self.t0 = time.monotonic()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join(timeout=STATUS_S * 20)
        self.cpu = self.node.cpu_seconds() - self.cpu0
        self.elapsed = time.monotonic() - self.t0
        return False


class Evil:
    """evil_client running one attack until stopped; its rounds are printed to a file."""

    def __init__(self, fed, args):
        self.out = os.path.join(fed.root, "evil-%d.out" % random.randrange(1 << 30))
        with open(self.out, "w") as out:
            self.proc = subprocess.Popen([EVIL] + args, stdout=out, stderr=subprocess.STDOUT)

    def text(self):
        with open(self.out) as f:
            return f.read()

    def wait_round(self, r, timeout=30):
        wait_until(lambda: "round %d:" % r in self.text() or self.proc.poll() is not None,
                   timeout, "evil_client's round %d" % r)
        if self.proc.poll() is not None:
            raise AssertionError("evil_client exited: %s" % self.text())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class HostilePullersTest(unittest.TestCase):
    def setUp(self):
        self.seed = run_seed(self.id())
        random.seed(self.seed)

    def report(self, what, w, live_s, rss_bound_kib, cpu_bound):
        statuses = ", ".join("%.2f" % s for s in w.status_s)
        print("%s: victim peak RssAnon %d KiB (bound %s), CPU %.2f s over %.1f s of attack "
              "(bound %.1f s), status answered in [%s] s (bound %.1f s), new records reached "
              "the honest peer in %s (bound %d s)"
              % (what, w.peak_anon, "%d KiB" % rss_bound_kib if not SANITIZE else "none",
                 w.cpu, w.elapsed, cpu_bound, statuses, STATUS_S,
                 "%.2f s" % live_s if live_s is not None else "never", LIVENESS_S), flush=True)

    def check_bounds(self, w, live_err, rss_bound_kib, cpu_bound):
        if live_err:
            self.fail(live_err)
        self.assertTrue(w.status_s, "status was never asked")
        self.assertLess(max(w.status_s), STATUS_S, "status answered in %r s" % w.status_s)
        self.assertLess(w.cpu, cpu_bound, "victim CPU seconds over the attack")
        if not SANITIZE:
            self.assertLess(w.peak_anon, rss_bound_kib, "victim's peak anonymous RSS (KiB)")

    def live(self, origin, others, writer, what):
        """NEW records written at origin now reach others within LIVENESS_S: (seconds, None)
        or (None, why not)."""
        t0 = time.monotonic()
        try:
            origin.put("enterprise", writer.batch(500))
            wait_tip(others, origin, LIVENESS_S, "500 new records at %s %s" % (origin.name, what))
        except (AssertionError, subprocess.TimeoutExpired) as e:
            return None, str(e)
        return time.monotonic() - t0, None

    def hello_attack(self, fed, a, b, evil, writer, origins):
        attack = Evil(fed, ["-c", evil.config, "peer", a.endpoint, a.pubkey, "hello-origins",
                            str(origins), str(self.seed)])
        try:
            attack.wait_round(0)
            with Watch(a) as w:
                attack.wait_round(2)  # the attack is under way: the victim had two Hellos
                live_s, live_err = self.live(a, [b], writer, "during the attack")
                while time.monotonic() - w.t0 < ATTACK_S:
                    time.sleep(0.1)
        finally:
            attack.stop()
        return w, live_s, live_err

    def test_hello_with_200000_origins(self):
        """Hellos listing invented origins, sent every second: 20,000 (760 kB) are refused
        from a count of their bytes, with a logged reason, and counted; 200,000 (7.6 MB)
        are over the peer port's message size (1 MiB) and never read. Either way the
        victim keeps serving."""
        rss_bound, cpu_bound = 32 * 1024, 2.0 * CPU_SCALE
        with Federation("hostile-hello") as fed:
            writer = Writer()
            a, b = linked_pair(fed, writer, 2000)
            evil = fed.node("wuxi", 320200)
            a.peer_add(evil)  # its key is trusted; evil_client uses it, the node never runs
            wait_until(lambda: ": 2 peers, 0 parks" in a.log(), 10,
                       "the victim to reload its trust store")
            for origins in (20000, 200000):
                w, live_s, live_err = self.hello_attack(fed, a, b, evil, writer, origins)
                self.report("hello %d origins" % origins, w, live_s, rss_bound, cpu_bound)
                self.check_bounds(w, live_err, rss_bound, cpu_bound)
                if origins == 20000:
                    self.assertGreater(a.counters().get("refused_hello_origins", 0), 0)
                    self.assertIn("Hello lists more than sync/max_origins (1024) origins",
                                  a.log())
            self.assertTrue(same_digest(a, b), "victim and honest peer differ")
            self.assertTrue(a.verify()["ok"])

    def test_credit_max_connections_that_never_read(self):
        """40 connections of one member key, each announcing credit 2^32-1 and pulling
        everything, that never read: they cost what one connection does."""
        rss_bound, cpu_bound = 48 * 1024, 2.0 * CPU_SCALE
        with Federation("hostile-credit") as fed:
            writer = Writer()
            a, b = linked_pair(fed, writer, 40000)
            evil = fed.node("wuxi", 320200)
            a.peer_add(evil)
            wait_until(lambda: ": 2 peers, 0 parks" in a.log(), 10,
                       "the victim to reload its trust store")
            attack = Evil(fed, ["-c", evil.config, "peer", a.endpoint, a.pubkey, "credit-max",
                                "40", str(self.seed)])
            try:
                with Watch(a) as w:
                    attack.wait_round(0, timeout=60)
                    live_s, live_err = self.live(a, [b], writer, "during the attack")
                    while time.monotonic() - w.t0 < ATTACK_S:
                        time.sleep(0.1)
            finally:
                attack.stop()
            self.report("40 x credit 2^32-1, never read", w, live_s, rss_bound, cpu_bound)
            self.check_bounds(w, live_err, rss_bound, cpu_bound)
            self.assertGreater(a.counters().get("refused_pull_sessions", 0), 0)
            self.assertIn("pull sessions", a.log())
            self.assertTrue(same_digest(a, b), "victim and honest peer differ")
            self.assertTrue(a.verify()["ok"])

    def test_park_subscribe_flood(self):
        """An authorised park sending 1,000 SUBSCRIBE(after=0) a second on a node holding
        15,000 relay events, none of them for it, and 40 more connections of it that
        subscribe with credit 2^32-1 and never read: a bounded share of the loop, the
        extra connections refused and counted; status stays fast; an honest park still
        gets new events."""
        n_cases = 15000
        cpu_bound = 1.5 * CPU_SCALE
        rss_bound = 32 * 1024
        with Federation("hostile-feed") as fed:
            sh = fed.node("shanghai", 310000)
            sz = fed.node("suzhou", 320500)
            tune(sh, sz)
            fed.link(sh, sz)
            keys = {}
            for name in ("honest", "evil"):
                keys[name] = os.path.join(fed.root, name + ".key")
                pub = subprocess.run([FEED, "keygen", keys[name]], capture_output=True, text=True,
                                     check=True).stdout.strip()
                keys[name + ".pub"] = pub
            sh.start()
            sz.start()
            # parks of Suzhou's own registry, authorised once it holds them
            sz.put("park", [{"id": "SZ-PARK-" + name.upper(), "name": "苏州%s产业园" % name,
                             "city": 320500, "type": "characteristic_park",
                             "industries": ["integrated_circuits"], "capacity": 50}
                            for name in ("honest", "evil")])
            for name in ("honest", "evil"):
                sz.ctl("park", "add", name, "SZ-PARK-" + name.upper(), keys[name + ".pub"])
            ents = [enterprise(i) for i in range(n_cases + 200)]
            sh.put("enterprise", ents, chunk=25000)
            codes = os.path.join(fed.root, "codes")
            with open(codes, "w") as f:
                f.write("\n".join(e["credit_code"] for e in ents) + "\n")

            def propose(first, n):
                part = os.path.join(fed.root, "codes-%d" % first)
                with open(part, "w") as f:
                    f.write("\n".join(e["credit_code"] for e in ents[first:first + n]) + "\n")
                out = subprocess.run([BENCH_RELAY, "propose", os.path.join(sh.dir, "control.sock"),
                                      sz.pubkey, "SZ-PARK-HONEST", part, str(n)],
                                     capture_output=True, text=True, timeout=300)
                self.assertEqual(out.returncode, 0, out.stderr)
                return out.stdout.split()

            propose(0, n_cases)
            wait_until(lambda: same_digest(sh, sz), 120, "Suzhou to hold every proposal")
            state = os.path.join(fed.root, "honest.state")
            honest_out = os.path.join(fed.root, "honest.ndjson")
            conn = ["--node", "tcp://127.0.0.1:%d" % sz.feed_port, "--node-key", sz.pubkey]
            with open(honest_out, "w") as out:
                honest = subprocess.Popen([FEED] + conn + ["--key", keys["honest"], "--state", state,
                                                           "run"], stdout=out,
                                          stderr=subprocess.DEVNULL)

            def delivered():
                # complete lines only: the feed may be half way through writing one
                with open(honest_out, "rb") as f:
                    return sum(1 for line in f if line.endswith(b"\n") and line.strip())
            try:
                wait_until(lambda: delivered() >= n_cases, 120, "the honest park's backlog")
                feed_args = ["-k", keys["evil"], "feed", "tcp://127.0.0.1:%d" % sz.feed_port,
                             sz.pubkey]
                attack = Evil(fed, feed_args + ["subscribe-flood", "1000", str(self.seed)])
                # Beside it, 40 more connections of the same park that never read.
                conns = Evil(fed, feed_args + ["subscribe-conns", "40", str(self.seed)])
                try:
                    attack.wait_round(0)
                    conns.wait_round(0)
                    with Watch(sz) as w:
                        t0 = time.monotonic()
                        live_err = None
                        try:
                            new = propose(n_cases, 100)
                            wait_until(lambda: delivered() >= n_cases + len(new), LIVENESS_S,
                                       "100 new cases to reach the honest park")
                            live_s = time.monotonic() - t0
                        except (AssertionError, subprocess.TimeoutExpired) as e:
                            live_s, live_err = None, str(e)
                        while time.monotonic() - w.t0 < ATTACK_S:
                            time.sleep(0.1)
                finally:
                    attack.stop()
                    conns.stop()
            finally:
                honest.terminate()
                honest.wait(timeout=10)
            self.report("1000 SUBSCRIBE(after=0)/s", w, live_s, rss_bound, cpu_bound)
            self.check_bounds(w, live_err, rss_bound, cpu_bound)
            self.assertGreater(sz.counters().get("refused_feed_connections", 0), 0)
            self.assertIn("a new feed connection while it holds 2", sz.log())
            wait_until(lambda: same_digest(sh, sz), LIVENESS_S, "identical digests")
            self.assertTrue(sz.verify()["ok"])


if __name__ == "__main__":
    unittest.main()
