"""Liveness of a partner park's feed under faults, with real processes.

Shanghai registers enterprises and proposes relay cases for a park of Suzhou's; Suzhou
serves the park's yrdx-feed on its feed port. Each test makes one fault while the feed is
following Suzhou, then holds the feed to the liveness property: every case proposed before,
during and after the fault reaches the park's feed within LIVENESS_S (15 s) of the fault's
end (or of its proposal, if later), the feed never exits, and, after de-duplication by event
id, the feed printed exactly the park's events as Suzhou holds them (none lost, none
foreign), one propose per case; the two stores end with the same digest and pass verify.

1. Suzhou killed with SIGKILL and restarted while yrdx-feed keeps running; cases proposed
   at Shanghai while Suzhou is down, and after it is back.
2. The same with SIGTERM.
3. yrdx-feed stopped with SIGSTOP for longer than 2 x Suzhou's dead_after_ms (short sync
   timings: STOP_HEARTBEAT_MS, STOP_DEAD_AFTER_MS), cases proposed once that much of the
   stop has passed, then SIGCONT; a case proposed just after the resume is timed on its own.
   (test_feed_idle: the same timings and no fault, the feed merely idle that long.)
4. The feed's TCP connection reset (`ss -K`) with both processes running; skipped where
   `ss -K` cannot reset a connection."""
import json
import random
import signal
import time
import unittest

from harness import (LIVENESS_S, Federation, Feed, case_state, enterprise, run_seed, same_digest,
                     ss_kill, ss_kill_unavailable, tune, wait_until)

SEED = run_seed("test_feed_faults")

PARK_ID = "SZ-PARK-SIP"
# Short timings for the SIGSTOP case: yrdxd probes a silent feed connection after
# 2 x dead_after_ms (node/daemon/feed.c, yxd_feed_tick).
STOP_HEARTBEAT_MS = 250
STOP_DEAD_AFTER_MS = 1000
STOP_SYNC = dict(heartbeat_ms=STOP_HEARTBEAT_MS, dead_after_ms=STOP_DEAD_AFTER_MS)
# How long a feed connection goes unheard before suzhou probes it and, open, judges it
# silent.
SILENT_S = 2 * STOP_DEAD_AFTER_MS / 1000
# Enterprises Shanghai registers: one relay case each.
ENTERPRISES = 24


def park(pid, name, industries):
    return {"id": pid, "name": name, "city": 320500, "type": "characteristic_park",
            "industries": industries, "capacity": 50}


