"""(a) Three nodes in a chain A–B–C: 10,000 records written at A and 10,000 at C reach
identical digests everywhere; A and C are never connected. (f) a later write at A is
visible at C within one second, with no manual sync."""
import time
import unittest

from harness import Federation, enterprise, same_digest, wait_until


class ChainTest(unittest.TestCase):
    def test_chain_converges_and_pushes_live(self):
        with Federation("chain") as fed:
            a = fed.node("shanghai", 310000)
            b = fed.node("hangzhou", 330100)
            c = fed.node("hefei", 340100)
            fed.link(a, b)
            fed.link(b, c)
            for n in (a, b, c):
                n.start()
            a.put("enterprise", [enterprise(i) for i in range(10000)])
            c.put("enterprise", [enterprise(i, city=340100, district="340104") for i in range(10000)])
            d = wait_until(lambda: same_digest(a, b, c), 60, "A, B and C to reach one digest")
            for n in (a, b, c):
                origins = {o["origin"]: o["seq"] for o in n.digest()["origins"]}
                self.assertEqual(origins.get(a.pubkey), 10000, n.name)
                self.assertEqual(origins.get(c.pubkey), 10000, n.name)
            self.assertTrue(d)
            # A and C never talked: everything of A at C came through B.
            self.assertEqual([p["name"] for p in c.status()["peers"]], ["hangzhou"])
            c.ctl("verify")

            # (f) live push: one more record at A shows up at C within a second.
            before = c.tip(a.pubkey)
            t0 = time.monotonic()
            a.put("enterprise", [enterprise(99999)])
            wait_until(lambda: c.tip(a.pubkey) == before + 1, 1.0,
                       "the new record at C within one second")
            self.assertLess(time.monotonic() - t0, 1.0)
            for n in (a, b, c):
                self.assertEqual(n.stop(), 0, n.name)


if __name__ == "__main__":
    unittest.main()
