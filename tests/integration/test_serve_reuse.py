"""A segment is built once for every puller that gets the same one (segments.c, sent_t).

Shanghai serves three cities: Hangzhou and Hefei with the default share, Nanjing with
enterprises withheld (share = incubator,park). Once all three are caught up, each batch
Shanghai writes is pushed to each: Hangzhou and Hefei get the very same bytes (the second
of them reuses what the first got, counted as segments_reused); Nanjing's segment differs
(its enterprises go as stubs) and is built for it. Asserted: the reuse is counted at least
once per batch, and every puller ends with exactly what its share lets it have — the two
default pullers every record whole, Nanjing none of the enterprises — with one digest
everywhere and chains that verify."""
import unittest

from harness import Federation, enterprise, same_digest, wait_until

BATCHES = 5
PER_BATCH = 40


class ServeReuseTest(unittest.TestCase):
    def test_same_segment_built_once(self):
        with Federation("reuse") as fed:
            a = fed.node("shanghai")
            b = fed.node("hangzhou", 330100)
            c = fed.node("hefei", 340100)
            d = fed.node("nanjing", 320100)
            fed.link(a, b)
            fed.link(a, c)
            fed.link(a, d, share_ab="incubator,park")
            for n in (a, b, c, d):
                n.start()
            pullers = (b, c, d)
            wait_until(lambda: all(same_digest(a, n) for n in pullers), 30, "the policy everywhere")
            before = a.counters().get("segments_reused", 0)
            for k in range(BATCHES):
                a.put("enterprise", [enterprise(k * PER_BATCH + i) for i in range(PER_BATCH)])
                wait_until(lambda: all(same_digest(a, n) for n in pullers), 30,
                           "batch %d everywhere" % k)
            reused = a.counters().get("segments_reused", 0) - before
            print("segments_reused at shanghai over %d batches pushed to 3 pullers: %d"
                  % (BATCHES, reused), flush=True)
            self.assertGreaterEqual(reused, BATCHES)
            total = BATCHES * PER_BATCH
            for n in (b, c):
                self.assertEqual(sum(1 for x in n.export(origin=a.pubkey) if x["kind"] == "enterprise"),
                                 total, "%s lacks enterprises it may have" % n.name)
            self.assertEqual(sum(1 for x in d.export(origin=a.pubkey) if x["kind"] == "enterprise"),
                             0, "nanjing got enterprises shanghai withholds from it")
            for n in (a, b, c, d):
                n.ctl("verify")


if __name__ == "__main__":
    unittest.main()
