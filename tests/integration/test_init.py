"""yrdxctl init under umask 022: the node's directory, key, config and store are
owner-only (they hold the node's secret key and, soon, confidential figures); and
`init --metrics` turns the metrics endpoint on — on localhost when only a port is given —
which `yrdxd --check` shows and the running node serves."""
import os
import subprocess
import urllib.request
import unittest

from harness import YRDXD, Federation, free_port, wait_until


def mode(path):
    return os.stat(path).st_mode & 0o777


class InitTest(unittest.TestCase):
    def test_owner_only_and_metrics(self):
        old = os.umask(0o022)
        try:
            with Federation("init") as fed:
                port = free_port()
                a = fed.node("shanghai", metrics=port)
                self.assertEqual(a.metrics, "127.0.0.1:%d" % port)
                a.start()
                modes = {p: mode(os.path.join(a.dir, p))
                         for p in ("", "node.key", "yrdxd.zpl", "data", "data/data.mdb")}
                print("umask 022: %s" % {p or ".": "%04o" % m for p, m in modes.items()}, flush=True)
                self.assertEqual(modes, {"": 0o700, "node.key": 0o600, "yrdxd.zpl": 0o600,
                                         "data": 0o700, "data/data.mdb": 0o600})

                # yrdxd --check shows the endpoint init wrote
                r = subprocess.run([YRDXD, "--check", "-c", a.config], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("    metrics = 127.0.0.1:%d\n" % port, r.stdout)
                # and the node serves it
                body = wait_until(lambda: urllib.request.urlopen(
                    "http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode(), 10, "metrics")
                self.assertIn("yrdx_control_requests_total", body)

                # HOST:PORT as given; a bad one refused naming the key, nothing made
                b_port = free_port()
                b = fed.node("hangzhou", 330100, metrics="127.0.0.1:%d" % b_port)
                self.assertEqual(b.metrics, "127.0.0.1:%d" % b_port)
                r = a.ctl("init", "--dir", os.path.join(fed.root, "bad"), "--name", "hefei",
                          "--city", "340100", "--metrics", "localhost:http", config=False,
                          check=False)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("listen/metrics: \"localhost:http\"", r.stderr)
                self.assertFalse(os.path.exists(os.path.join(fed.root, "bad", "yrdxd.zpl")))
                # without --metrics: off, said as such
                c = fed.node("hefei", 340100)
                self.assertIsNone(c.metrics)
                r = subprocess.run([YRDXD, "--check", "-c", c.config], capture_output=True, text=True)
                self.assertIn('    metrics = ""\n', r.stdout)
        finally:
            os.umask(old)


if __name__ == "__main__":
    unittest.main()
