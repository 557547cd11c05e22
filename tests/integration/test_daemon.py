"""yrdxd as an operator meets it: --check prints the config normalised; it refuses to
start on a bad config, a key file others can read, or a store of a newer schema, each
with a message saying what is wrong; SIGTERM stops it cleanly; an edited trust store is
picked up (by itself and on SIGHUP) without dropping healthy connections; metrics and
the status page answer over HTTP on localhost."""
import os
import signal
import subprocess
import unittest
import urllib.request

from harness import YRDXD, Federation, enterprise, free_port, same_digest, wait_until


def run_yrdxd(*args):
    return subprocess.run([YRDXD] + list(args), capture_output=True, text=True, timeout=30)


def schema_version():
    """YX_SCHEMA_VERSION, as this build has it."""
    header = os.path.join(os.path.dirname(__file__), "../../node/lib/store.h")
    with open(header, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#define YX_SCHEMA_VERSION "):
                return int(line.split()[2])
    raise AssertionError("YX_SCHEMA_VERSION not found in store.h")


class DaemonTest(unittest.TestCase):
    def test_check_and_refusals(self):
        with Federation("daemon") as fed:
            a = fed.node("shanghai")
            r = run_yrdxd("--check", "-c", a.config)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("name = shanghai", r.stdout)
            self.assertIn("city = 310000", r.stdout)
            self.assertIn("heartbeat_ms = 1000", r.stdout)  # defaults filled in

            bad = os.path.join(fed.root, "bad.zpl")
            with open(bad, "w") as f:
                f.write("node\n    name = shanghai\n    city = 999999\nlisten\n    peer = tcp://127.0.0.1:1\n")
            r = run_yrdxd("-c", bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn("node/city", r.stderr)
            self.assertIn("999999", r.stderr)
            self.assertEqual(run_yrdxd("--check", "-c", bad).returncode, 2)

            key = os.path.join(a.dir, "node.key")
            os.chmod(key, 0o644)
            r = run_yrdxd("-c", a.config)
            self.assertEqual(r.returncode, 1)
            self.assertIn("readable by its owner only", r.stderr)
            os.chmod(key, 0o600)

            # A store written by a newer yrdx: this build's schema version plus one.
            data = os.path.join(a.dir, "data")
            dump = subprocess.run(["mdb_dump", "-p", "-s", "meta", data], capture_output=True,
                                  text=True, check=True).stdout
            version = schema_version()
            newer = dump.replace("\\00\\00\\00\\%02x" % version, "\\00\\00\\00\\%02x" % (version + 1))
            self.assertNotEqual(dump, newer)
            subprocess.run(["mdb_load", "-s", "meta", data], input=newer, text=True, check=True)
            r = run_yrdxd("-c", a.config)
            self.assertEqual(r.returncode, 1)
            self.assertIn("newer than this build", r.stderr)

    def test_store_and_control_socket_owner_only(self):
        """docs/SECURITY.md: the store is created 0600 and the control socket owner-only,
        whatever the umask the daemon is started under — another local account can
        neither read the registry's pages nor talk to the daemon."""
        with Federation("owner-only") as fed:
            a = fed.node("shanghai")
            old = os.umask(0)
            try:
                a.start()
            finally:
                os.umask(old)
            a.put("enterprise", [enterprise(1)])
            check = run_yrdxd("--check", "-c", a.config).stdout
            control = next(line.split("=", 1)[1].strip().strip('"') for line in check.splitlines()
                           if line.strip().startswith("control ="))
            control = control[len("ipc://"):] if control.startswith("ipc://") else control
            data = os.path.join(a.dir, "data")
            modes = {name: os.stat(os.path.join(data, name)).st_mode & 0o777
                     for name in ("data.mdb", "lock.mdb")}
            modes["control socket"] = os.stat(control).st_mode & 0o777
            print("modes under umask 000: %s" % {k: oct(v) for k, v in modes.items()}, flush=True)
            for name, mode in modes.items():
                self.assertEqual(mode & 0o077, 0, "%s is %o" % (name, mode))
            self.assertEqual(len(a.export(kind="enterprise")), 1)  # and it holds what was put

    def test_reload_metrics_and_clean_stop(self):
        with Federation("reload") as fed:
            a = fed.node("shanghai")
            b = fed.node("hangzhou", 330100)
            c = fed.node("hefei", 340100)
            metrics_port = free_port()
            a.ctl("peer", "add", b.name, b.endpoint, b.pubkey)
            b.peer_add(a)
            # metrics on: set listen/metrics by rewriting the line yrdxctl init wrote
            with open(a.config) as f:
                text = f.read()
            with open(a.config, "w") as f:
                f.write(text.replace('metrics = ""', 'metrics = 127.0.0.1:%d' % metrics_port))
            for n in (a, b, c):
                n.start()
            a.put("enterprise", [enterprise(i) for i in range(100)])
            wait_until(lambda: same_digest(a, b), 20, "A and B to converge")

            # The trust store grows while A runs: C is picked up by itself (file watch).
            a.peer_add(c)
            c.peer_add(a)
            wait_until(lambda: same_digest(a, c), 20, "C to get A's records after the edit")
            # ... and removed again, on SIGHUP.
            a.ctl("peer", "remove", c.name)
            a.reload()
            wait_until(lambda: [p["name"] for p in a.status()["peers"]] == ["hangzhou"], 10,
                       "A to drop C from its peers")
            self.assertGreaterEqual(a.counters()["reloads"], 2)
            # The connection to B was never dropped through both reloads.
            self.assertEqual(b.log().count("peer shanghai connected to pull"), 1, b.log())
            self.assertNotIn("peer hangzhou: disconnected", a.log())
            a.put("enterprise", [enterprise(1000)])
            wait_until(lambda: same_digest(a, b), 10, "B to keep getting A's writes")

            body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_port, timeout=5).read().decode()
            self.assertIn("yrdx_local_changes_total 101", body)
            self.assertIn('yrdx_peer_connected{peer="hangzhou"} 1', body)
            page = urllib.request.urlopen("http://127.0.0.1:%d/" % metrics_port, timeout=5).read().decode()
            self.assertIn('<p id=node data-name="shanghai" data-city="310000">', page)

            a.proc.send_signal(signal.SIGTERM)
            self.assertEqual(a.proc.wait(timeout=20), 0)
            a.proc = None
            self.assertIn("stopped", a.log())
            self.assertFalse(os.path.exists(os.path.join(a.dir, "control.sock")))
            a.ctl("verify")


if __name__ == "__main__":
    unittest.main()
