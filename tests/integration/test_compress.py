"""Compressed segments (node/lib/squash.h), negotiated per connection in the Hello.

shanghai and hangzhou compress (sync/compress_level 1, the default); hefei has
compress_level 0, which is how a node older than compression speaks: its Hello carries no
codecs field (0 is not written on the wire) and it never sends a Squashed message, so on
the wire it is that older node. Links: shanghai ── hangzhou, shanghai ── hefei.

Asserted: hangzhou receives shanghai's records compressed, and in fewer bytes than hefei
receives the same records plain; hefei still syncs, and shanghai sends it nothing
compressed; what hefei writes reaches shanghai plain (an old server); every store ends
with the same digest, the same records and a chain that verifies. A zstd bomb from a
hostile peer is test_hostile_pulling's test_zstd_bomb."""
import json
import unittest

from harness import Federation, enterprise, wait_converged, wait_until

RECORDS = 3000


class CompressTest(unittest.TestCase):
    def test_negotiated_per_connection(self):
        with Federation("compress") as fed:
            a = fed.node("shanghai")
            b = fed.node("hangzhou", 330100)
            c = fed.node("hefei", 340100)
            c.set_sync(compress_level=0)
            fed.link(a, b)
            fed.link(a, c)
            for n in (a, b, c):
                n.start()
            a.put("enterprise", [enterprise(i) for i in range(RECORDS)])
            wait_converged([a, b, c], 60, "shanghai's records everywhere")

            ca, cb, cc = a.counters(), b.counters(), c.counters()
            b_in = b.peer_status("shanghai")["bytes_in"]
            c_in = c.peer_status("shanghai")["bytes_in"]
            print("shanghai -> hangzhou (both compress): %d bytes, %d compressed segments; "
                  "shanghai -> hefei (level 0, as an older node): %d bytes, plain"
                  % (b_in, cb["squashed_received"], c_in), flush=True)
            self.assertGreater(cb["squashed_received"], 0, "hangzhou got nothing compressed")
            self.assertEqual(cb["refused_squashed"], 0)
            self.assertEqual(cc["squashed_received"], 0, "hefei was sent compressed segments")
            self.assertEqual(cc["refused_squashed"], 0)
            self.assertGreaterEqual(ca["squashed_sent"], cb["squashed_received"])
            # The same records, at least twice smaller compressed.
            self.assertLess(2 * b_in, c_in)

            # hefei serves shanghai as an older node would: plain.
            before = a.counters()["squashed_received"]
            c.put("enterprise", [enterprise(i, city=340100, district="340102")
                                 for i in range(500)])
            wait_until(lambda: a.tip(c.pubkey) == c.tip(c.pubkey), 30,
                       "hefei's records to reach shanghai")
            self.assertEqual(a.counters()["squashed_received"], before,
                             "hefei (level 0) sent compressed segments")
            wait_converged([a, b, c], 60, "hefei's records everywhere")
            exports = [sorted(json.dumps(r, sort_keys=True, ensure_ascii=False)
                              for r in n.export()) for n in (a, b, c)]
            self.assertEqual(len(a.export(kind="enterprise")), RECORDS + 500)
            self.assertEqual(exports[0], exports[1])
            self.assertEqual(exports[0], exports[2])
            for n in (a, b, c):
                self.assertTrue(n.verify()["ok"], n.name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
