"""yrdxd killed during `yrdxctl import`: the import notices at once (the control
connection closes; it does not wait out its 60 s deadline), says how many rows were
committed, and the store holds exactly those rows: whole batches of 5,000, each committed
whole or not at all, the batch in flight included when its commit got through before the
kill. Running the same import again after a restart completes it to the full count, the
committed rows counted as unchanged."""
import os
import re
import signal
import subprocess
import time
import unittest

from harness import YRDXCTL, Federation, wait_until, write_csv

ROWS = 200000
BATCH = 5000
EXIT_BOUND_S = 5.0  # from the kill to yrdxctl's exit


class ImportCrashTest(unittest.TestCase):
    def setUp(self):
        self.fed = Federation("import-crash")
        self.addCleanup(self.fed.close)
        self.a = self.fed.node("shanghai", 310000).start()
        self.csv = os.path.join(self.fed.root, "crash-enterprises.csv")
        write_csv(self.csv, ROWS, "崩溃测试企业")

    def own_seq(self):
        return self.a.tip(self.a.pubkey)

    def stored_enterprises(self):
        return len(self.a.ctl("export", "--kind", "enterprise").stdout.splitlines())

    def assert_store_holds(self, n):
        self.assertEqual(self.own_seq(), n)
        self.assertEqual(self.stored_enterprises(), n)
        self.assertIn("ok: %d changes of 1 origin verified" % n, self.a.ctl("verify").stdout)

    def test_killed_daemon_reports_committed_rows_and_reimport_completes(self):
        imp = subprocess.Popen([YRDXCTL, "-c", self.a.config, "import", self.csv],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # Mid-way: the first batch is committed (rows are being written), then kill.
            wait_until(lambda: imp.poll() is not None or self.own_seq() > 0, 60,
                       "the import's first committed batch")
            if imp.poll() is not None:
                self.fail("the import ended before the kill: %s %s" % imp.communicate())
            self.a.proc.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            self.a.proc.wait(timeout=10)
            self.a.proc = None
            out, err = imp.communicate(timeout=60)
            took = time.monotonic() - killed_at
        finally:
            if imp.poll() is None:
                imp.kill()
                imp.wait()
        self.assertLess(took, EXIT_BOUND_S, "yrdxctl took %.1f s to notice: %s" % (took, err))
        self.assertEqual(imp.returncode, 1, "%s%s" % (out, err))
        self.assertEqual(out, "")
        self.assertIn("import interrupted: the node stopped (its control connection closed)",
                      err)
        self.assertIn("each batch of up to 5000 rows is committed whole or not at all", err)
        self.assertIn("run the same import again", err)
        m = re.search(r"yrdxctl: (\d+) rows committed \((\d+) imported, 0 unchanged\)", err)
        self.assertIsNotNone(m, err)
        committed = int(m.group(1))
        self.assertEqual(int(m.group(2)), committed)
        self.assertTrue(0 < committed < ROWS and committed % BATCH == 0, err)

        # The store, read with the daemon down, holds exactly what the message says.
        self.assert_store_holds(committed)

        # Restarted, the same import completes it: the committed rows are unchanged.
        self.a.start()
        self.assert_store_holds(committed)
        r = self.a.ctl_json("import", self.csv)
        self.assertEqual((r["rows"], r["imported"], r["unchanged"], r["rejected"]),
                         (ROWS, ROWS - committed, committed, 0))
        self.assert_store_holds(ROWS)
        # And once more it writes nothing.
        r = self.a.ctl_json("import", self.csv)
        self.assertEqual((r["imported"], r["unchanged"]), (0, ROWS))
        self.assert_store_holds(ROWS)

    def test_node_gone_before_import_fails_at_once(self):
        """A node that died leaves its socket file behind: import says so at once."""
        self.a.kill()
        t0 = time.monotonic()
        r = self.a.ctl("import", self.csv, check=False)
        self.assertLess(time.monotonic() - t0, EXIT_BOUND_S, r.stderr)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("control.sock", r.stderr)
        self.assertEqual(self.own_seq(), 0)


if __name__ == "__main__":
    unittest.main()
