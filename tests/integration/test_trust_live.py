"""Trust-store edits that take effect on live connections.

(d) `peer remove` of a connected peer, writes, then `peer add` again: the peer must end
    with a BODY for every record the origin holds. A removed peer must not be served at
    all, not even hash stubs: a stub received while removed fills that seq for good, and
    after the re-add the digests agree while the bodies are missing, silently.
(e) A peer's key replaced in the trust store while the peer is connected with the old key:
    that connection must get nothing more (not a single record written after the change),
    and the node says in its log that it dropped it.
(f) The same for a park: its key replaced while its yrdx-feed is connected with the old
    one. The old connection gets no event of a case proposed after the change, the node
    logs that it no longer serves it, the old yrdx-feed (connecting anew when idle) is
    refused and exits saying so; a feed with the new key gets every case.

Each case ends with the liveness property: with the trust store right again, NEW writes at
the origin reach the peer within LIVENESS_S, with identical digests, equal record counts,
and verify passing on both."""
import random
import re
import time
import unittest

from harness import (LIVENESS_S, Feed, Federation, Writer, check_live, enterprise, linked_pair,
                     run_seed, same_digest, wait_tip, wait_until)

# The sync timings (tune()), LIVENESS_S and check_live() are harness.py's.

# A running node notices its rewritten config by file stamp at its 100 ms tick; this bound
# covers that and a loaded machine.
RELOAD_S = 5

# How long the fault is kept (removed peer, or replaced key) while the origin writes, and
# the peer's tip is watched: it must not move in all that time.
HOLD_S = 5

# The log line (any level) by which the node says it stopped serving a connection whose
# peer is no longer in its trust store with the key the connection was admitted with.
DROP_LOG = re.compile(r"hangzhou\b[^\n]*(no longer served|dropped|dropping|drop\b)", re.I)

# The line by which a node says it stopped serving a park's feed connection.
PARK_DROP_LOG = re.compile(r"park sip: (its key changed in|removed from) the trust store; its "
                           r"feed connection is no longer served")

# How long yrdx-feed, idle, waits before it connects anew (tools/yrdx-feed: RESUBSCRIBE_MS),
# plus its handshake's refusal and a loaded machine.
FEED_REFUSED_S = 20

SEED = run_seed("test_trust_live")


def pulling_pair(fed, rng):
    """linked_pair() with a seeded writer (the records differ from run to run), once B pulls
    from A; returns (a, b, writer)."""
    w = Writer(rng.randrange(0, 10 ** 6))
    a, b = linked_pair(fed, w, 1000)
    wait_until(lambda: b.peer_status("shanghai")["connected"], 10, "B's pull connection")
    return a, b, w


def wait_reload(node, reloads_before):
    wait_until(lambda: node.counters()["reloads"] > reloads_before, RELOAD_S,
               "%s to reload its rewritten config" % node.name)


