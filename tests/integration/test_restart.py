"""(b) A node killed with SIGKILL in the middle of a 200,000-record sync restarts and
finishes without re-fetching what it had committed: after the restart it receives
exactly the records it lacked (counter changes_received), nothing twice."""
import unittest

from harness import Federation, enterprise, same_digest, wait_until

TOTAL = 200000


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


if __name__ == "__main__":
    unittest.main()
