#!/usr/bin/env python3
"""Clock steps: a node's wall clock set back or forward while it syncs — NTP correcting a
drifted clock, an operator's `date -s`, a virtual machine resumed. A node runs for years;
its clock will be stepped. Its heartbeats, silence and stall rules, back-offs and ticks
count time on the monotonic clock, which never steps; only what is shown or stored as a
date (record times, refusals, the console) reads the wall clock.

Hangzhou (B) runs under libfaketime (LD_PRELOAD, its offset read from a file at every call,
the monotonic clock left alone); Shanghai (A) on the real clock. Each step ends with the
liveness property (harness.check_live): new writes arrive within LIVENESS_S, both ways.
With the wall clock, a step back of an hour stopped B's ticks, heartbeats and silence
rule for that hour: A dropped B's pull session as silent and nothing new reached B.

Not under the sanitizers: AddressSanitizer must be the first library loaded, and
libfaketime is preloaded before it."""
import glob
import os
import re
import time
import unittest

from harness import (DEAD_AFTER_MS, LIVENESS_S, SANITIZE, Federation, Writer, check_live,
                     linked_pair, wait_until)

# Nothing here is random: the records are numbered (Writer), the steps fixed.
FAKETIME = (glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1") +
            glob.glob("/usr/lib/faketime/libfaketimeMT.so.1"))


class Clock:
    """A wall-clock offset for the processes started with env(): seconds, set by step()."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "faketime.rc")
        self.offset = 0
        self._write()

    def env(self):
        return {"LD_PRELOAD": FAKETIME[0], "FAKETIME_TIMESTAMP_FILE": self.path,
                "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                "NO_FAKE_STAT": "1"}

    def step(self, seconds):
        self.offset += seconds
        self._write()

    def _write(self):
        tmp = self.path + ".new"
        with open(tmp, "w") as f:
            f.write("%+d\n" % self.offset)
        os.replace(tmp, self.path)  # read whole at every call: never half a line


def written_at(node, record):
    """When node wrote record (an enterprise of its own), as its wall clock said: seconds
    since the epoch, from `yrdxctl get`'s heading ("..., seq N, YYYY-MM-DD HH:MM:SS")."""
    out = node.ctl("get", "enterprise", record["credit_code"], "--origin", "self").stdout
    stamp = re.search(r"seq \d+, (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", out)
    assert stamp, "no time in: %s" % out
    return time.mktime(time.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S"))


def never(cond, seconds, interval=0.1):
    """Watches cond for seconds (an observation window: what must not happen in it);
    returns the moment it first held, or None."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return time.monotonic()
        time.sleep(interval)
    return None


@unittest.skipIf(SANITIZE, "libfaketime cannot be preloaded before AddressSanitizer")
@unittest.skipUnless(FAKETIME, "libfaketime is not installed (deploy/install-deps.sh)")
class ClockStepTest(unittest.TestCase):

    def pair(self, fed):
        """A and B linked, B on a clock of its own; both hold A's first records."""
        w = Writer()
        clock = Clock(fed.root)
        a, b = linked_pair(fed, w, 1000, b_env=clock.env())
        return a, b, w, Writer(start=10 ** 6), clock

    def stepped(self, b, wb, clock, seconds):
        """Steps B's wall clock by seconds and shows the step took: a record B writes now
        carries a time that far from the test's own clock."""
        clock.step(seconds)
        rec = wb.batch(1)
        b.put("enterprise", rec)
        off = written_at(b, rec[0]) - time.time()
        print("%s: B's wall clock stepped %+d s; a record B wrote says %+.0f s" % (
            self.id(), seconds, off), flush=True)
        self.assertLess(abs(off - seconds), 60, "B's wall clock did not step")

    def test_step_back_an_hour(self):
        with Federation("clock-back") as fed:
            a, b, wa, wb, clock = self.pair(fed)
            self.stepped(b, wb, clock, -3600)
            # Twice dead_after_ms: a B whose ticks and heartbeats stopped is dropped by A
            # as a silent puller in that time, and then A pushes it nothing new.
            dropped = never(lambda: "hangzhou stopped pulling" in a.log(),
                            2 * DEAD_AFTER_MS / 1000)
            self.assertIsNone(dropped, "A took B for a silent puller after B's clock "
                              "stepped back: %s" % a.log()[-2000:])
            check_live(self, a, [b], wa, "after B's clock stepped back an hour")
            check_live(self, b, [a], wb, "after B's clock stepped back an hour")
            # What B shows as a date is on its wall clock: A's last contact an hour back.
            contact = b.peer_status("shanghai")["last_contact_ms"] / 1000 - time.time()
            self.assertLess(abs(contact + 3600), 60, "B's status: A's last contact %+.0f s "
                            "from the test's clock" % contact)
            # A killed and started again: B must find it gone and pull anew.
            gone = b.log().count("peer shanghai: disconnected")
            a.kill()
            wait_until(lambda: b.log().count("peer shanghai: disconnected") > gone,
                       DEAD_AFTER_MS / 1000 + LIVENESS_S, "B to find A gone")
            a.start()
            check_live(self, a, [b], wa, "after A's restart, B's clock an hour back")

    def test_step_forward_a_day(self):
        with Federation("clock-forward") as fed:
            a, b, wa, wb, clock = self.pair(fed)
            self.stepped(b, wb, clock, 86400)
            check_live(self, a, [b], wa, "after B's clock stepped forward a day")
            check_live(self, b, [a], wb, "after B's clock stepped forward a day")
            dropped = [line for line in b.log().splitlines() if "disconnected (" in line]
            self.assertEqual(dropped, [], "B dropped A when its clock stepped forward")


if __name__ == "__main__":
    unittest.main()
