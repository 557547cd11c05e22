"""Integration-test harness: real yrdxd processes on loopback, driven through yrdxctl.

Every wait has a deadline and names what it waited for; nothing sleeps and hopes."""
import atexit
import errno
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

BUILD = os.environ.get("YRDX_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))


def _sanitizer_build():
    """Whether BUILD is the ASan/UBSan build: memory bounds are not asserted there (the
    sanitizers' shadow memory would break them) and time bounds may be scaled."""
    try:
        with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
            return "YRDX_SANITIZE:BOOL=ON" in f.read()
    except OSError:
        return False


SANITIZE = _sanitizer_build()
# How much slower the sanitized build runs what is CPU-bound: time bounds that judge a
# daemon's own pace (not a protocol's timer) are multiplied by it.
CPU_SCALE = 4 if SANITIZE else 1
YRDXD = os.path.join(BUILD, "node/daemon/yrdxd")
YRDXCTL = os.path.join(BUILD, "tools/yrdxctl")
FEED = os.path.join(BUILD, "tools/yrdx-feed")

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(i, district="310115"):
    """A valid unified social credit code (GB 32100-2015), different for every i."""
    body = "91" + district + "%09d" % i
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + ALPHABET[(31 - total % 31) % 31]


def enterprise(i, city=310000, district="310115", name_prefix="长三角样本企业"):
    return {
        "credit_code": credit_code(i, district),
        "name": "%s%d有限公司" % (name_prefix, i),
        "city": city,
        "stage": "growth",
        "incubator_ids": ["INC-%04d" % (i % 50)],
        "industries": ["integrated_circuits", "future_health"],
        "qualifications": ["tech_sme"],
        "employees": 20 + i % 400,
        "patents": i % 37,
        "founded_year": 2015 + i % 10,
    }


def write_csv(path, n, name_prefix):
    """An import CSV of n enterprises, numbered 0 to n - 1 as credit_code() numbers them."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("credit_code,name,city,stage,industries,qualifications,employees\n")
        for i in range(n):
            f.write("%s,%s%d有限公司,310000,growth,integrated_circuits;biomedicine,"
                    "tech_sme,%d\n" % (credit_code(i), name_prefix, i, 10 + i % 500))


# Ports come from below the ephemeral range (32768 and up), where the kernel never hands
# out a connection's local port: each process walks its own stretch of 10000-31999,
# starting at an offset drawn from its pid, and skips ports that are taken. A port is
# also claimed for this process's life (a file named after it in _PORT_DIR, holding our
# pid, made with O_EXCL): tests run side by side, and a node stopped to be restarted
# leaves its port unbound for a moment, which another test's walk must not take. The
# claim of a process that is gone is taken over.
_PORT_LOW, _PORT_HIGH = 10000, 32000
_PORT_DIR = os.path.join(tempfile.gettempdir(), "yrdx-test-ports")
_next_port = [None]
_claimed = []


def _release_ports():
    for path in _claimed:
        try:
            os.unlink(path)
        except OSError:
            pass


def _claim_port(port):
    """True if port is now this process's: unclaimed, or claimed by a process gone."""
    os.makedirs(_PORT_DIR, mode=0o1777, exist_ok=True)
    path = os.path.join(_PORT_DIR, str(port))
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                with open(path) as f:
                    owner = int(f.read())
                os.kill(owner, 0)
                return False  # its owner lives
            except ValueError:
                return False  # being written by its owner
            except ProcessLookupError:
                try:
                    os.unlink(path)  # a dead process's: O_EXCL decides who takes it
                except FileNotFoundError:
                    pass
                continue
            except OSError:
                return False  # alive, another user's, or unreadable: leave it
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        if not _claimed:
            atexit.register(_release_ports)
        _claimed.append(path)
        return True
    return False


def free_port():
    if _next_port[0] is None:
        _next_port[0] = _PORT_LOW + (os.getpid() * 211) % (_PORT_HIGH - _PORT_LOW)
    for _ in range(_PORT_HIGH - _PORT_LOW):
        port = _next_port[0]
        _next_port[0] = _PORT_LOW + (port + 1 - _PORT_LOW) % (_PORT_HIGH - _PORT_LOW)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        if _claim_port(port):
            return port
    raise AssertionError("no free port in %d-%d" % (_PORT_LOW, _PORT_HIGH - 1))


def wait_until(cond, timeout, what, interval=0.02):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = cond()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %.1f s waiting for %s (last: %r)" % (timeout, what, last))


def case_state(node, case):
    """A relay case's state at node (yrdxctl relay list), or None if it holds no such case."""
    for line in node.ctl("--json", "relay", "list").stdout.splitlines():
        row = json.loads(line)
        if row["case"] == case:
            return row["state"]
    return None


def ss_kill(port):
    """Resets (SOCK_DESTROY, via `ss -K`) every established TCP connection to or from port on
    this machine; returns how many sockets it destroyed. Ports come from free_port(), so only
    the calling test's connections match."""
    r = subprocess.run(["ss", "-K", "-t", "-n", "state", "established",
                        "( sport = :%d or dport = :%d )" % (port, port)],
                       capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        raise AssertionError("ss -K failed (%d): %s%s" % (r.returncode, r.stdout, r.stderr))
    return sum(1 for line in r.stdout.splitlines()[1:] if line.strip())


def ss_kill_unavailable():
    """Why `ss -K` cannot reset a TCP connection here (None if it can): it needs
    CONFIG_INET_DIAG_DESTROY and CAP_NET_ADMIN."""
    port = free_port()
    with socket.socket() as lsn:
        lsn.bind(("127.0.0.1", port))
        lsn.listen()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
            s, _ = lsn.accept()
            with s:
                try:
                    killed = ss_kill(port)
                except (OSError, AssertionError, subprocess.SubprocessError) as e:
                    return "ss -K: %s" % e
                c.settimeout(2)
                try:
                    c.send(b"x")
                    got = c.recv(1)
                except OSError as e:
                    if e.errno in (errno.ECONNABORTED, errno.ECONNRESET, errno.EPIPE):
                        return None
                    return "after ss -K, the connection failed with %s" % e
                return "ss -K destroyed %d sockets but the connection lives (read %r)" % (killed, got)


class Node:
    def __init__(self, root, name, city=310000, map_size=None, metrics=None, host=None,
                 netns=None):
        """Runs `yrdxctl init` in root/name; map_size (e.g. "2M") is passed as --map-size,
        metrics ("[HOST:]PORT") as --metrics. With netns, the daemon runs in that network
        namespace (ip netns exec), listening on host there, on the ports its config names
        (fixed ones: the namespace has them all)."""
        self.name = name
        self.dir = os.path.join(root, name)
        self.netns = netns
        self.peer_port = 7401 if netns else free_port()
        self.feed_port = 7402 if netns else free_port()
        self.proc = None
        self.env = None  # variables added to yrdxd's environment (test_clock: libfaketime)
        self.log_path = os.path.join(root, name + ".log")
        extra = ["--map-size", map_size] if map_size else []
        extra += ["--metrics", str(metrics)] if metrics else []
        host = host or "127.0.0.1"
        out = self.ctl_json("init", "--dir", self.dir, "--name", name, "--city", str(city),
                            "--peer-port", str(self.peer_port), "--feed-port", str(self.feed_port),
                            "--host", host, *extra, config=False)
        self.pubkey = out["public_key"]
        self.config = out["config"]
        self.metrics = out.get("metrics")
        self.endpoint = "tcp://%s:%d" % (host, self.peer_port)

    # -- yrdxctl ----------------------------------------------------------------------
    def ctl(self, *args, config=True, check=True, timeout=120):
        cmd = [YRDXCTL] + (["-c", self.config] if config else []) + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("%s failed (%d): %s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
        return r

    def ctl_json(self, *args, **kw):
        r = self.ctl("--json", *args, **kw)
        return json.loads(r.stdout)

    def put(self, kind, records, chunk=20000):
        for start in range(0, len(records), chunk):
            fd, path = tempfile.mkstemp(suffix=".ndjson", dir=self.dir)
            with os.fdopen(fd, "w") as f:
                for rec in records[start:start + chunk]:
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            try:
                self.ctl("put", kind, path)
            finally:
                os.unlink(path)

    def digest(self):
        return self.ctl_json("digest")

    def status(self):
        return self.ctl_json("status")

    def counters(self):
        return self.status()["counters"]

    def tip(self, origin_key):
        for o in self.digest()["origins"]:
            if o["origin"] == origin_key:
                return o["seq"]
        return 0

    def verify(self):
        """yrdxctl verify, as JSON ({"ok", "origins", "changes"}); raises if it fails."""
        return self.ctl_json("verify")

    def export(self, origin=None, kind=None):
        """The records this node holds (bodies, not stubs), as yrdxctl export prints them:
        a list of {"kind": K, "record": {...}}, of one origin (name or key) if given."""
        args = ["export", "--format", "ndjson"]
        if origin:
            args += ["--origin", origin]
        if kind:
            args += ["--kind", kind]
        out = self.ctl(*args).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def peer_status(self, name):
        """This node's status entry for its peer NAME (its pull connection), or None."""
        for p in self.status()["peers"]:
            if p["name"] == name:
                return p
        return None

    def set_sync(self, **kw):
        """Rewrites keys of the config's sync section (heartbeat_ms, dead_after_ms,
        reconnect_min_ms, reconnect_max_ms, credit, compress_level); they take effect at the
        next start."""
        with open(self.config) as f:
            lines = f.read().split("\n")
        section, todo = None, dict(kw)
        for i, line in enumerate(lines):
            if line and not line[0].isspace() and not line.startswith("#"):
                section = line.strip()
                continue
            m = re.match(r"^(    )(\w+)(\s*=\s*)(\S+)(.*)$", line)
            if section == "sync" and m and m.group(2) in todo:
                lines[i] = "%s%s%s%s%s" % (m.group(1), m.group(2), m.group(3),
                                           todo.pop(m.group(2)), m.group(5))
        if todo:
            raise AssertionError("%s: no sync key %s in %s" % (self.name, ", ".join(todo), self.config))
        tmp = self.config + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(lines))
        os.replace(tmp, self.config)

    def peer_add(self, other, share=None):
        args = ["peer", "add", other.name, other.endpoint, other.pubkey]
        if share is not None:
            args += ["--share", share]
        self.ctl(*args)

    def http(self, path="/"):
        """GET path on the node's metrics port (fed.node(..., metrics=PORT)): (status,
        headers, body text)."""
        url = "http://%s%s" % (self.metrics, path)
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()

    # -- process ----------------------------------------------------------------------
    def start(self, wait=True, detach=False):
        """Starts yrdxd (in its namespace, if it has one); detach: in a session of its own,
        so that it outlives this process (deploy/federation.sh)."""
        log = open(self.log_path, "a")
        cmd = [YRDXD, "-c", self.config]
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns] + cmd  # execs yrdxd: the same pid
        env = dict(os.environ, **self.env) if self.env else None
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=detach,
                                     env=env)
        log.close()
        if wait:
            wait_until(lambda: self.proc.poll() is not None or self.ctl("status", check=False).returncode == 0,
                       10, "%s to answer on its control socket" % self.name)
            assert self.proc.poll() is None, "%s exited: %s" % (self.name, self.log())
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
        rc = self.proc.returncode if self.proc else 0
        self.proc = None
        return rc

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def reload(self):
        self.proc.send_signal(signal.SIGHUP)

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def memory_kib(self):
        """Anonymous resident memory (heap, stacks, buffers) and total resident memory
        (including the LMDB map's file pages, which the kernel can drop at will)."""
        fields = {}
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("RssAnon", "VmRSS", "VmHWM"):
                    fields[key] = int(value.split()[0])
        return fields

    def cpu_times(self):
        """The CPU time the daemon has used so far, (user, system) in seconds: its own
        code and libraries, and the kernel's work for it (page cache, sockets, fsync)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rpartition(")")[2].split()
        # Fields 14 and 15 of stat(5) (utime, stime); the split starts at field 3.
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick

    def cpu_seconds(self):
        """User plus system CPU time the daemon has used so far, in seconds."""
        return sum(self.cpu_times())


class Feed:
    """A partner park's yrdx-feed for node's feed port, with a key of its own (park.key in
    a directory of its own); node_key is the node's key it is told (the node's own until a
    rotation: set it to the new one)."""

    def __init__(self, fed, node, name, exec_cmd=None, dossier_dir=None):
        self.dir = os.path.join(fed.root, "feed-" + name)
        os.makedirs(self.dir)
        self.key = os.path.join(self.dir, "park.key")
        self.pubkey = subprocess.run([FEED, "keygen", self.key], capture_output=True, text=True,
                                     check=True).stdout.strip()
        self.node = node
        self.node_key = node.pubkey
        self.out = os.path.join(self.dir, "events.ndjson")
        self.state = os.path.join(self.dir, "state")
        self.exec_cmd = exec_cmd
        self.dossier_dir = dossier_dir
        self.proc = None

    def conn(self):
        return ["--node", "tcp://127.0.0.1:%d" % self.node.feed_port, "--node-key", self.node_key,
                "--key", self.key]

    def start(self):
        args = [FEED] + self.conn() + ["--state", self.state]
        if self.exec_cmd:
            args += ["--exec", self.exec_cmd]
        if self.dossier_dir:
            args += ["--dossier-dir", self.dossier_dir]
        with open(self.out, "a") as out, open(os.path.join(self.dir, "stderr"), "a") as err:
            self.proc = subprocess.Popen(args + ["run"], stdout=out, stderr=err)

    def stop(self, sig=signal.SIGTERM):
        if self.proc:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)
            self.proc = None

    def events(self):
        """The events the feed printed so far: its complete lines (it may be half way
        through writing the next one)."""
        try:
            with open(self.out, "rb") as f:
                return [json.loads(l) for l in f if l.endswith(b"\n") and l.strip()]
        except FileNotFoundError:
            return []

    def case_events(self, case):
        """The events of one relay case the feed printed so far."""
        return [e for e in self.events() if e["record"]["case_id"] == case]

    def stderr(self):
        try:
            with open(os.path.join(self.dir, "stderr")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def act(self, verb, case):
        return subprocess.run([FEED] + self.conn() + [verb, case], capture_output=True, text=True,
                              timeout=30)


class Federation:
    """A scratch directory of nodes, stopped and removed at the end."""

    def __init__(self, tag, root=None):
        """A new scratch directory named after tag, or root (created) if given."""
        base = os.environ.get("YRDX_TEST_TMP") or tempfile.gettempdir()
        os.makedirs(root or base, exist_ok=True)
        self.root = root or tempfile.mkdtemp(prefix=tag + "-", dir=base)
        self.nodes = []

    def node(self, name, city=310000, map_size=None, metrics=None, host=None, netns=None):
        n = Node(self.root, name, city, map_size, metrics, host, netns)
        self.nodes.append(n)
        return n

    def found(self, threshold=None, nodes=None, federation="长三角协同孵化网络"):
        """Founds a federation of nodes (default: every node so far) as its founders
        would: each prints its member line, one drafts version 1 of the charter (联盟章程)
        with threshold (default: a bare majority), the file goes round and every founder
        signs it, then each installs it. The nodes must be stopped. Returns the path of
        the signed charter file."""
        nodes = list(nodes or self.nodes)
        if threshold is None:
            threshold = len(nodes) // 2 + 1
        members = os.path.join(self.root, "members.txt")
        with open(members, "w") as f:
            for n in nodes:
                line = n.ctl("charter", "member").stdout.strip()
                # the member line names the listen endpoint, which is where peers connect
                f.write(line + "\n")
        path = os.path.join(self.root, "charter-v1.yx")
        nodes[0].ctl("charter", "draft", "--federation", federation, "--threshold",
                     str(threshold), "-o", path, members, config=False)
        for n in nodes:
            n.ctl("charter", "sign", path)
        for n in nodes:
            n.ctl("charter", "install", path)
        self.charter = path
        return path

    def ring(self, cities):
        """Nodes of cities ((name, GB/T 2260 code) pairs) with short sync timings, founded as
        one federation (a bare majority signs), each linked to the next — and past two, the
        last to the first — and started. Returns the nodes in cities' order."""
        nodes = [self.node(name, code) for name, code in cities]
        tune(*nodes)
        self.found(nodes=nodes)
        pairs = list(zip(nodes, nodes[1:]))
        if len(nodes) > 2:
            pairs.append((nodes[-1], nodes[0]))
        for a, b in pairs:
            self.link(a, b)
        for n in nodes:
            n.start()
        return nodes

    def link(self, a, b, share_ab=None, share_ba=None):
        a.peer_add(b, share_ab)
        b.peer_add(a, share_ba)

    def close(self, keep=False):
        for n in self.nodes:
            if n.proc and n.proc.poll() is None:
                n.proc.send_signal(signal.SIGTERM)
                try:
                    n.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    n.proc.kill()
                    n.proc.wait()
        # A sanitizer build reports memory errors and leaks in the daemons' logs.
        reports = [n.name for n in self.nodes
                   if "AddressSanitizer" in n.log() or "runtime error:" in n.log()
                   or "LeakSanitizer" in n.log()]
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)
        if reports:
            raise AssertionError("sanitizer reports in the logs of: %s" % ", ".join(reports))

    def dump_logs(self):
        for n in self.nodes:
            print("---- %s log ----\n%s" % (n.name, n.log()[-4000:]))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type:
            self.dump_logs()
        elif any("Sanitizer" in n.log() or "runtime error:" in n.log() for n in self.nodes):
            self.dump_logs()
        # YRDX_KEEP=1 keeps a failed test's nodes (stores, configs, logs) for a post-mortem.
        keep = bool(exc_type) and os.environ.get("YRDX_KEEP") == "1"
        if keep:
            print("kept for inspection: %s" % self.root, flush=True)
        self.close(keep=keep)
        return False


