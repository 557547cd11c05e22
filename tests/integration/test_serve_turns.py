"""A server streams the origins a puller pulls round robin, in turns of up to YX_SERVE_RUN
(16) segments of one origin (serve.c, pump; wire.h).

Why turns: a puller commits what arrived a few segments at a time, and one origin's entries
share pages in its store. Segments of one origin in a row write those pages once per
commit; one segment of each origin in turn wrote each origin's pages again at every
segment (a city catching up on the whole delta took a fifth more CPU so).

Three cities each write 40 small batches (40 segments each) that Shanghai takes in; then a
probe puller (evil_client pull-order, under a trusted member's key) pulls everything from
Shanghai with credit for all of it and records the order the segments come in. Asserted:
every origin arrives whole and in seq order, up to Shanghai's tip; the segments come in
turns of one origin, 16 long unless the origin had fewer left; and between two turns of an
origin, every other origin that still had segments got a turn of its own."""
import os
import subprocess
import unittest

from harness import BUILD, Federation, enterprise, wait_tip, wait_until

EVIL = os.path.join(BUILD, "tests/evil_client")
RUN = 16  # wire.h, YX_SERVE_RUN
BATCHES = 40
WRITERS = [("nanjing", 320100, "320102"), ("hangzhou", 330100, "330102"),
           ("hefei", 340100, "340104")]


def segments(path):
    """The "segment ORIGIN FROM LAST" lines evil_client printed, in order."""
    with open(path) as f:
        return [(p[1], int(p[2]), int(p[3])) for p in (line.split() for line in f)
                if len(p) == 4 and p[0] == "segment"]


def turns(segs):
    """The segments grouped into turns: [origin, count, last seq] for each run of one
    origin."""
    out = []
    for origin, _, last in segs:
        if out and out[-1][0] == origin:
            out[-1][1] += 1
            out[-1][2] = last
        else:
            out.append([origin, 1, last])
    return out


class ServeTurnsTest(unittest.TestCase):
    def test_turns_of_sixteen_segments(self):
        with Federation("turns") as fed:
            hub = fed.node("shanghai")
            writers = [fed.node(name, city) for name, city, _ in WRITERS]
            for w in writers:
                fed.link(hub, w)
            probe = fed.node("wuxi", 320200)
            hub.peer_add(probe)  # its key is trusted; evil_client uses it, the node never runs
            for n in [hub] + writers:
                n.start()
            for k, (w, (_, city, district)) in enumerate(zip(writers, WRITERS)):
                for b in range(BATCHES):
                    w.put("enterprise", [enterprise(1000 * k + 2 * b + i, city=city,
                                                    district=district) for i in range(2)])
            for w in writers:
                wait_tip([hub], w, 60, "%s's %d batches at shanghai" % (w.name, BATCHES))
            tips = {o["origin"]: o["seq"] for o in hub.digest()["origins"]}

            out = os.path.join(fed.root, "pull-order.out")
            with open(out, "w") as f:
                proc = subprocess.Popen([EVIL, "-c", probe.config, "peer", hub.endpoint,
                                         hub.pubkey, "pull-order", "32"],
                                        stdout=f, stderr=subprocess.STDOUT)
            try:
                def whole():
                    got = {}
                    for origin, _, last in segments(out):
                        got[origin] = max(got.get(origin, 0), last)
                    return got == tips or proc.poll() is not None
                wait_until(whole, 30, "every origin's log at the probe")
            except AssertionError as e:
                with open(out) as f:
                    raise AssertionError("%s; tips %r; the probe printed:\n%s"
                                         % (e, tips, f.read()[-3000:])) from None
            finally:
                proc.terminate()
                proc.wait(timeout=10)
            segs = segments(out)
            with open(out) as f:
                self.assertTrue(segs, "the probe got no segment: " + f.read())

            # Every origin whole, in seq order, once.
            held = {}
            for origin, first, last in segs:
                self.assertEqual(first, held.get(origin, 0) + 1,
                                 "a segment of %s out of order" % origin)
                held[origin] = last
            self.assertEqual(held, tips, "the probe did not get every origin whole")

            ts = turns(segs)
            print("%d segments of %d origins in %d turns: %s" % (
                len(segs), len(tips), len(ts),
                " ".join("%s:%d" % (o[:8], n) for o, n, _ in ts)), flush=True)
            # Turns of 16, shorter only when the origin had no more.
            for origin, n, last in ts:
                self.assertLessEqual(n, RUN, "a turn of %d segments of %s" % (n, origin))
                if n < RUN:
                    self.assertEqual(last, tips[origin],
                                     "a turn of %s ended after %d segments with more to send"
                                     % (origin, n))
            self.assertGreater(sum(1 for _, n, _ in ts if n == RUN), 2 * len(WRITERS) - 1)
            # Round robin: between two turns of an origin, each other origin that still had
            # segments to send had a turn.
            last_turn = {o: max(i for i, t in enumerate(ts) if t[0] == o) for o in tips}
            for i, (origin, _, _) in enumerate(ts):
                later = [j for j in range(i + 1, len(ts)) if ts[j][0] == origin]
                if not later:
                    continue
                between = {t[0] for t in ts[i + 1:later[0]]}
                waiting = {o for o in tips if o != origin and last_turn[o] > i}
                self.assertLessEqual(waiting, between,
                                     "%s had a second turn before every other origin had one"
                                     % origin)


if __name__ == "__main__":
    unittest.main()
