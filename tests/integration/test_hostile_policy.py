"""A compromised member relays an origin's sharing policy (共享策略) as a stub.

    shanghai (origin) ── anhui (evil_peer policy-stub) ── hangzhou ── hefei
        └────────────────────────────────────────────────────────────┘
    shanghai withholds its enterprises from hefei (peer add --share)

A stub hides its change's kind. Before every head named the seq of its origin's latest
policy, hangzhou took shanghai's log from anhui with the policy as a stub, applied the
default policy to shanghai, and filled hefei's enterprise stubs with bodies: what
shanghai withholds from hefei reached hefei through an honest relay (the gap
docs/SECURITY.md used to name). Now:
  - hangzhou refuses anhui's segment that holds the policy as a stub (counted as
    rejected_invalid, said in its log), and holds nothing of shanghai from anhui;
  - hefei, pulling from shanghai and hangzhou, never holds shanghai's enterprises (no
    export, no planted name in its data.mdb) while anhui still attacks;
  - hangzhou gets an honest path to shanghai: new records written at shanghai then reach
    hangzhou whole and hefei as stubs within LIVENESS_S, one digest everywhere, `verify`
    passes, and hefei still holds no enterprise of shanghai's;
  - hangzhou's anonymous resident memory stays under RSS_BOUND_KIB (normal build only).
"""
import os
import subprocess
import time
import unittest

from harness import (BUILD, LIVENESS_S, SANITIZE, Federation, enterprise, run_seed, tune,
                     wait_converged, wait_until)
from test_sharing import incubator

EVIL = os.path.join(BUILD, "tests/evil_peer")
ENTERPRISES = 200
ALL_BUT_ENTERPRISE = "incubator,park,relay-event,joint,evaluation"
MARKER = "策略存根标记QP4K"  # a name only shanghai's withheld enterprises carry
REFUSED_S = 20  # hangzhou refuses anhui's first segment within this of starting
RSS_BOUND_KIB = 32 * 1024  # hangzhou's anonymous memory, attacked (normal build)


def read(path):
    with open(path) as f:
        return f.read()


def store_bytes(node):
    with open(os.path.join(node.dir, "data", "data.mdb"), "rb") as f:
        return f.read()


class HostilePolicyTest(unittest.TestCase):
    def test_policy_as_stub_opens_nothing(self):
        run_seed(self.id())  # nothing random here; printed for the record
        with Federation("hostile-policy") as fed:
            sh = fed.node("shanghai")
            m = fed.node("anhui", 340200)
            hz = fed.node("hangzhou", 330100)
            hf = fed.node("hefei", 340100)
            tune(sh, m, hz, hf)
            fed.link(sh, m)
            fed.link(m, hz)
            fed.link(hz, hf)
            fed.link(sh, hf, share_ab=ALL_BUT_ENTERPRISE)  # shanghai withholds enterprises

            # anhui (the real node) takes shanghai's log, policy and all.
            sh.start()
            m.start()
            sh.put("incubator", [incubator(i) for i in range(5)])
            sh.put("enterprise", [enterprise(i, name_prefix=MARKER) for i in range(ENTERPRISES)])
            wait_converged([sh, m], LIVENESS_S, "anhui to hold shanghai's log")
            policy = sh.export(origin=sh.pubkey, kind="policy")
            self.assertEqual(len(policy), 1, "shanghai published its sharing policy")
            m.stop()
            sh.ctl("peer", "remove", "anhui")  # evil_peer lies to hangzhou only

            # From now on anhui's address answers as evil_peer: every change whole but
            # the policy, a stub. Hangzhou pulls shanghai's log from it alone.
            evil_log = os.path.join(fed.root, "evil-policy-stub.log")
            with open(evil_log, "w") as log:
                evil = subprocess.Popen([EVIL, "-c", m.config, "policy-stub"], stderr=log)
            try:
                wait_until(lambda: "evil_peer: serving" in read(evil_log), 10,
                           "evil_peer to listen")
                hz.start()
                t0 = time.monotonic()
                wait_until(lambda: hz.counters().get("rejected_invalid", 0) >= 1
                           or hz.tip(sh.pubkey) > 0, REFUSED_S,
                           "hangzhou to refuse (or take) anhui's segment of shanghai")
                self.assertGreaterEqual(hz.counters()["rejected_invalid"], 1)
                self.assertEqual(hz.tip(sh.pubkey), 0, "hangzhou took anhui's segment")
                print("hangzhou refused the policy as a stub in %.2f s" % (time.monotonic() - t0),
                      flush=True)
                self.assertIn("its sharing policy came as a stub", hz.log())

                # Hefei pulls from shanghai (stubs for enterprises) and hangzhou; hangzhou
                # then has shanghai's log from hefei, policy whole, enterprises as stubs.
                hf.start()
                target = sh.tip(sh.pubkey)
                wait_until(lambda: hf.tip(sh.pubkey) == target and hz.tip(sh.pubkey) == target,
                           LIVENESS_S, "hefei and hangzhou to hold shanghai's tip")
                self.assertEqual(hf.export(origin=sh.pubkey, kind="enterprise"), [],
                                 "hefei holds shanghai's withheld enterprises")
                self.assertNotIn(MARKER.encode(), store_bytes(hf))
                self.assertIsNone(evil.poll(), "evil_peer still attacks")

                # An honest path for hangzhou: new records reach it whole, hefei as stubs.
                fed.link(sh, hz)  # each daemon reloads its peers by itself
                t0 = time.monotonic()
                sh.put("enterprise", [enterprise(i, name_prefix=MARKER)
                                      for i in range(ENTERPRISES, ENTERPRISES + 50)])
                sh.put("incubator", [incubator(i) for i in range(5, 10)])
                wait_until(lambda: len(hz.export(origin=sh.pubkey, kind="enterprise"))
                           == ENTERPRISES + 50, LIVENESS_S,
                           "shanghai's enterprises to reach hangzhou whole")
                wait_until(lambda: len(hf.export(origin=sh.pubkey, kind="incubator")) == 10,
                           LIVENESS_S, "shanghai's new incubators to reach hefei")
                print("liveness: new records reached hangzhou and hefei in %.2f s (bound %d s)"
                      % (time.monotonic() - t0, LIVENESS_S), flush=True)
                wait_converged([sh, hz, hf], LIVENESS_S, "one digest after the new writes")
                self.assertEqual(hf.export(origin=sh.pubkey, kind="enterprise"), [],
                                 "hefei holds shanghai's withheld enterprises")
                self.assertNotIn(MARKER.encode(), store_bytes(hf))
                self.assertIn(MARKER.encode(), store_bytes(hz))
                for n in (sh, hz, hf):
                    self.assertTrue(n.verify()["ok"])
                anon = hz.memory_kib()["RssAnon"]
                print("hangzhou: RssAnon %d KiB (bound %d KiB)" % (anon, RSS_BOUND_KIB), flush=True)
                if not SANITIZE:
                    self.assertLess(anon, RSS_BOUND_KIB, "hangzhou's anonymous memory")
            finally:
                if evil.poll() is None:
                    evil.terminate()
                    evil.wait(timeout=10)


if __name__ == "__main__":
    unittest.main()