def tips_report(nodes):
    """Each node's tip of each origin, by origin name, for failure messages."""
    parts = []
    for n in nodes:
        try:
            tips = {o.get("name") or o["origin"]: o["seq"] for o in n.digest()["origins"]}
        except Exception as e:  # a node that is down still gets a line
            tips = "unreadable (%s)" % e
        parts.append("%s: %s" % (n.name, tips))
    return "; ".join(parts)


def wait_converged(nodes, timeout, what):
    """Waits until every node has the same digest; on timeout the message gives every
    node's tips."""
    try:
        return wait_until(lambda: same_digest(*nodes), timeout, what, interval=0.1)
    except AssertionError as e:
        raise AssertionError("%s; tips %s" % (e, tips_report(nodes))) from None


def wait_tip(nodes, origin, timeout, what):
    """Waits until every node in nodes holds origin's log up to origin's tip as it is now;
    on timeout says which node lagged, where it stood, and its pull connections' state."""
    target = origin.tip(origin.pubkey)
    lagging = []

    def caught_up():
        lagging[:] = [(n, n.tip(origin.pubkey)) for n in nodes]
        lagging[:] = [(n, t) for n, t in lagging if t < target]
        return not lagging
    try:
        wait_until(caught_up, timeout, what, interval=0.1)
    except AssertionError:
        parts = []
        for n, t in lagging:
            try:
                peers = ", ".join("%s %s" % (p["name"], "connected" if p["connected"] else "down")
                                  for p in n.status()["peers"])
            except Exception as e:
                peers = "unknown (%s)" % e
            parts.append("%s's tip for %s stuck at %d, %s at %d (its peers: %s)"
                         % (n.name, origin.name, t, origin.name, target, peers))
        raise AssertionError("%s: after %.0f s, %s" % (what, timeout, "; ".join(parts))) from None
    return target


