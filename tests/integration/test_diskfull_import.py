"""The store runs out of room during `yrdxctl import`.

Disk full: the node's directory is on a small tmpfs the test mounts (as root; skipped
only where mounting is not permitted). The import stops with "disk full" (not
"Input/output error"), says nothing of the failed batch was written and how many rows
were committed before it; the store holds exactly those rows and verifies; the daemon
keeps running and logs the refusal once however often it is repeated; once the
filesystem has room the same import completes.

Map full: node/map_size set small by `yrdxctl init --map-size`; the import says the map
is full and to raise node/map_size; `status` prints the small map sensibly; raised in the
config and the node restarted, the same import completes."""
import os
import re
import subprocess
import unittest

from harness import YRDXCTL, YRDXD, Federation, Node, write_csv

ROWS = 60000
BATCH = 5000


def mount_tmpfs(path, size):
    return subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs",
                           path], capture_output=True, text=True)


class StoreFullImportTest(unittest.TestCase):
    def setUp(self):
        self.fed = Federation("store-full")
        self.addCleanup(self.fed.close)
        self.csv = os.path.join(self.fed.root, "space-enterprises.csv")
        write_csv(self.csv, ROWS, "空间测试企业")

    def own_seq(self, node):
        return node.tip(node.pubkey)

    def assert_store_holds(self, node, n):
        self.assertEqual(self.own_seq(node), n)
        self.assertEqual(len(node.ctl("export", "--kind", "enterprise").stdout.splitlines()), n)
        self.assertIn("ok: %d changes of 1 origin verified" % n, node.ctl("verify").stdout)

    def import_refused(self, node, reason):
        """Runs the import, which must stop for want of room: the rows committed."""
        r = node.ctl("import", self.csv, check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn("yrdxctl: import stopped: " + reason, r.stderr)
        self.assertNotIn("Input/output error", r.stderr)
        m = re.search(r"nothing of lines (\d+)-(\d+) of %s was written; (\d+) rows before "
                      r"them are committed \((\d+) imported, (\d+) unchanged\), each batch of "
                      r"up to 5000 rows is committed whole or not at all" % re.escape(self.csv),
                      r.stderr)
        self.assertIsNotNone(m, r.stderr)
        first, last, committed = int(m.group(1)), int(m.group(2)), int(m.group(3))
        self.assertEqual(committed, int(m.group(4)) + int(m.group(5)))
        self.assertEqual((first, last), (committed + 2, committed + BATCH + 1))  # header: line 1
        self.assertEqual(committed % BATCH, 0)
        self.assertIn("run the same import again", r.stderr)
        return committed, int(m.group(4)), r.stderr

    def test_disk_full(self):
        disk = os.path.join(self.fed.root, "disk")
        os.mkdir(disk)
        r = mount_tmpfs(disk, "6m")
        if r.returncode != 0:
            self.skipTest("cannot mount a tmpfs here (needs root): %s" % r.stderr.strip())
        self.addCleanup(subprocess.run, ["umount", "-l", disk], capture_output=True)
        a = Node(disk, "shanghai", 310000)
        a.log_path = os.path.join(self.fed.root, "shanghai.log")  # off the full disk
        self.fed.nodes.append(a)
        self.addCleanup(a.stop)  # before the unmount (cleanups run last first)
        a.start()

        committed, imported, err = self.import_refused(
            a, "disk full: no space left on the store's filesystem")
        self.assertTrue(0 < committed < ROWS, err)
        self.assertEqual(imported, committed)
        self.assertIn("next: free space on the node's disk, then run the same import again",
                      err)
        self.assertIsNone(a.proc.poll(), "the daemon died: " + a.log())
        self.assert_store_holds(a, committed)

        # Still full: refused again, nothing more written, and the log says it once.
        again, _, _ = self.import_refused(a, "disk full")
        self.assertEqual(again, committed)
        self.assert_store_holds(a, committed)
        refusals = [line for line in a.log().splitlines() if "refused, nothing of it written" in line]
        self.assertEqual(len(refusals), 1, a.log())
        self.assertIn("put of 5000 records refused, nothing of it written: disk full", refusals[0])

        # Room again: the same import completes, the committed rows unchanged.
        r = subprocess.run(["mount", "-o", "remount,size=64m", disk], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = a.ctl_json("import", self.csv)
        self.assertEqual((out["rows"], out["imported"], out["unchanged"]),
                         (ROWS, ROWS - committed, committed))
        self.assert_store_holds(a, ROWS)
        self.assertIn("the store has room again", a.log())

    def test_map_full(self):
        r = subprocess.run([YRDXCTL, "init", "--dir", os.path.join(self.fed.root, "bad"),
                            "--name", "bad", "--city", "330100", "--map-size", "512K"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("node/map_size: \"512K\": must be from 1M to 64T", r.stderr)
        b = self.fed.node("hangzhou", 330100, map_size="2M")
        with open(b.config, encoding="utf-8") as f:
            self.assertIn("\n    map_size = 2M\n", f.read())
        self.assertIn("    map_size = 2M\n", subprocess.run(
            [YRDXD, "--check", "-c", b.config], capture_output=True, text=True).stdout)
        b.start()
        self.assertEqual(b.status()["map_bytes"], 2 << 20)
        self.assertIn(" used of a 2 MiB map (", b.ctl("status").stdout)

        committed, imported, err = self.import_refused(
            b, "the store's map is full (raise node/map_size in the config)")
        self.assertTrue(0 < committed < ROWS, err)
        self.assertEqual(imported, committed)
        self.assertIn("next: raise node/map_size in %s, restart the node, then run the same "
                      "import again" % b.config, err)
        self.assertIsNone(b.proc.poll(), "the daemon died: " + b.log())
        self.assert_store_holds(b, committed)
        m = re.search(r"store: %d changes from 1 origins, ([0-9.]+) MiB used of a 2 MiB map "
                      r"\(([0-9.]+)%%\)" % committed, b.ctl("status").stdout)
        self.assertIsNotNone(m, b.ctl("status").stdout)
        self.assertGreater(float(m.group(2)), 50.0)

        # Raised in the config and the node restarted: the same import completes.
        with open(b.config, encoding="utf-8") as f:
            text = f.read()
        with open(b.config, "w", encoding="utf-8") as f:
            f.write(text.replace("\n    map_size = 2M\n", "\n    map_size = 64M\n"))
        b.stop()
        b.start()
        self.assertEqual(b.status()["map_bytes"], 64 << 20,
                         "yrdxd must open its store with node/map_size")
        self.assertIn(" used of a 64 MiB map (", b.ctl("status").stdout)
        out = b.ctl_json("import", self.csv)
        self.assertEqual((out["rows"], out["imported"], out["unchanged"]),
                         (ROWS, ROWS - committed, committed))
        self.assert_store_holds(b, ROWS)


if __name__ == "__main__":
    unittest.main()
