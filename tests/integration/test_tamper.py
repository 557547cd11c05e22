"""(d) A trusted but compromised peer serves altered data: a flipped byte in a change, or
a head signed by the wrong key. The receiver verifies every change back to its origin's
signed head, refuses and counts the bad segments, and converges through an honest path.

    shanghai (origin) ── hangzhou (honest) ── victim
           └────────── anhui (compromised) ──┘
"""
import os
import subprocess
import unittest

from harness import BUILD, Federation, enterprise, same_digest, wait_until

EVIL = os.path.join(BUILD, "tests/evil_peer")


class TamperTest(unittest.TestCase):
    def run_case(self, fed, a, b, m, mode, victim_name, counter):
        victim = fed.node(victim_name, 340100)
        victim.peer_add(m)
        victim.peer_add(b)
        b.peer_add(victim)
        b.reload()
        evil = subprocess.Popen([EVIL, "-c", m.config, mode], stderr=subprocess.DEVNULL)
        try:
            # Only the compromised peer is reachable at first: the victim must refuse it.
            b.stop()
            victim.start()
            wait_until(lambda: victim.counters().get(counter, 0) >= 1, 20,
                       "the victim to refuse a %s segment" % mode)
            self.assertEqual(victim.digest()["origins"], [], "nothing altered was stored")
            # The honest path comes up: the victim converges through it.
            b.start()
            wait_until(lambda: same_digest(a, victim), 30, "the victim to converge via hangzhou")
            victim.ctl("verify")
            self.assertIn("refused", victim.log())
        finally:
            evil.terminate()
            evil.wait(timeout=10)
        return victim

    def test_altered_data_refused_and_honest_path_wins(self):
        with Federation("tamper") as fed:
            a = fed.node("shanghai")
            b = fed.node("hangzhou", 330100)
            m = fed.node("anhui", 340100)
            fed.link(a, b)
            fed.link(a, m)
            a.start()
            m.start()
            b.start()
            a.put("enterprise", [enterprise(i) for i in range(3000)])
            wait_until(lambda: same_digest(a, b, m), 30, "every node to hold shanghai's records")
            m.stop()  # from now on anhui's address answers with altered data
            self.run_case(fed, a, b, m, "flip", "hefei", "rejected_chain")
            self.run_case(fed, a, b, m, "forge", "huzhou", "rejected_signature")


if __name__ == "__main__":
    unittest.main()