def same_digest(*nodes):
    ds = [n.digest()["digest"] for n in nodes]
    return all(d == ds[0] for d in ds) and ds[0]


# -- liveness: new writes must arrive within a bound after a fault -------------------------

# Short sync timings (set by tune()), so that a fault and its recovery fit in a few seconds.
HEARTBEAT_MS = 250
DEAD_AFTER_MS = 3000  # a restart "within dead_after_ms" takes ~0.3 s here
RECONNECT_MIN_MS = 100
RECONNECT_MAX_MS = 1000

# After a fault has ended, a new write at the origin must reach every node within this
# bound. A healthy connection delivers in well under a second; a connection the puller has
# to give up and re-make (a dropped or re-admitted peer) costs at most dead_after_ms +
# reconnect_max_ms (4 s here). 15 s leaves room for a slow, loaded machine and for nothing
# else.
LIVENESS_S = 15

# How many new records check_live() writes at the origin.
NEW_RECORDS = 500


def run_seed(test):
    """This run's seed: YRDX_SEED, else drawn from the clock; printed, so that the run can
    be repeated."""
    seed = int(os.environ.get("YRDX_SEED") or time.time_ns() % 1000000007)
    print("%s: seed %d (YRDX_SEED=%d repeats this run)" % (test, seed, seed), flush=True)
    return seed


