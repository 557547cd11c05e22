"""Stubs are filled in: a node never keeps a withheld digest in place of a record it may
read once a peer that shares it is connected.

Shanghai writes incubators and enterprises. Hefei is linked only to Hangzhou, which
withholds enterprises from it: Hefei holds Shanghai's enterprises as stubs (digests), and
its digest equals Shanghai's. Then Hefei and Shanghai are linked directly: Hefei asks
Shanghai for the bodies of its stubs and gets them — every record readable, no hole left,
verify passes — and new writes at Shanghai arrive whole within NEW_WRITES_S. Hangzhou's
share is its own: a relay passes less than the origin allows if it likes, and it still
sends Hefei stubs. (It passes never more: tests/integration/test_hostile_share.py.)"""
import unittest

from harness import Federation, enterprise, wait_converged, wait_until
from test_sharing import incubator

ENTERPRISES = 3000
# After the direct link, every stub is filled within this.
FILL_S = 30
# New writes at Shanghai reach Hefei whole within this.
NEW_WRITES_S = 15


class FillTest(unittest.TestCase):
    def test_stubs_from_a_withholding_peer_are_filled_by_a_sharing_one(self):
        with Federation("fill") as fed:
            sh = fed.node("shanghai")
            hz = fed.node("hangzhou", 330100)
            hf = fed.node("hefei", 340100)
            fed.link(sh, hz)
            fed.link(hz, hf, share_ab="incubator,park")  # hangzhou withholds enterprises
            for n in (sh, hz, hf):
                n.start()
            sh.put("incubator", [incubator(i) for i in range(5)])
            sh.put("enterprise", [enterprise(i) for i in range(ENTERPRISES)])
            total = 5 + ENTERPRISES
            wait_converged([sh, hz, hf], 30, "hefei to hold shanghai's log (as stubs)")
            self.assertEqual(len(hf.export(origin=sh.pubkey, kind="enterprise")), 0)
            self.assertEqual(len(hf.export(origin=sh.pubkey, kind="incubator")), 5)
            code = enterprise(42)["credit_code"]
            self.assertEqual(hf.ctl("get", "enterprise", code, check=False).returncode, 1)

            fed.link(sh, hf)  # both reload their trust stores by themselves
            wait_until(lambda: hf.counters().get("changes_filled", 0) == ENTERPRISES, FILL_S,
                       "hefei to fill its %d stubs from shanghai" % ENTERPRISES)
            self.assertEqual(len(hf.export(origin=sh.pubkey, kind="enterprise")), ENTERPRISES)
            self.assertEqual(hf.ctl_json("get", "enterprise", code)["id"], code)
            self.assertEqual(hf.tip(sh.pubkey), total)
            # Shanghai's changes and hangzhou's sharing policy, nothing more.
            self.assertEqual(hf.counters()["changes_applied"], total + 1,
                             "fills are not new entries")
            hf.verify()
            wait_converged([sh, hz, hf], 30, "one digest after the fill")

            sh.put("enterprise", [enterprise(ENTERPRISES + i) for i in range(100)])
            wait_until(lambda: len(hf.export(origin=sh.pubkey, kind="enterprise"))
                       == ENTERPRISES + 100, NEW_WRITES_S,
                       "new enterprises at shanghai to reach hefei whole")
            wait_converged([sh, hz, hf], NEW_WRITES_S, "one digest after the new writes")
            for n in (sh, hz, hf):
                n.verify()
            # Hangzhou's share still holds: the only bodies it ever sent are the five
            # incubators (to hefei) and its own sharing policy (its config withholds
            # enterprises from hefei), once to each of its two pullers; every enterprise
            # it sent went out as a stub.
            c = hz.counters()
            self.assertEqual(c.get("changes_sent", 0) - c.get("stubs_sent", 0), 5 + 2)
            self.assertGreaterEqual(c.get("stubs_sent", 0), ENTERPRISES)


if __name__ == "__main__":
    unittest.main()
