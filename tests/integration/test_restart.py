"""(b) A node killed with SIGKILL in the middle of a 200,000-record sync restarts and
finishes without re-fetching what it had committed: after the restart it receives
exactly the records it lacked (counter changes_received), nothing twice; and records
written after that reach it within NEW_S."""
import time
import unittest

from harness import Federation, enterprise, same_digest, wait_until

TOTAL = 200000
NEW = 1000
NEW_S = 30  # new records written at shanghai after the restart's sync reach hangzhou within


class RestartTest(unittest.TestCase):
    def test_sigkill_mid_sync_resumes(self):
        with Federation("restart") as fed:
            a = fed.node("shanghai")
            b = fed.node("hangzhou", 330100)
            fed.link(a, b)
            a.start()
            a.put("enterprise", [enterprise(i) for i in range(TOTAL)])
            b.start()
            # Kill at the first durable commit observed, well before the end.
            at_kill = wait_until(lambda: b.tip(a.pubkey), 30, "hangzhou's first commit",
                                 interval=0.002)
            b.kill()
            committed = b.tip(a.pubkey)
            self.assertGreaterEqual(committed, at_kill, "a commit was lost")
            self.assertLess(committed, TOTAL, "the sync finished before the kill: nothing tested")
            b.ctl("verify")  # what survived ends on a signed head and verifies
            b.start()
            wait_until(lambda: same_digest(a, b), 60, "hangzhou to finish after the restart")
            c = b.counters()
            self.assertEqual(c["changes_received"], TOTAL - committed,
                             "re-fetched what it had committed")
            self.assertEqual(c["changes_applied"], TOTAL - committed)
            b.ctl("verify")
            # Liveness after the fault: new writes still arrive.
            t0 = time.monotonic()
            a.put("enterprise", [enterprise(i) for i in range(TOTAL, TOTAL + NEW)])
            wait_until(lambda: same_digest(a, b), NEW_S, "hangzhou to take the new records")
            print("%d new records reached hangzhou %.2f s after they were written (bound %d s)"
                  % (NEW, time.monotonic() - t0, NEW_S), flush=True)
            self.assertEqual(b.tip(a.pubkey), TOTAL + NEW)
            self.assertEqual(b.counters()["changes_applied"], TOTAL - committed + NEW)
            self.assertEqual(len(b.export(origin=a.pubkey, kind="enterprise")), TOTAL + NEW)
            b.ctl("verify")


if __name__ == "__main__":
    unittest.main()