def tune(*nodes):
    """Sets the short sync timings above in the nodes' configs (effective at the next start)."""
    for n in nodes:
        n.set_sync(heartbeat_ms=HEARTBEAT_MS, dead_after_ms=DEAD_AFTER_MS,
                   reconnect_min_ms=RECONNECT_MIN_MS, reconnect_max_ms=RECONNECT_MAX_MS)


class Writer:
    """Hands out fresh enterprise numbers from start on, so that every write adds that many
    changes."""

    def __init__(self, start=0):
        self.next = start

    def batch(self, n):
        recs = [enterprise(i) for i in range(self.next, self.next + n)]
        self.next += n
        return recs


def linked_pair(fed, writer, first, b_env=None):
    """Shanghai (A) and hangzhou (B), tuned, linked and running, B holding A's first
    `first` records from writer; returns (a, b). b_env: variables added to B's yrdxd
    environment (Node.env)."""
    a = fed.node("shanghai")
    b = fed.node("hangzhou", 330100)
    b.env = b_env
    tune(a, b)
    fed.link(a, b)
    a.start()
    b.start()
    a.put("enterprise", writer.batch(first))
    wait_tip([b], a, LIVENESS_S, "B's first sync")
    return a, b


def check_live(test, origin, nodes, writer, what):
    """The liveness property: NEW_RECORDS new writes at origin reach every node in nodes
    within LIVENESS_S; then every node has origin's digest and tip, verifies, and holds a
    body for each of origin's records."""
    before = origin.tip(origin.pubkey)
    origin.put("enterprise", writer.batch(NEW_RECORDS))
    target = origin.tip(origin.pubkey)
    test.assertEqual(target, before + NEW_RECORDS,
                     "%s did not write the new records" % origin.name)
    names = ", ".join(n.name for n in nodes)
    t0 = time.monotonic()
    wait_tip(nodes, origin, LIVENESS_S, "%d new records written at %s %s to reach %s"
             % (NEW_RECORDS, origin.name, what, names))
    print("liveness: %d new records at %s %s reached %s in %.2f s (bound %d s)"
          % (NEW_RECORDS, origin.name, what, names, time.monotonic() - t0, LIVENESS_S), flush=True)
    everyone = [origin] + list(nodes)
    wait_converged(everyone, LIVENESS_S, "identical digests %s" % what)
    # Every record the origin holds of its own, of every kind (enterprises, its policy,
    # charter votes…), must be held whole everywhere.
    own = {json.dumps(r, sort_keys=True, ensure_ascii=False) for r in origin.export(origin=origin.pubkey)}
    test.assertGreaterEqual(len(own), NEW_RECORDS, "%s's own records" % origin.name)
    for n in everyone:
        test.assertEqual(n.tip(origin.pubkey), target, "%s's tip for %s" % (n.name, origin.name))
        v = n.verify()
        test.assertTrue(v["ok"], "%s: verify %r" % (n.name, v))
        held = {json.dumps(r, sort_keys=True, ensure_ascii=False)
                for r in n.export(origin=origin.pubkey)}
        missing = sorted(own - held)
        if missing:
            test.fail("%s has %s's tip (%d) and digest, verify passes, yet holds the bodies of "
                      "only %d of its %d records: %d lost, e.g. %s"
                      % (n.name, origin.name, target, len(held & own), len(own), len(missing),
                         [m[:120] for m in missing[:3]]))
        test.assertEqual(len(held), len(own), "%s holds %d of %s's records, %s holds %d"
                         % (n.name, len(held), origin.name, origin.name, len(own)))
