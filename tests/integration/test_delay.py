"""yrdx-delay, the relay that stands in for a long link's delay (tools/yrdx-delay): the
round trip through it takes twice its delay (and not much more), every byte arrives intact
both ways at once, and a receiver that does not read leaves it holding no more than its
buffer while the sender is held back."""
import os
import random
import re
import socket
import subprocess
import threading
import time
import unittest

from harness import BUILD, SANITIZE, free_port, run_seed

DELAY = os.path.join(BUILD, "tools/yrdx-delay")


class Relay:
    def __init__(self, routes, *opts):
        self.proc = subprocess.Popen([DELAY, *opts, *routes], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line == "ready\n", "yrdx-delay did not start: %r %s" % (line, self.proc.stderr.read())

    def vm_kib(self, field):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise AssertionError("no %s in /proc/%d/status" % (field, self.proc.pid))

    def stop(self):
        """Stops it; returns its figures line (stderr)."""
        self.proc.terminate()
        out, err = self.proc.communicate(timeout=10)
        return err


def pair(listen_port, target):
    """A client connected through the relay on listen_port, and the server-side socket."""
    c = socket.create_connection(("127.0.0.1", listen_port), timeout=30)
    s, _ = target.accept()
    s.settimeout(30)
    for sock in (c, s):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return c, s


def recv_all(sock, into):
    while True:
        b = sock.recv(1 << 16)
        if not b:
            return
        into += b


class DelayTest(unittest.TestCase):
    def setUp(self):
        self.target = socket.socket()
        self.target.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.target.bind(("127.0.0.1", free_port()))
        self.target.listen()
        self.port = free_port()
        self.route = "127.0.0.1:%d=127.0.0.1:%d" % (self.port, self.target.getsockname()[1])

    def tearDown(self):
        self.target.close()

    def test_round_trip_takes_twice_the_delay(self):
        relay = Relay([self.route + "@25"])
        try:
            c, s = pair(self.port, self.target)
            rtts = []
            for i in range(15):
                t0 = time.monotonic()
                c.sendall(b"%02d" % i)
                self.assertEqual(s.recv(2), b"%02d" % i)
                s.sendall(b"ok")
                self.assertEqual(c.recv(2), b"ok")
                rtts.append((time.monotonic() - t0) * 1000)
            rtts.sort()
            median = rtts[len(rtts) // 2]
            print("round trip through a 25 ms relay: min %.1f ms, median %.1f ms, max %.1f ms"
                  % (rtts[0], median, rtts[-1]))
            # Never sooner than the delay each way; on a loaded 2-core machine the loop may
            # be late by a scheduling slice, not by another delay.
            self.assertGreaterEqual(rtts[0], 50.0)
            self.assertLess(median, 50.0 + (40 if SANITIZE else 15))
            c.close()
            s.close()
        finally:
            relay.stop()

    def test_bytes_intact_both_ways(self):
        seed = run_seed("test_bytes_intact_both_ways")
        rng = random.Random(seed)
        up = rng.randbytes(12 << 20)
        down = rng.randbytes(9 << 20)
        relay = Relay([self.route + "@5"])
        try:
            c, s = pair(self.port, self.target)
            got_up, got_down = bytearray(), bytearray()
            threads = [threading.Thread(target=recv_all, args=(s, got_up)),
                       threading.Thread(target=recv_all, args=(c, got_down))]
            for t in threads:
                t.start()

            def send(sock, data):
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)  # the close travels through, after the bytes
            senders = [threading.Thread(target=send, args=(c, up)),
                       threading.Thread(target=send, args=(s, down))]
            for t in senders:
                t.start()
            for t in senders + threads:
                t.join(60)
                self.assertFalse(t.is_alive(), "transfer through the relay did not end in 60 s")
            self.assertEqual(len(got_up), len(up))
            self.assertEqual(bytes(got_up), up, "bytes changed on the way up")
            self.assertEqual(bytes(got_down), down, "bytes changed on the way down")
            c.close()
            s.close()
        finally:
            figures = relay.stop()
        print(figures.strip())
        m = re.search(r"(\d+) bytes forward, (\d+) back", figures)
        self.assertEqual((int(m.group(1)), int(m.group(2))), (len(up), len(down)))

    def test_memory_bounded_when_the_receiver_stalls(self):
        buffer = 1 << 20
        relay = Relay([self.route + "@10"], "--buffer", str(buffer))
        try:
            base = relay.vm_kib("VmRSS")
            c, s = pair(self.port, self.target)
            c.setblocking(False)
            offered = 64 << 20
            data = random.Random(7).randbytes(offered)
            sent = 0
            stuck_since = None
            # Push until the sender is held back for a second: the server reads nothing.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    sent += c.send(data[sent:sent + (1 << 16)])
                    stuck_since = None
                except BlockingIOError:
                    stuck_since = stuck_since or time.monotonic()
                    if time.monotonic() - stuck_since > 1.0:
                        break
                    time.sleep(0.01)
            self.assertLess(sent, offered, "the sender was never held back")
            grown = relay.vm_kib("VmHWM") - base
            print("receiver stalled: %d bytes accepted from the sender of %d offered; relay "
                  "resident memory grew by %d KiB (buffer %d KiB)"
                  % (sent, offered, grown, buffer // 1024))
            if not SANITIZE:
                self.assertLess(grown, 3 * buffer // 1024 + 1024)
            # Then the receiver reads: everything arrives, in order.
            c.setblocking(True)
            got = bytearray()
            reader = threading.Thread(target=recv_all, args=(s, got))
            reader.start()
            c.sendall(data[sent:])
            c.shutdown(socket.SHUT_WR)
            reader.join(60)
            self.assertEqual(bytes(got), data)
            c.close()
            s.close()
        finally:
            figures = relay.stop()
        print(figures.strip())
        held = int(re.search(r"held at most (\d+) bytes", figures).group(1))
        self.assertLessEqual(held, buffer)
        self.assertGreater(held, buffer // 2, "the stall never filled the relay's buffer")

    def test_bad_routes_named(self):
        for route, why in [("127.0.0.1:1=127.0.0.1:2", "expected LISTEN=TARGET@MS"),
                           ("127.0.0.1=127.0.0.1:2@5", "LISTEN is not HOST:PORT"),
                           ("127.0.0.1:1=localhost:2@5", "TARGET is not HOST:PORT"),
                           ("127.0.0.1:1=127.0.0.1:2@soon", "MS is not a whole number")]:
            r = subprocess.run([DELAY, self.route + "@1", route], capture_output=True, text=True,
                               timeout=10)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn('route 2 "%s": %s' % (route, why), r.stderr)
        r = subprocess.run([DELAY, "--buffer", "0", self.route + "@1"], capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--buffer 0: expected a whole number", r.stderr)
        r = subprocess.run([DELAY, "--help"], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0)
        self.assertIn("LISTEN=TARGET@MS", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
