"""A node restored from a backup while its peers hold newer entries of its own log.

Before: the node restarted from its old seq and wrote new entries with seqs its peers
already held — silently ignored there, later "hash chain broken": a fork nobody was
told about. Now a restored store is fenced: the node refuses local writes, fetches its
own log back from its peers, and writes again from its true tip; new writes then reach
every node within NEW_WRITES_S. The same holds for an old copy of data.mdb put back by
hand (no fence mark): the first peer that claims more of the node's log raises it."""
import os
import shutil
import time
import unittest

from harness import Federation, enterprise, wait_converged, wait_until

# Fence lifted and the node's own log back, once a peer answers.
LIFT_S = 30
# New writes after the restore reach the peer within this.
NEW_WRITES_S = 15


def records(start, n):
    return [enterprise(i) for i in range(start, start + n)]


def synced_pair(fed, n):
    """Shanghai and hangzhou, linked and running, hangzhou holding shanghai's first n
    records; returns (shanghai, hangzhou)."""
    a = fed.node("shanghai")
    b = fed.node("hangzhou", 330100)
    fed.link(a, b)
    a.start()
    b.start()
    a.put("enterprise", records(0, n))
    wait_converged([a, b], 30, "first sync")
    return a, b


class RestoreTest(unittest.TestCase):
    def assert_fenced_put_refused(self, node):
        r = node.ctl("put", "enterprise", self.one_record(node), check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("writes refused until its peers confirm its latest seq", r.stderr)

    def one_record(self, node):
        path = os.path.join(node.dir, "one.ndjson")
        with open(path, "w") as f:
            import json
            f.write(json.dumps(enterprise(999999), ensure_ascii=False) + "\n")
        return path

    def assert_no_fork(self, *nodes):
        for n in nodes:
            c = n.counters()
            self.assertEqual(c.get("rejected_fork", 0), 0, n.name)
            self.assertEqual(c.get("rejected_chain", 0), 0, n.name)
            self.assertNotIn("FORK", n.log(), n.name)
            n.verify()

    def test_restore_from_backup_refetches_own_log(self):
        with Federation("restore") as fed:
            a, b = synced_pair(fed, 1000)
            backup = os.path.join(fed.root, "backup")
            a.ctl("backup", backup)
            a.put("enterprise", records(1000, 500))  # newer than the backup
            wait_converged([a, b], 30, "the newer entries to reach hangzhou")
            self.assertEqual(b.tip(a.pubkey), 1500)

            a.stop()
            r = a.ctl("restore", backup, check=False)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("own log at seq 1000", r.stdout)
            self.assertEqual(a.tip(a.pubkey), 1000, "restore put the backup back")
            # Peers down: the node waits, says why, and refuses writes.
            b.stop()
            a.start()
            self.assert_fenced_put_refused(a)
            self.assertIn("0 of 1 peers answered", a.status()["fenced"])
            # A peer comes back: the node fetches its own log and writes again.
            b.start()
            t0 = time.monotonic()
            wait_until(lambda: not a.status().get("fenced"), LIFT_S, "the fence to lift")
            print("restore: the peer back, own log fetched and the fence lifted in %.2f s"
                  % (time.monotonic() - t0), flush=True)
            self.assertEqual(a.tip(a.pubkey), 1500, "the node did not fetch its own log back")
            a.put("enterprise", records(2000, 100))
            self.assertEqual(a.tip(a.pubkey), 1600)
            wait_converged([a, b], NEW_WRITES_S, "new writes after the restore")
            self.assertEqual(b.tip(a.pubkey), 1600)
            self.assert_no_fork(a, b)

    def test_old_copy_put_back_by_hand(self):
        with Federation("restore-hand") as fed:
            a, b = synced_pair(fed, 800)
            data = os.path.join(a.dir, "data")
            a.stop()
            shutil.copy2(os.path.join(data, "data.mdb"), os.path.join(fed.root, "old.mdb"))
            a.start()
            a.put("enterprise", records(800, 400))
            wait_converged([a, b], 30, "the newer entries to reach hangzhou")
            a.stop()
            shutil.copy2(os.path.join(fed.root, "old.mdb"), os.path.join(data, "data.mdb"))
            a.start()
            # Once hangzhou has told it it holds more of its log, it writes nothing...
            wait_until(lambda: a.status().get("fenced") or a.tip(a.pubkey) == 1200, LIFT_S,
                       "shanghai to notice its store is older than its log")
            # ...until it has that log back.
            wait_until(lambda: not a.status().get("fenced"), LIFT_S, "the fence to lift")
            self.assertEqual(a.tip(a.pubkey), 1200)
            self.assertIn("holds our log up to seq 1200", a.log())
            a.put("enterprise", records(2000, 50))
            wait_converged([a, b], NEW_WRITES_S, "new writes after the hand restore")
            self.assertEqual(b.tip(a.pubkey), 1250)
            self.assert_no_fork(a, b)


if __name__ == "__main__":
    unittest.main()