def watch_tip(node, origin, seq, seconds):
    """Watches node's tip for origin for the stated interval; returns (seconds elapsed,
    tip) at the first move past seq, or (seconds, seq) if it never moved."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        t = node.tip(origin.pubkey)
        if t > seq:
            return time.monotonic() - start, t
        time.sleep(0.05)
    return seconds, seq


class TrustLiveTest(unittest.TestCase):
    def test_peer_removed_while_connected_then_added_again(self):
        """(d)"""
        rng = random.Random("%d %s" % (SEED, self.id()))
        with Federation("trust-remove") as fed:
            a, b, w = pulling_pair(fed, rng)

            reloads = a.counters()["reloads"]
            a.ctl("peer", "remove", "hangzhou")
            wait_reload(a, reloads)
            removed_at = b.tip(a.pubkey)
            a.put("enterprise", w.batch(rng.randint(300, 700)))
            written_removed = a.tip(a.pubkey) - removed_at
            # B is not A's peer now. Keep it so for HOLD_S while watching B's tip for A: a
            # removed peer must not be served, so it must not move.
            moved_after, b_tip_removed = watch_tip(b, a, removed_at, HOLD_S)

            reloads = a.counters()["reloads"]
            a.peer_add(b)
            wait_reload(a, reloads)
            a.put("enterprise", w.batch(rng.randint(300, 700)))
            wait_tip([b], a, LIVENESS_S, "B to catch up with A after the re-add")
            check_live(self, a, [b], w, "after the re-add")
            self.assertEqual(b_tip_removed, removed_at,
                             "B's tip for A moved from %d to %d (%.1f s after the removal) while "
                             "B was removed from A's trust store: a removed peer was served "
                             "(A wrote %d records meanwhile)"
                             % (removed_at, b_tip_removed, moved_after, written_removed))

    def test_peer_key_replaced_while_connected(self):
        """(e)"""
        rng = random.Random("%d %s" % (SEED, self.id()))
        with Federation("trust-rekey") as fed:
            a, b, w = pulling_pair(fed, rng)
            other = fed.node("other", 320500)  # initialised, never started: just a key

            log_from = len(a.log())
            # A's trust store now says hangzhou's key is other's; B stays connected with its
            # own (old) key.
            a.ctl("peer", "remove", "hangzhou")
            a.ctl("peer", "add", "hangzhou", b.endpoint, other.pubkey)
            wait_until(lambda: (a.peer_status("hangzhou") or {}).get("key") == other.pubkey,
                       RELOAD_S,
                       "A to run with hangzhou's new key")
            # The connection is to be dropped as the change takes effect; give A up to
            # RELOAD_S to say so (this only waits: the check comes below).
            try:
                wait_until(lambda: DROP_LOG.search(a.log()[log_from:]), RELOAD_S,
                           "A to log that it dropped hangzhou's old-key connection")
            except AssertionError:
                pass
            pre = b.tip(a.pubkey)
            a.put("enterprise", w.batch(rng.randint(300, 700)))
            written = a.tip(a.pubkey) - pre
            moved_after, tip = watch_tip(b, a, pre, HOLD_S)
            b_peer = b.peer_status("shanghai")
            if tip != pre:
                self.fail("B, connected with the key A no longer trusts, received A's records "
                          "%d..%d (its tip for A moved from %d to %d %.1f s after A wrote %d "
                          "records; B's connection to A: %s)"
                          % (pre + 1, tip, pre, tip, moved_after, written,
                             "connected" if b_peer["connected"] else "down"))
            self.assertTrue(DROP_LOG.search(a.log()[log_from:]),
                            "A's log has no line matching %r after the key change:\n%s"
                            % (DROP_LOG.pattern, a.log()[log_from:][-2000:]))

            # The trust store right again: B is re-admitted and live.
            reloads = a.counters()["reloads"]
            a.ctl("peer", "remove", "hangzhou")
            a.peer_add(b)
            wait_until(lambda: a.counters()["reloads"] > reloads and
                       (a.peer_status("hangzhou") or {}).get("key") == b.pubkey, RELOAD_S,
                       "A to run with hangzhou's own key again")
            wait_tip([b], a, LIVENESS_S, "B to catch up with A once its key is trusted again")
            check_live(self, a, [b], w, "after B's key is trusted again")

    def test_park_key_replaced_while_feed_connected(self):
        """(f)"""
        rng = random.Random("%d %s" % (SEED, self.id()))
        with Federation("trust-park") as fed:
            sh = fed.node("shanghai", 310000)
            sz = fed.node("suzhou", 320500)
            fed.link(sh, sz)
            old, new = Feed(fed, sz, "sip-old"), Feed(fed, sz, "sip-new")
            try:
                sh.start()
                sz.start()
                sz.put("park", [{"id": "SZ-PARK-SIP", "name": "苏州工业园区", "city": 320500,
                                 "type": "characteristic_park", "capacity": 50,
                                 "industries": ["integrated_circuits"]}])
                ents = [enterprise(rng.randrange(10 ** 6) * 4 + i) for i in range(4)]
                sh.put("enterprise", ents)
                wait_until(lambda: same_digest(sh, sz), 20, "the registries at both nodes")
                sz.ctl("park", "add", "sip", "SZ-PARK-SIP", old.pubkey)
                old.start()

                def propose(i):
                    return sh.ctl_json("relay", "propose", ents[i]["credit_code"], "--to-park",
                                       "SZ-PARK-SIP")["case"]
                first = propose(0)
                wait_until(lambda: old.case_events(first), 15, "the first case at the old feed")

                log_from = len(sz.log())
                reloads = sz.counters()["reloads"]
                # Replaced as an operator does it (park add refuses a name it has): remove, add.
                sz.ctl("park", "remove", "sip")
                sz.ctl("park", "add", "sip", "SZ-PARK-SIP", new.pubkey)
                wait_reload(sz, reloads)
                second = propose(1)
                new.start()
                wait_until(lambda: new.case_events(first) and new.case_events(second), 15,
                           "both cases at the feed of the new key")
                # The old connection is still open; watch it for HOLD_S: nothing of the
                # second case may reach it.
                end = time.monotonic() + HOLD_S
                while time.monotonic() < end and not old.case_events(second):
                    time.sleep(0.05)
                self.assertEqual(old.case_events(second), [],
                                 "the feed of the replaced key received a case proposed after "
                                 "the change")
                self.assertTrue(PARK_DROP_LOG.search(sz.log()[log_from:]),
                                "suzhou's log has no line matching %r after the key change:\n%s"
                                % (PARK_DROP_LOG.pattern, sz.log()[log_from:][-2000:]))
                # Idle, the old feed connects anew: refused, it exits saying so.
                wait_until(lambda: old.proc.poll() is not None, FEED_REFUSED_S,
                           "the old feed to exit once its new handshake is refused")
                self.assertEqual(old.proc.returncode, 1, old.stderr())
                self.assertIn("refused this park's key %s" % old.pubkey, old.stderr())
                old.proc = None

                # Liveness: a new case reaches the new key's feed, and its accept lands.
                third = propose(2)
                wait_until(lambda: new.case_events(third), 15, "a new case at the new feed")
                r = new.act("accept", third)
                self.assertEqual(r.returncode, 0, r.stderr)
                wait_until(lambda: len(new.case_events(third)) >= 2, 15,
                           "the accept of the new key's park at its feed")
                self.assertEqual(new.case_events(third)[1]["record"]["type"], "accept")
                r = old.act("accept", second)
                self.assertEqual(r.returncode, 1, "the replaced key may not act on a case: %s"
                                 % r.stderr)
                wait_until(lambda: same_digest(sh, sz), 20, "both nodes to agree at the end")
                for n in (sh, sz):
                    self.assertTrue(n.verify()["ok"], n.name)
            finally:
                old.stop()
                new.stop()


if __name__ == "__main__":
    unittest.main()
