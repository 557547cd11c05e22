"""(a) Three nodes in a chain A–B–C: 10,000 records written at A and 10,000 at C reach
identical digests everywhere; A and C are never connected. (f) a later write at A is
visible at C within one second, with no manual sync."""
import base64
import hashlib
import time
import unittest

from harness import Federation, enterprise, same_digest, wait_until


def store_digest(origins):
    """The store digest the tips in `yrdxctl digest --json` commit to, computed here as
    store.h defines it: keyed BLAKE2b-256 ("yrdx-store-v1") over origin, seq (8 bytes,
    big-endian) and H(seq) of every tip, in origin key order."""
    h = hashlib.blake2b(key=b"yrdx-store-v1", digest_size=32)
    for o in sorted(origins, key=lambda o: base64.b64decode(o["origin"])):
        h.update(base64.b64decode(o["origin"]))
        h.update(o["seq"].to_bytes(8, "big"))
        h.update(bytes.fromhex(o["hash"]))
    return h.hexdigest()


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
            written = {a.name: [enterprise(i) for i in range(10000)],
                       c.name: [enterprise(i, city=340100, district="340104") for i in range(10000)]}
            a.put("enterprise", written[a.name])
            c.put("enterprise", written[c.name])
            d = wait_until(lambda: same_digest(a, b, c), 60, "A, B and C to reach one digest")
            tips = {}
            for n in (a, b, c):
                dig = n.digest()
                self.assertEqual(dig["digest"], d, n.name)
                # Exactly A's and C's logs, whole, with the same chain hash at every node...
                tips[n.name] = {o["origin"]: (o["seq"], o["hash"]) for o in dig["origins"]}
                self.assertEqual({k: seq for k, (seq, _) in tips[n.name].items()},
                                 {a.pubkey: 10000, c.pubkey: 10000}, n.name)
                # ... and the digest they agree on is the one those tips make.
                self.assertEqual(store_digest(dig["origins"]), d, n.name)
            self.assertEqual(tips[a.name], tips[b.name])
            self.assertEqual(tips[c.name], tips[b.name])
            # The far ends hold each other's records as written, bodies and not stubs.
            for n, origin in ((c, a), (a, c)):
                held = n.export(origin=origin.pubkey)
                self.assertEqual(sorted((x["record"]["credit_code"], x["record"]["city"]) for x in held),
                                 sorted((e["credit_code"], e["city"]) for e in written[origin.name]),
                                 "%s's records at %s" % (origin.name, n.name))
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
            new = enterprise(99999)
            self.assertEqual(c.ctl_json("get", "enterprise", new["credit_code"])["record"]["name"],
                             new["name"])
            for n in (a, b, c):
                self.assertEqual(n.stop(), 0, n.name)


if __name__ == "__main__":
    unittest.main()
