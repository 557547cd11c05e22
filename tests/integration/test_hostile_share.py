"""Confidentiality decided by the origin (docs/design.md, "Sharing is the origin's").

What an origin withholds from a city never reaches that city by any path, and an
enterprise's confidential figures (营业收入/研发投入/估值) do not leave its city unless the
origin names a recipient.

Row: Shanghai withholds enterprises from Hefei (`peer add --share`). Shanghai, Hangzhou
and Hefei are linked in a triangle, so Hefei could get Shanghai's enterprises through
Hangzhou, whose own share with Hefei is everything. Measured on the code before the fix:
Hefei held every enterprise of Shanghai's (filled through Hangzhou) and Hangzhou held
Shanghai's revenue figures. Now:
  - within CONVERGE_S after the writes, all three hold one digest and verify; Hefei holds
    Shanghai's enterprises as stubs only (no export, no get, not in its data.mdb bytes);
  - Hangzhou holds the enterprises whole but none of their figures (nor does Hefei): the
    planted revenue's protobuf bytes are in no data.mdb but Shanghai's;
  - new records written at Shanghai after that reach Hefei within LIVENESS_S;
  - Hefei's resident memory stays under RSS_BOUND_KIB (normal build only);
  - Shanghai widens its policy (the peer entry re-added without --share): Hefei's stubs
    are filled, from any path, within FILL_S.
And an origin naming Hangzhou for financials: Hangzhou gets them, Hefei does not, even
though Hangzhou's own share with Hefei lists financials (a relay passes less, never more).
"""
import os
import random
import time
import unittest

from harness import (SANITIZE, LIVENESS_S, Federation, enterprise, run_seed, tune,
                     wait_converged, wait_until)
from test_sharing import incubator

ENTERPRISES = 300
# After the writes, the three nodes hold one digest within this.
CONVERGE_S = 30
# After the policy is widened, every stub at Hefei is filled within this.
FILL_S = 30
# Hefei's anonymous resident memory stays under this (normal build).
RSS_BOUND_KIB = 32 * 1024

ALL_BUT_ENTERPRISE = "incubator,park,relay-event,joint,evaluation"
EVERYTHING = "incubator,enterprise,park,relay-event,joint,evaluation,financials"
# A name no other record has, planted in the withheld enterprises, to grep for.
MARKER = "机密标记QX7Z"


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def revenue_bytes(revenue):
    """The protobuf bytes of EnterpriseFinancials.revenue_wan_yuan = revenue (field 1)."""
    return b"\x08" + varint(revenue)


def store_bytes(node):
    with open(os.path.join(node.dir, "data", "data.mdb"), "rb") as f:
        return f.read()


def confidential(rng, n):
    """n enterprises with financials; returns (records, the planted revenue figures)."""
    recs, revenues = [], []
    for i in range(n):
        e = enterprise(i, name_prefix=MARKER)
        rev = rng.randrange(100000000, 900000000)
        e["financials"] = {"revenue_wan_yuan": rev, "rd_spend_wan_yuan": rev // 7 + 1,
                           "valuation_wan_yuan": rev * 3 + 11}
        recs.append(e)
        revenues.append(rev)
    return recs, revenues


def set_share(node, peer, share):
    """Re-enters peer at node with share (None: the default); the daemon reloads by itself."""
    node.ctl("peer", "remove", peer.name)
    node.peer_add(peer, share)


