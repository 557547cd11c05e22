"""Memory stays bounded while a much faster peer pushes 1,000,000 records: the receiver's
anonymous resident memory (heap, ZeroMQ buffers, its write set), sampled every 20 ms for
the whole sync, stays under 64 MiB. Credit-based flow control bounds what is in flight
to credit x one segment, and the write set to FLUSH_SEGMENTS segments."""
import time
import unittest

from harness import Federation, enterprise, same_digest

TOTAL = 1000000
BOUND_KIB = 64 * 1024


class MemoryTest(unittest.TestCase):
    def test_receiver_memory_bounded(self):
        with Federation("memory") as fed:
            a = fed.node("shanghai")
            b = fed.node("hangzhou", 330100)
            fed.link(a, b)
            a.start()
            a.put("enterprise", [enterprise(i) for i in range(TOTAL)], chunk=25000)
            b.start()
            peak_anon = 0
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                peak_anon = max(peak_anon, b.memory_kib()["RssAnon"])
                if b.tip(a.pubkey) == TOTAL:
                    break
                time.sleep(0.02)
            self.assertEqual(b.tip(a.pubkey), TOTAL, "sync did not finish in time")
            self.assertTrue(same_digest(a, b))
            mem = b.memory_kib()
            print("receiver: peak sampled RssAnon %d KiB, VmHWM %d KiB (includes map pages)"
                  % (peak_anon, mem["VmHWM"]))
            self.assertLess(peak_anon, BOUND_KIB)


if __name__ == "__main__":
    unittest.main()
