"""The origin widens its policy for a relay: the relay fills its stubs, and its pullers
get the bodies — through their own fills and in fresh pulls — never the stubs it sent
before (client.c, fill.c; segments.c, sent_t).

Shanghai withholds enterprises from Hangzhou (`--share incubator,park`); Hangzhou holds
them as stubs and passes stubs on to Hefei, linked to Hangzhou alone. Then Shanghai widens
its policy:
  - Hangzhou, linked to Shanghai itself, must ask it for the bodies. Measured before the
    fix: it never did — it compared its holes with Shanghai's tip as Shanghai's Tips had
    said it before the segments came (seq 6), found none below it and was done for the
    session; a segment's signed head now raises what the client takes the peer to hold.
  - Hefei asks Hangzhou again from its first hole, and Nanjing, started only now and
    linked to Hangzhou alone, pulls Shanghai's log from its start: the same segments,
    ranges and kinds as the ones Hangzhou sent Hefei before and keeps for reuse, whose
    bytes have changed. They are kept by the store's count of commits that filled stubs
    (yx_store_fill_gen): without that count going up, Hefei got the stubs again (tried).
Asserted: Hangzhou and Hefei hold every enterprise within FILL_S; Hangzhou sends Nanjing no
stub (stubs_sent stays) and Nanjing fills nothing (changes_filled 0) yet holds every
enterprise once it holds Hangzhou's digest (within SYNC_S); new incubators written then
reach every city (one digest, ten incubators each, within 30 s); verify on every node.
The other three tests: a puller refused by a relay that fills later, and stubs that lay
past a peer's tip when that peer was asked, right after what it had or past a run of
bodies longer than one look through the log reads."""
import signal
import time
import unittest

from harness import Federation, enterprise, same_digest, wait_converged, wait_until
from test_hostile_share import set_share
from test_sharing import incubator

ENTERPRISES = 2000
FILL_S = 30  # after the widening, every stub at Hangzhou and Hefei is filled within this
SYNC_S = 30  # Nanjing, started then, holds Shanghai's whole log within this
HOLES_SCAN = 65536  # YX_HOLES_SCAN (node/lib/store.h): log entries one look for stubs reads


def enterprises_held(node, origin):
    return len(node.export(origin=origin.pubkey, kind="enterprise"))


def four_cities(fed):
    """Shanghai, Hangzhou, Hefei and Nanjing, not linked yet."""
    return (fed.node("shanghai"), fed.node("hangzhou", 330100), fed.node("hefei", 340100),
            fed.node("nanjing", 320100))


def start_writing(sh, nodes, enterprises):
    """Starts nodes; Shanghai writes five incubators and enterprises 0..enterprises-1."""
    for n in nodes:
        n.start()
    sh.put("incubator", [incubator(i) for i in range(5)])
    sh.put("enterprise", [enterprise(i) for i in range(enterprises)])


def new_writes_reach_all(test, sh, others, incubators=5):
    """Five new incubators at Shanghai reach every city: one digest, incubators + 5 of
    them each, verify on every node."""
    sh.put("incubator", [incubator(i) for i in range(5, 10)])
    wait_converged([sh] + others, 30, "one digest everywhere after new writes")
    for n in others:
        test.assertEqual(len(n.export(origin=sh.pubkey, kind="incubator")), incubators + 5,
                         n.name)
    for n in [sh] + others:
        test.assertTrue(n.verify()["ok"])


def fill_after(what, link, sh, relay, puller):
    """Runs link() (a change that lets relay have Shanghai's enterprises), then waits until
    relay and then puller hold every one; prints how long each took."""
    t0 = time.monotonic()
    link()
    wait_until(lambda: enterprises_held(relay, sh) == ENTERPRISES, FILL_S,
               "%s's stubs to be filled" % relay.name)
    t_relay = time.monotonic() - t0
    wait_until(lambda: enterprises_held(puller, sh) == ENTERPRISES, FILL_S,
               "%s's stubs to be filled through %s" % (puller.name, relay.name))
    print("filled after the %s: %s %.2f s, %s %.2f s (bound %d s)"
          % (what, relay.name, t_relay, puller.name, time.monotonic() - t0, FILL_S), flush=True)