class HostileShareTest(unittest.TestCase):
    def setUp(self):
        self.rng = random.Random(run_seed(self.id()))

    def assert_rss(self, node):
        if SANITIZE:
            return
        anon = node.memory_kib()["RssAnon"]
        print("%s: RssAnon %d KiB (bound %d KiB)" % (node.name, anon, RSS_BOUND_KIB), flush=True)
        self.assertLess(anon, RSS_BOUND_KIB, "%s's anonymous memory" % node.name)

    def test_withheld_kind_reaches_no_city_by_any_path(self):
        with Federation("hostile-share") as fed:
            sh = fed.node("shanghai")
            hz = fed.node("hangzhou", 330100)
            hf = fed.node("hefei", 340100)
            tune(sh, hz, hf)
            fed.link(sh, hz)
            fed.link(hz, hf)
            fed.link(sh, hf, share_ab=ALL_BUT_ENTERPRISE)  # shanghai withholds enterprises
            for n in (sh, hz, hf):
                n.start()
            recs, revenues = confidential(self.rng, ENTERPRISES)
            sh.put("incubator", [incubator(i) for i in range(5)])
            t0 = time.monotonic()
            sh.put("enterprise", recs)
            wait_converged([sh, hz, hf], CONVERGE_S, "one digest after shanghai's writes")
            print("converged %.2f s after the writes (bound %d s)"
                  % (time.monotonic() - t0, CONVERGE_S), flush=True)
            code = recs[42]["credit_code"]

            # Give Hefei every chance to fill its stubs through Hangzhou: new records
            # written at Shanghai now reach Hefei within the liveness bound, and a fill is
            # asked for at once, so by then any fill would have come.
            t0 = time.monotonic()
            sh.put("incubator", [incubator(i) for i in range(5, 10)])
            wait_until(lambda: len(hf.export(origin=sh.pubkey, kind="incubator")) == 10,
                       LIVENESS_S, "new incubators at shanghai to reach hefei")
            print("liveness: new records at shanghai reached hefei in %.2f s (bound %d s)"
                  % (time.monotonic() - t0, LIVENESS_S), flush=True)
            wait_converged([sh, hz, hf], LIVENESS_S, "one digest after the new writes")
            # Hefei: stubs only, by any path.
            self.assertEqual(hf.export(origin=sh.pubkey, kind="enterprise"), [],
                             "hefei holds shanghai's withheld enterprises")
            self.assertEqual(hf.ctl("get", "enterprise", code, check=False).returncode, 1)
            self.assertEqual(hf.tip(sh.pubkey), sh.tip(sh.pubkey))
            # Hangzhou: the enterprises, but none of their figures.
            held = hz.export(origin=sh.pubkey, kind="enterprise")
            self.assertEqual(len(held), ENTERPRISES)
            self.assertFalse([r for r in held if "financials" in r],
                             "hangzhou holds shanghai's financial figures")
            self.assertEqual(hz.export(origin=sh.pubkey, kind="financials"), [])
            # Shanghai, the origin, shows them joined.
            mine = sh.ctl_json("get", "enterprise", code)["record"]
            self.assertEqual(int(mine["financials"]["revenue_wan_yuan"]), revenues[42])
            # Bytes: the planted figures and names are in no other city's store file.
            planted = revenue_bytes(revenues[42])
            self.assertIn(planted, store_bytes(sh))
            for n in (hz, hf):
                data = store_bytes(n)
                self.assertNotIn(planted, data, "%s's data.mdb holds the revenue" % n.name)
            self.assertNotIn(MARKER.encode(), store_bytes(hf), "hefei's data.mdb holds a name")
            for n in (sh, hz, hf):
                self.assertTrue(n.verify()["ok"])
            self.assert_rss(hf)

            # The origin widens its policy: the stubs are filled from any path.
            t0 = time.monotonic()
            set_share(sh, hf, None)
            wait_until(lambda: len(hf.export(origin=sh.pubkey, kind="enterprise")) == ENTERPRISES,
                       FILL_S, "hefei's stubs to be filled after shanghai widened its policy")
            print("filled %.2f s after the policy was widened (bound %d s)"
                  % (time.monotonic() - t0, FILL_S), flush=True)
            wait_converged([sh, hz, hf], CONVERGE_S, "one digest after the fill")
            self.assertEqual(hf.export(origin=sh.pubkey, kind="financials"), [])
            self.assertNotIn(planted, store_bytes(hf))
            for n in (sh, hz, hf):
                self.assertTrue(n.verify()["ok"])
            self.assert_rss(hf)

    def test_financials_reach_only_the_named_city(self):
        with Federation("hostile-share-fin") as fed:
            sh = fed.node("shanghai")
            hz = fed.node("hangzhou", 330100)
            hf = fed.node("hefei", 340100)
            tune(sh, hz, hf)
            fed.link(sh, hz, share_ab=EVERYTHING)  # shanghai names hangzhou for financials
            fed.link(hz, hf, share_ab=EVERYTHING)  # a relay that would pass them on
            for n in (sh, hz, hf):
                n.start()
            recs, revenues = confidential(self.rng, 50)
            t0 = time.monotonic()
            sh.put("enterprise", recs)
            wait_converged([sh, hz, hf], CONVERGE_S, "one digest after shanghai's writes")
            print("converged %.2f s after the writes (bound %d s)"
                  % (time.monotonic() - t0, CONVERGE_S), flush=True)
            # Hangzhou, named: the figures; Hefei: the enterprises, no figures.
            self.assertEqual(len(hz.export(origin=sh.pubkey, kind="financials")), 50)
            planted = revenue_bytes(revenues[7])
            self.assertIn(planted, store_bytes(hz))
            self.assertEqual(len(hf.export(origin=sh.pubkey, kind="enterprise")), 50)
            self.assertEqual(hf.export(origin=sh.pubkey, kind="financials"), [])
            self.assertNotIn(planted, store_bytes(hf), "hefei's data.mdb holds the revenue")
            # An enterprise retracted takes its figures with it, at every city named.
            gone = recs[7]["credit_code"]
            sh.ctl("retract", "enterprise", gone, "--reason", "注销")
            self.assertEqual(sh.ctl("get", "financials", gone, check=False).returncode, 1)
            # New writes still reach Hefei within the liveness bound.
            t0 = time.monotonic()
            sh.put("incubator", [incubator(i) for i in range(3)])
            wait_until(lambda: len(hf.export(origin=sh.pubkey, kind="incubator")) == 3,
                       LIVENESS_S, "new incubators at shanghai to reach hefei")
            print("liveness: %.2f s (bound %d s)" % (time.monotonic() - t0, LIVENESS_S),
                  flush=True)
            wait_converged([sh, hz, hf], LIVENESS_S, "one digest after the new writes")
            self.assertEqual(len(hz.export(origin=sh.pubkey, kind="financials")), 49)
            self.assertEqual(hz.ctl("get", "financials", gone, check=False).returncode, 1)
            for n in (sh, hz, hf):
                self.assertTrue(n.verify()["ok"])
            self.assert_rss(hf)


if __name__ == "__main__":
    unittest.main()
