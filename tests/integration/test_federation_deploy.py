"""deploy/federation.sh, the whole delta on one machine, at a small N: five real cities
(上海 and the three capitals, then 无锡) founded as one federation and loaded with a
synthetic registry each, in network namespaces with links delayed by distance where this
process is root and `ip netns` works, else on loopback ports (the test prints which ran).

Asserted: the script reports convergence; every node then holds the same digest (read
here with yrdxctl, not taken from the script) and every city's records; in namespace
mode each node dials its peers through its city's delaying relay; a new record written
at one city arrives at every other; `--stop` leaves no process it started and no
namespace behind."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BUILD, YRDXCTL, enterprise, wait_until

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
SCRIPT = os.path.join(ROOT, "deploy/federation.sh")
CITIES = 5
RECORDS = 300
LIVE_S = 15


def ctl_json(config, *args):
    r = subprocess.run([YRDXCTL, "-c", config, "--json", *args], capture_output=True, text=True,
                       timeout=60)
    if r.returncode:
        raise AssertionError("yrdxctl %s: %s" % (" ".join(args), r.stderr))
    return json.loads(r.stdout)


def alive(pid, names=("yrdxd", "yrdx-delay")):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip() in names
    except OSError:
        return False


def namespaces():
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


class FederationDeployTest(unittest.TestCase):
    def setUp(self):
        base = os.environ.get("YRDX_TEST_TMP") or tempfile.gettempdir()
        os.makedirs(base, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="delta-", dir=base)
        self.env = dict(os.environ, YRDX_BUILD_DIR=os.path.abspath(BUILD))
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        # Whatever happens, nothing stays running.
        self.addCleanup(self.run_script, "--stop", "--dir", self.dir)

    def run_script(self, *args, timeout=120):
        return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=timeout,
                              env=self.env)

    def test_deploy_converge_write_stop(self):
        t0 = time.monotonic()
        r = self.run_script("--cities", str(CITIES), "--records", str(RECORDS), "--dir", self.dir)
        out = r.stdout
        print(out, flush=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        mode = re.search(r"mode (namespaces|loopback)", out).group(1)
        print("deploy/federation.sh ran in %s mode (%.1f s)" % (mode, time.monotonic() - t0), flush=True)
        self.assertRegex(out, r"converged: [0-9.]+ s after the last import; %d identical digests" % CITIES)
        with open(os.path.join(self.dir, "state.json")) as f:
            state = json.load(f)
        configs = state["nodes"]
        self.assertEqual(sorted(configs), sorted(["shanghai", "nanjing", "wuxi", "hangzhou", "hefei"]))

        digests = {name: ctl_json(cfg, "digest") for name, cfg in configs.items()}
        self.assertEqual(len({d["digest"] for d in digests.values()}), 1, digests)
        for name, d in digests.items():
            # Every city's own log there, each holding its registry (enterprises and their
            # financials, and the city's sharing policy).
            self.assertEqual(len(d["origins"]), CITIES, name)
            for o in d["origins"]:
                self.assertGreaterEqual(o["seq"], RECORDS, "%s: %s" % (name, o))

        if mode == "namespaces":
            ns = [n for n in namespaces() if n.startswith("yrdx-%s-" % state["tag"])]
            self.assertEqual(len(ns), CITIES + 1, ns)  # a namespace per city and the bridge's
            self.assertEqual(sum(1 for p in state["pids"] if alive(p, ("yrdx-delay",))), CITIES)
            for name, cfg in configs.items():
                for p in ctl_json(cfg, "status")["peers"]:
                    self.assertRegex(p["endpoint"], r"^tcp://127\.0\.0\.1:20\d\d\d$",
                                     "%s dials %s directly, not through its relay" % (name, p["name"]))
                    self.assertTrue(p["connected"], "%s -> %s" % (name, p["name"]))

        # A new record at 合肥 reaches every city.
        hefei = configs["hefei"]
        path = os.path.join(self.dir, "new.ndjson")
        rec = enterprise(999999937, city=340100, district="340102")
        with open(path, "w") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        subprocess.run([YRDXCTL, "-c", hefei, "put", "enterprise", path], check=True,
                       capture_output=True, timeout=30)
        key = ctl_json(hefei, "status")["key"]
        tip = next(o["seq"] for o in ctl_json(hefei, "digest")["origins"] if o["origin"] == key)
        t0 = time.monotonic()
        for name, cfg in configs.items():
            wait_until(lambda: any(o["origin"] == key and o["seq"] == tip
                                   for o in ctl_json(cfg, "digest")["origins"]),
                       LIVE_S, "the new record at hefei to reach %s" % name, interval=0.05)
            got = ctl_json(cfg, "get", "enterprise", rec["credit_code"])
            self.assertEqual(got["record"]["name"], rec["name"], name)
        print("a new record at hefei reached all %d cities in %.2f s" % (CITIES, time.monotonic() - t0))

        r = self.run_script("--stop", "--dir", self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        print(r.stdout.strip())
        self.assertIn("stopped %d processes" % len(state["pids"]), r.stdout)
        left = [p for p in state["pids"] if alive(p)]
        self.assertEqual(left, [], "processes left after --stop")
        left_ns = [n for n in namespaces() if n.startswith("yrdx-%s-" % state["tag"])]
        self.assertEqual(left_ns, [], "namespaces left after --stop")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "state.json")))

    def test_bad_arguments(self):
        for args, why in [(["--cities", "3"], "--cities 3: from 4"),
                          (["--cities", "42"], "--cities 42: from 4"),
                          (["--records", "many"], "'many' is not a whole number"),
                          (["--bogus"], "unknown argument '--bogus'")]:
            r = self.run_script(*args, "--dir", self.dir)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(why, r.stderr)
        r = self.run_script("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--stop", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
