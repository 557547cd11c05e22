"""Credit between cities of different sync/credit: a hub grants each peer within that
peer's window (Tips.window), so no credit it counts as in flight was dropped by the server.
Ends with the liveness property (harness.check_live)."""
import os
import time
import unittest

from harness import CPU_SCALE, LIVENESS_S, Federation, check_live, wait_tip, wait_until
from test_busy_hub import hub_with_backlogs, peer_with_backlog

# Nothing here is random: the records are numbered (Writer), the steps fixed.


class CreditMismatchTest(unittest.TestCase):
    """Each city sets its own sync/credit. A server caps a puller's credit at its own
    window; the puller, not told, counted what the server dropped as still in flight.
    Hefei (credit 64) takes Wuhu's backlog alone, so it grants Wuhu up to 64 segments, of
    which Wuhu (credit 4) keeps 4; then seven more Anhui peers stream, Hefei's even share
    falls to 8 a peer, and Wuhu's count of 60 in flight never falls below it: Hefei
    granted Wuhu nothing more, Wuhu spent its 4 and waited, and Hefei's stall watchdog
    made the connection anew ("claims ... connecting anew") — each session again. The
    server now says its window in its Tips and the puller grants within it."""

    PEERS = (("wuhu", 340200), ("bengbu", 340300), ("huainan", 340400),
             ("maanshan", 340500), ("huaibei", 340600), ("tongling", 340700),
             ("anqing", 340800), ("huangshan", 341000))
    FIRST = 200000   # Wuhu's backlog, taken alone at first
    BACKLOG = 30000  # each other peer's, linked while Wuhu's streams
    DEAD_AFTER_MS = 1000 * CPU_SCALE  # Hefei's: its stall watchdog is what shows it

    def test_puller_grants_within_the_servers_window(self):
        with Federation("credit-mismatch") as fed:
            hefei, peers, writers = hub_with_backlogs(fed, self.PEERS[:1], self.FIRST,
                                                      self.DEAD_AFTER_MS, credit=4)
            hefei.set_sync(credit=64)
            wuhu = peers[0]
            # The seven others run with their backlogs and trust Hefei; Hefei's config
            # naming them is made now and put in place while Wuhu streams (one rename and
            # a reload: the edits themselves take seconds under the sanitizers).
            alone = open(hefei.config).read()
            for i, (name, city) in enumerate(self.PEERS[1:], 1):
                p, w = peer_with_backlog(fed, hefei, name, city, self.BACKLOG, i * 10 ** 6,
                                         credit=4)
                peers.append(p)
                writers.append(w)
            linked = hefei.config + ".linked"
            os.replace(hefei.config, linked)
            with open(hefei.config, "w") as f:
                f.write(alone)
            os.chmod(hefei.config, 0o600)
            hefei.start()
            wait_until(lambda: hefei.tip(wuhu.pubkey) > 0, LIVENESS_S,
                       "Hefei to take in some of Wuhu's backlog")
            at_link = hefei.tip(wuhu.pubkey)
            os.replace(linked, hefei.config)  # eight peers share Hefei's window from here
            hefei.reload()
            started = time.monotonic()
            for p in peers:
                wait_tip([hefei], p, 60, "Hefei to take in %s's backlog" % p.name)
            took = time.monotonic() - started
            stalled = [line for line in hefei.log().splitlines() if "connecting anew" in line
                       or "disconnected (stalled)" in line or "pulling it elsewhere" in line]
            print("%s: Hefei (credit 64) held %d of Wuhu's %d when seven more peers (credit 4) "
                  "were linked; all in %.1f s; stalls: %d" % (self.id(), at_link, self.FIRST,
                                                             took, len(stalled)), flush=True)
            for line in stalled[:5]:
                print("  " + line, flush=True)
            self.assertLess(at_link, self.FIRST, "Wuhu's backlog was in before the others "
                            "were linked: nothing tested")
            self.assertEqual(stalled, [], "Hefei granted credit its peers' servers dropped")
            check_live(self, wuhu, [hefei], writers[0], "after the backlogs")


if __name__ == "__main__":
    unittest.main()