class FillRelayTest(unittest.TestCase):
    def test_relay_fills_and_passes_bodies_on(self):
        with Federation("fill-relay") as fed:
            sh, hz, hf, nj = four_cities(fed)
            fed.link(sh, hz, share_ab="incubator,park")  # shanghai withholds enterprises
            fed.link(hz, hf)
            fed.link(hz, nj)
            start_writing(sh, (sh, hz, hf), ENTERPRISES)
            wait_converged([sh, hz, hf], 30, "hangzhou and hefei to hold shanghai's log (stubs)")
            self.assertEqual(enterprises_held(hz, sh), 0)
            self.assertEqual(enterprises_held(hf, sh), 0)
            self.assertGreaterEqual(hz.counters().get("stubs_sent", 0), ENTERPRISES)

            # shanghai widens its policy: hangzhou may have them
            fill_after("widening", lambda: set_share(sh, hz, None), sh, hz, hf)

            stubs_before = hz.counters().get("stubs_sent", 0)
            nj.start()
            wait_until(lambda: same_digest(hz, nj), SYNC_S, "nanjing to hold hangzhou's logs")
            self.assertEqual(enterprises_held(nj, sh), ENTERPRISES,
                             "nanjing lacks enterprises hangzhou holds and may pass on")
            self.assertEqual(hz.counters().get("stubs_sent", 0) - stubs_before, 0,
                             "hangzhou sent stubs of records it holds")
            self.assertEqual(nj.counters().get("changes_filled", 0), 0,
                             "nanjing got stubs and had to ask for the bodies")
            new_writes_reach_all(self, sh, [hz, hf, nj])

    def test_puller_refused_by_a_relay_asks_again_once_it_filled(self):
        """Shanghai withholds enterprises from Nanjing; Hangzhou, not Shanghai's peer, takes
        Shanghai's log from Nanjing (stubs: it may have the bodies, but Nanjing has none to
        give), Hefei from Hangzhou (stubs, its asks refused). Then Hangzhou is linked to
        Shanghai and fills its stubs there. Hefei must ask Hangzhou again: Hangzhou's Tips
        count the commits that filled each origin's stubs (VectorEntry.fills), and a
        change makes the peer worth asking again. Before: Hefei had been refused once this
        session and kept the stubs (timed out)."""
        with Federation("fill-relay-later") as fed:
            sh, hz, hf, nj = four_cities(fed)
            fed.link(sh, nj, share_ab="incubator,park")  # shanghai withholds enterprises
            fed.link(nj, hz)
            fed.link(hz, hf)
            start_writing(sh, (sh, nj, hz, hf), ENTERPRISES)
            wait_converged([sh, nj, hz, hf], 30, "shanghai's log everywhere (stubs)")
            for n in (nj, hz, hf):
                self.assertEqual(enterprises_held(n, sh), 0, n.name)

            # hangzhou may have them, and now has a peer that gives them
            fill_after("link", lambda: fed.link(sh, hz), sh, hz, hf)
            self.assertEqual(enterprises_held(nj, sh), 0, "nanjing got what shanghai withholds")
            new_writes_reach_all(self, sh, [nj, hz, hf])

    def stubs_past_a_stopped_peer(self, name, first, write, total, what, sync_s, incubators=5):
        """Shanghai withholds enterprises from Nanjing; Hefei takes Shanghai's log from
        Nanjing (stubs) and the bodies of a first batch of first enterprises from
        Hangzhou, Shanghai's peer. Hangzhou is stopped (SIGSTOP, well within
        dead_after_ms: every connection stays) while write(sh) writes at Shanghai: Hefei
        gets stubs from Nanjing, past Hangzhou's tip. Hangzhou resumes and takes them from
        Shanghai: Hefei must ask it again and hold all total enterprises within FILL_S; then
        new writes reach every city (incubators held before them). sync_s: the deadline of
        the syncs the test waits for before that."""
        with Federation(name) as fed:
            sh, hz, hf, nj = four_cities(fed)
            for n in (sh, hz, hf, nj):
                n.set_sync(dead_after_ms=120000)  # the stop below ends no connection
            fed.link(sh, nj, share_ab="incubator,park")  # shanghai withholds enterprises
            fed.link(nj, hf)
            fed.link(sh, hz)
            fed.link(hz, hf)
            start_writing(sh, (sh, nj, hz, hf), first)
            wait_converged([sh, nj, hz, hf], 30, "shanghai's first batch everywhere")
            wait_until(lambda: enterprises_held(hf, sh) == first, FILL_S,
                       "hefei to hold the first batch's bodies")
            self.assertEqual(enterprises_held(nj, sh), 0)

            hz.proc.send_signal(signal.SIGSTOP)
            try:
                write(sh)
                wait_until(lambda: same_digest(sh, hf), sync_s,
                           "hefei to hold what shanghai wrote (stubs, from nanjing)")
                self.assertEqual(enterprises_held(hf, sh), first)
            finally:
                hz.proc.send_signal(signal.SIGCONT)
            t0 = time.monotonic()
            wait_until(lambda: enterprises_held(hz, sh) == total, sync_s,
                       "hangzhou to take what shanghai wrote")
            wait_until(lambda: enterprises_held(hf, sh) == total, FILL_S,
                       "hefei to fill the stubs from hangzhou")
            print("hefei filled the stubs past %s %.2f s after hangzhou resumed (bound %d s)"
                  % (what, time.monotonic() - t0, FILL_S), flush=True)
            self.assertEqual(enterprises_held(nj, sh), 0, "nanjing got what shanghai withholds")
            new_writes_reach_all(self, sh, [nj, hz, hf], incubators)

    def test_stubs_past_a_peers_tip_are_asked_once_it_has_them(self):
        """Shanghai writes a second batch of enterprises while Hangzhou is stopped: asking
        Hangzhou, Hefei finds its stubs past Hangzhou's tip. Before: Hefei was done with
        Hangzhou for the session and kept those stubs until new stubs or a new session
        came (timed out; the previous session's note had it as unreproduced)."""
        half = ENTERPRISES // 2
        self.stubs_past_a_stopped_peer(
                "fill-past-tip", half,
                lambda sh: sh.put("enterprise", [enterprise(i) for i in range(half, ENTERPRISES)]),
                ENTERPRISES, "hangzhou's old tip", FILL_S)

    def test_stubs_past_a_long_run_of_bodies_are_asked_once_the_peer_has_them(self):
        """Hefei's stubs lie past a run of more bodies than one look through the log reads
        (YX_HOLES_SCAN): Shanghai, while Hangzhou is stopped, writes that many incubators
        (shared with Nanjing, so bodies at Hefei), then enterprises (stubs at Hefei).
        Asking Hangzhou, Hefei's look ends in the run of bodies, past Hangzhou's tip,
        having found no stub: it must still ask Hangzhou again once its tip passes there.
        Before: Hefei was done with Hangzhou for the session and kept the stubs (timed
        out)."""
        first, later = 50, 500
        run = HOLES_SCAN + 1000

        def write(sh):
            sh.put("incubator", [incubator(100000 + i) for i in range(run)])
            sh.put("enterprise", [enterprise(i) for i in range(first, first + later)])

        self.stubs_past_a_stopped_peer("fill-past-run", first, write, first + later,
                                       "%d bodies" % run, 120, incubators=5 + run)

if __name__ == "__main__":
    unittest.main()