class FeedFaultTest(unittest.TestCase):
    def setUp(self):
        self.rng = random.Random("%d %s" % (SEED, self.id()))
        self.next_ent = 0

    # -- set-up ----------------------------------------------------------------------
    def start(self, fed, sz_sync=None):
        """Shanghai and Suzhou (tuned, linked, running), Suzhou's park SZ-PARK-SIP
        authorised on its feed port, Shanghai's enterprises everywhere, and the park's
        yrdx-feed following Suzhou. sz_sync: sync keys set on Suzhou after tune()."""
        sh = fed.node("shanghai", 310000)
        sz = fed.node("suzhou", 320500)
        tune(sh, sz)
        if sz_sync:
            sz.set_sync(**sz_sync)
        fed.link(sh, sz)
        feed = Feed(fed, sz, "sip")
        self.feed, self.sh, self.sz = feed, sh, sz
        sh.start()
        sz.start()
        sz.put("park", [park(PARK_ID, "苏州工业园区", ["integrated_circuits"])])
        self.ents = [enterprise(i) for i in range(ENTERPRISES)]
        sh.put("enterprise", self.ents)
        wait_until(lambda: same_digest(sh, sz), LIVENESS_S, "the registries at both nodes",
                   interval=0.1)
        sz.ctl("park", "add", "sip", PARK_ID, feed.pubkey)
        # Suzhou picks up the park from its config at its next tick: the feed starts then.
        wait_until(self.feed_status, 10, "the park in suzhou's status")
        feed.start()
        wait_until(lambda: self.feed_status().get("connected"), 10, "the park's feed connected")
        return sh, sz, feed

    def stop_feed(self):
        f = getattr(self, "feed", None)
        if f and f.proc:
            f.proc.send_signal(signal.SIGCONT)
            f.stop(signal.SIGKILL)

    # -- cases -----------------------------------------------------------------------
    def propose(self, n):
        """n new relay cases proposed at Shanghai for the park: [(case id, monotonic time
        of the proposal)]."""
        out = []
        for _ in range(n):
            e = self.ents[self.next_ent]
            self.next_ent += 1
            case = self.sh.ctl_json("relay", "propose", e["credit_code"], "--to-park",
                                    PARK_ID)["case"]
            out.append((case, time.monotonic()))
        return out

    def feed_status(self):
        for f in self.sz.status()["feeds"]:
            if f["park"] == "sip":
                return f
        return {}

    def diagnosis(self):
        try:
            st = self.feed_status()
        except Exception as e:  # suzhou may be down
            st = "unreadable (%s)" % e
        subs = self.sz.log().count("park sip (%s) subscribed" % PARK_ID)
        return ("suzhou's feed status: %s; subscriptions in suzhou's log: %d\n---- yrdx-feed "
                "stderr ----\n%s\n---- suzhou log (tail) ----\n%s"
                % (st, subs, self.feed.stderr()[-2000:], self.sz.log()[-3000:]))

    def wait_cases(self, cases, since, what):
        """Waits until the feed has printed the propose of each of cases ((case, proposed
        at)); each must come within LIVENESS_S of max(since, its proposal). Returns
        {case: seconds from max(since, proposal) to its arrival}."""
        got = {}
        deadline = max([since] + [t for _, t in cases]) + LIVENESS_S
        want = dict(cases)
        while True:
            now = time.monotonic()
            seen = {e["record"]["case_id"] for e in self.feed.events()
                    if e["record"]["type"] == "propose"}
            for c in want:
                if c in seen and c not in got:
                    got[c] = now - max(since, want[c])
            if len(got) == len(want) or now > deadline:
                break
            time.sleep(0.02)
        self.assertIsNone(self.feed.proc.poll(), "yrdx-feed exited (%r) %s\n%s"
                          % (self.feed.proc.poll(), what, self.diagnosis()))
        missing = sorted(set(want) - set(got))
        if missing:
            self.fail("%s: %d of %d cases not at the park's feed within %d s (arrived: %s; "
                      "missing: %s)\n%s"
                      % (what, len(missing), len(want), LIVENESS_S,
                         {c: round(s, 2) for c, s in got.items()}, missing, self.diagnosis()))
        late = {c: s for c, s in got.items() if s > LIVENESS_S}
        self.assertFalse(late, "%s: cases later than %d s: %r" % (what, LIVENESS_S, late))
        return got

    def check_exactly_once(self, cases):
        """After de-duplication by event id, the feed printed exactly the park's events as
        Suzhou holds them, one propose per case of ours; prints how many repeats."""
        ids = {c for c, _ in cases}
        wait_until(lambda: all(case_state(self.sz, c) for c in ids), LIVENESS_S,
                   "every case at suzhou")
        expected = set()
        for line in self.sz.ctl("--json", "list", "relay-event").stdout.splitlines():
            row = json.loads(line)
            if row["record"]["park_id"] == PARK_ID:
                expected.add("%s/%d" % (row["origin"], row["seq"]))
        self.assertEqual(len(expected), len(ids), "suzhou's events for the park")
        events = self.feed.events()
        got = [e["event_id"] for e in events]
        self.assertEqual(set(got), expected, "the feed's event ids against suzhou's")
        unique = {}
        for e in events:
            unique.setdefault(e["event_id"], e)
        self.assertEqual(sorted(e["record"]["case_id"] for e in unique.values()), sorted(ids),
                         "one event per case after de-duplication")
        for e in unique.values():
            self.assertEqual((e["record"]["type"], e["why"], e["record"]["park_id"]),
                             ("propose", "addressed", PARK_ID), e["event_id"])
            self.assertTrue(e["event_id"].endswith("/%d" % e["seq"]), e["event_id"])
        print("%s: %d events, %d distinct, %d repeats" % (self.id(), len(got), len(unique),
                                                          len(got) - len(unique)), flush=True)
        # And the two stores agree, whole.
        wait_until(lambda: same_digest(self.sh, self.sz), LIVENESS_S, "both stores to agree")
        for n in (self.sh, self.sz):
            self.assertTrue(n.verify()["ok"], n.name)

    # -- 1, 2: the node restarts under a running feed ------------------------------
    def node_restart(self, sig):
        with Federation("feed-restart") as fed:
            try:
                sh, sz, feed = self.start(fed)
                cases = self.propose(2)
                self.wait_cases(cases, time.monotonic(), "before the fault")
                # A seeded moment between the feed's last batch and its next idle
                # resubscribe (every 5 s).
                pause = self.rng.uniform(0, 2)
                time.sleep(pause)
                down_at = time.monotonic()
                if sig == signal.SIGKILL:
                    sz.kill()
                else:
                    self.assertEqual(sz.stop(), 0, "suzhou's exit status after SIGTERM")
                # Proposed while suzhou is down: they reach it when it pulls again.
                down = self.propose(self.rng.randint(1, 3))
                self.assertIsNone(feed.proc.poll(), "yrdx-feed exited with its node down: %s"
                                  % feed.stderr())
                sz.start()
                up_at = time.monotonic()
                after = self.propose(self.rng.randint(2, 4))
                got_down = self.wait_cases(down, up_at, "proposed while suzhou was down, "
                                           "after its restart")
                got_after = self.wait_cases(after, up_at, "proposed after suzhou's restart")
                print("%s: suzhou down %.2f s (%.2f s after the last batch); cases proposed "
                      "while down at the feed %.2f s after the restart (first) to %.2f s (last); "
                      "the first case proposed after the restart %.2f s after its proposal"
                      % (self.id(), up_at - down_at, pause, min(got_down.values()),
                         max(got_down.values()), got_after[after[0][0]]), flush=True)
                # And new cases, once things have settled, come as quickly as ever.
                more = self.propose(1)
                got_more = self.wait_cases(more, time.monotonic(), "a later case")
                print("%s: a later case at the feed in %.2f s"
                      % (self.id(), got_more[more[0][0]]), flush=True)
                self.check_exactly_once(cases + down + after + more)
                self.assertIsNone(feed.proc.poll(), feed.stderr())
            finally:
                self.stop_feed()

    def test_node_sigkill_restart(self):
        self.node_restart(signal.SIGKILL)

    def test_node_sigterm_restart(self):
        self.node_restart(signal.SIGTERM)

    # -- 3: the feed stopped beyond 2 x dead_after_ms ------------------------------
    def test_feed_sigstop(self):
        with Federation("feed-stop") as fed:
            try:
                sh, sz, feed = self.start(fed, STOP_SYNC)
                cases = self.propose(2)
                self.wait_cases(cases, time.monotonic(), "before the fault")
                silent_s = SILENT_S
                stop_s = silent_s + 1 + self.rng.uniform(0, 0.5)
                feed.proc.send_signal(signal.SIGSTOP)
                stopped_at = time.monotonic()
                # The cases come once suzhou may have judged the feed silent (2 x
                # dead_after_ms), as most do in a longer stop; they reach suzhou before the
                # resume.
                wait_until(lambda: time.monotonic() - stopped_at > silent_s + 0.5,
                           silent_s + 1, "2 x dead_after_ms and more into the stop")
                during = self.propose(3)
                wait_until(lambda: all(case_state(sz, c) for c, _ in during), LIVENESS_S,
                           "the cases proposed during the stop at suzhou")
                wait_until(lambda: time.monotonic() - stopped_at > stop_s, stop_s + 1,
                           "the end of the stop")
                feed.proc.send_signal(signal.SIGCONT)
                resumed_at = time.monotonic()
                after = self.propose(1)
                print("%s: yrdx-feed stopped %.2f s (2 x dead_after_ms = %.1f s); cases "
                      "proposed %.2f s into it"
                      % (self.id(), resumed_at - stopped_at, silent_s,
                         during[0][1] - stopped_at), flush=True)
                try:
                    got = self.wait_cases(during + after, resumed_at, "after the feed's SIGCONT")
                finally:
                    # Said whatever the outcome: the first case proposed after the resume.
                    seen = {e["record"]["case_id"] for e in feed.events()}
                    print("%s: the case proposed %.2f s after the resume %s" % (
                        self.id(), after[0][1] - resumed_at,
                        "arrived" if after[0][0] in seen else "had NOT arrived"), flush=True)
                print("%s: after the resume, the cases proposed during the stop at the feed in "
                      "%s s; the first case proposed after the resume in %.2f s"
                      % (self.id(), [round(got[c], 2) for c, _ in during], got[after[0][0]]),
                      flush=True)
                self.check_exactly_once(cases + during + after)
            finally:
                self.stop_feed()

    # -- 3': no fault at all, the feed idle beyond 2 x dead_after_ms ---------------
    def test_feed_idle(self):
        """What test_feed_sigstop's timings do to a feed that is merely idle: nothing for
        the park for longer than 2 x dead_after_ms, then a case."""
        with Federation("feed-idle") as fed:
            try:
                sh, sz, feed = self.start(fed, STOP_SYNC)
                cases = self.propose(1)
                self.wait_cases(cases, time.monotonic(), "the first case")
                idle_s = SILENT_S + 1 + self.rng.uniform(0, 0.5)
                idle_from = time.monotonic()
                wait_until(lambda: time.monotonic() - idle_from > idle_s, idle_s + 1,
                           "the feed idle for %.2f s" % idle_s)
                after = self.propose(1)
                got = self.wait_cases(after, time.monotonic(),
                                      "a case after %.2f s of an idle feed" % idle_s)
                print("%s: after %.2f s idle, a case at the feed in %.2f s"
                      % (self.id(), idle_s, got[after[0][0]]), flush=True)
                self.check_exactly_once(cases + after)
            finally:
                self.stop_feed()

    # -- 4: the feed's TCP connection reset ---------------------------------------
    def test_feed_connection_reset(self):
        why = ss_kill_unavailable()
        if why:
            self.skipTest("cannot reset a TCP connection with ss -K here: %s" % why)
        with Federation("feed-reset") as fed:
            try:
                sh, sz, feed = self.start(fed)
                cases = self.propose(2)
                self.wait_cases(cases, time.monotonic(), "before the fault")
                time.sleep(self.rng.uniform(0, 2))  # a seeded moment of the feed's idle time
                killed = ss_kill(sz.feed_port)
                reset_at = time.monotonic()
                self.assertGreaterEqual(killed, 1, "no connection on suzhou's feed port to reset")
                self.assertTrue(sz.proc.poll() is None and feed.proc.poll() is None,
                                "a process exited after the reset")
                after = self.propose(self.rng.randint(2, 4))
                got = self.wait_cases(after, reset_at, "after the reset of the feed's connection")
                print("%s: ss -K destroyed %d sockets; cases proposed after the reset at the "
                      "feed in %s s (the first %.2f s after its proposal)"
                      % (self.id(), killed, [round(got[c], 2) for c, _ in after],
                         got[after[0][0]]), flush=True)
                more = self.propose(1)
                got_more = self.wait_cases(more, time.monotonic(), "a later case")
                print("%s: a later case at the feed in %.2f s" % (self.id(), got_more[more[0][0]]),
                      flush=True)
                self.check_exactly_once(cases + after + more)
            finally:
                self.stop_feed()


if __name__ == "__main__":
    unittest.main()
