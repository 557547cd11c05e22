"""What an operator installs (docs/operations.md, "Installing"): `cmake --install` into a
temporary prefix, then the INSTALLED programs, laid out as the guide says (the node's
directory under var/lib/yrdx, its config linked from etc/yrdx), run a node that answers
status and syncs with a second one; the installed yrdxd runs under the unit's own system
call filter, address families, W^X rule and empty capability set (read from the installed
yrdxd@.service and applied with seccomp, as systemd would); the man pages are there and
render without a warning; yrdx.conf(5) names every key `yrdxd --check` prints, with its
default, and yrdxctl(8) every command `yrdxctl --help` lists; `systemd-analyze verify`
passes on the installed unit."""
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest
import urllib.request

from harness import BUILD, SANITIZE, free_port, wait_until

UTF8 = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")


def run(*cmd, check=True, **kw):
    r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=120, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s failed (%d): %s%s" % (" ".join(cmd), r.returncode, r.stdout,
                                                       r.stderr))
    return r


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def man_text(path):
    """path rendered by man(1) at 80 columns; asserts man printed no warning."""
    r = run("man", "--warnings", "-l", path, env=UTF8)
    if r.stderr.strip():
        raise AssertionError("%s: man --warnings printed:\n%s" % (path, r.stderr))
    return r.stdout


def unit_settings(path):
    """The [Service] settings of a unit file: name -> list of values, in order."""
    out = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for line in lines:
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            k, _, v = line.partition("=")
            out.setdefault(k.strip(), []).append(v.strip())
    return out


def syscall_set(group, seen=None):
    """The system calls of a systemd syscall group (or one call), expanded, as this
    systemd's `systemd-analyze syscall-filter` lists them."""
    if not group.startswith("@"):
        return {group}
    seen = seen if seen is not None else set()
    if group in seen:
        return set()
    seen.add(group)
    out = set()
    for line in run("systemd-analyze", "syscall-filter", group).stdout.splitlines()[1:]:
        word = line.strip()
        if word and not word.startswith("#"):
            out |= syscall_set(word, seen)
    return out


class ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64),
                ("b", ctypes.c_uint64)]


class Sandbox:
    """The unit's seccomp-expressible settings, applied to a child before it executes:
    SystemCallFilter (allow list, then ~ deny lists; SystemCallErrorNumber),
    RestrictAddressFamilies, MemoryDenyWriteExecute, NoNewPrivileges and an empty
    CapabilityBoundingSet. Filters are built here and loaded in the child."""
    ALLOW, EQ, GE, MASKED_EQ = 0x7FFF0000, 4, 5, 7
    AF = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16}

    @staticmethod
    def errno_action(e):
        return 0x00050000 | (e & 0xFFFF)

    def __init__(self, unit):
        s = unit_settings(unit)
        self.lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
        self.lib.seccomp_init.restype = ctypes.c_void_p
        self.lib.seccomp_init.argtypes = [ctypes.c_uint32]
        self.lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                                    ctypes.c_uint, ctypes.POINTER(ArgCmp)]
        self.lib.seccomp_load.argtypes = [ctypes.c_void_p]
        self.lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        self.libc = ctypes.CDLL(None, use_errno=True)
        assert s.get("NoNewPrivileges") == ["yes"], "the unit sets NoNewPrivileges=yes"
        assert s.get("MemoryDenyWriteExecute") == ["yes"]
        assert s.get("CapabilityBoundingSet") == [""], "the unit's capability set is empty"
        errno_name = s.get("SystemCallErrorNumber", ["EPERM"])[-1]
        import errno
        deny = self.errno_action(getattr(errno, errno_name))
        allowed = set()
        for i, v in enumerate(s["SystemCallFilter"]):
            if v.startswith("~"):
                for g in v[1:].split():
                    allowed -= syscall_set(g)
            else:
                assert i == 0, "an allow list comes first"
                for g in v.split():
                    allowed |= syscall_set(g)
        self.allowed = allowed
        self.families = [self.AF[f] for f in s["RestrictAddressFamilies"][-1].split()]
        # The allow list last: the earlier loads need seccomp(2), which it may not allow.
        self.filters = [self._families(), self._wx(), self._calls(deny, allowed)]

    def _rule(self, ctx, action, name, *cmps):
        nr = self.lib.seccomp_syscall_resolve_name(name.encode())
        if nr < 0:
            return  # not a call of this architecture
        arr = (ArgCmp * max(1, len(cmps)))(*[ArgCmp(*c) for c in cmps])
        rc = self.lib.seccomp_rule_add_array(ctx, action, nr, len(cmps), arr)
        assert rc == 0, "seccomp rule for %s: %d" % (name, rc)

    def _calls(self, deny, allowed):
        ctx = self.lib.seccomp_init(deny)
        for name in sorted(allowed):
            self._rule(ctx, self.ALLOW, name)
        return ctx

    def _families(self):
        ctx = self.lib.seccomp_init(self.ALLOW)
        refuse = self.errno_action(97)  # EAFNOSUPPORT, as systemd answers
        for af in range(0, 64):
            if af not in self.families:
                self._rule(ctx, refuse, "socket", (0, self.EQ, af, 0))
        self._rule(ctx, refuse, "socket", (0, self.GE, 64, 0))
        return ctx

    def _wx(self):
        ctx = self.lib.seccomp_init(self.ALLOW)
        eperm = self.errno_action(1)
        write, exe = 0x2, 0x4
        self._rule(ctx, eperm, "mmap", (2, self.MASKED_EQ, write | exe, write | exe))
        self._rule(ctx, eperm, "mprotect", (2, self.MASKED_EQ, exe, exe))
        self._rule(ctx, eperm, "pkey_mprotect", (2, self.MASKED_EQ, exe, exe))
        self._rule(ctx, eperm, "shmat", (2, self.MASKED_EQ, 0o100000, 0o100000))
        return ctx

    def enter(self):
        """In the child: capabilities dropped (bounding set, then every set), then the
        filters; seccomp_load sets no_new_privs."""
        if os.geteuid() == 0:
            with open("/proc/sys/kernel/cap_last_cap") as f:
                last = int(f.read())
            for cap in range(last + 1):
                if self.libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                    os._exit(120)
            header = (ctypes.c_uint32 * 2)(0x20080522, 0)
            data = (ctypes.c_uint32 * 6)()
            if self.libc.capset(header, data) != 0:
                os._exit(121)
        for ctx in self.filters:
            if self.lib.seccomp_load(ctx) != 0:
                os._exit(122)


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        base = os.environ.get("YRDX_TEST_TMP") or tempfile.gettempdir()
        os.makedirs(base, exist_ok=True)
        cls.root = tempfile.mkdtemp(prefix="install-", dir=base)
        cls.prefix = os.path.join(cls.root, "prefix")
        r = run("cmake", "--install", BUILD, "--prefix", cls.prefix)
        print(r.stdout.strip().splitlines()[-1], flush=True)
        cls.bin = os.path.join(cls.prefix, "bin")
        cls.man = os.path.join(cls.prefix, "share/man")
        cls.unit = os.path.join(cls.prefix, "lib/systemd/system/yrdxd@.service")
        cls.procs = []

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=20)
        shutil.rmtree(cls.root, ignore_errors=True)

    def ctl(self, config, *args, check=True):
        return run(os.path.join(self.bin, "yrdxctl"), "-c", config, *args, check=check)

    def installed_node(self, name, city):
        """A node as the guide installs one: `yrdxctl init` in var/lib/yrdx/NAME, its
        paths written in full, etc/yrdx/NAME.zpl a link to its config."""
        state = os.path.join(self.root, "var/lib/yrdx", name)
        etc = os.path.join(self.root, "etc/yrdx")
        os.makedirs(os.path.dirname(state), exist_ok=True)
        os.makedirs(etc, exist_ok=True)
        peer, feed, metrics = free_port(), free_port(), free_port()
        out = json.loads(run(os.path.join(self.bin, "yrdxctl"), "--json", "init", "--dir", state,
                             "--name", name, "--city", str(city), "--peer-port", str(peer),
                             "--feed-port", str(feed)).stdout)
        cfg = os.path.join(state, "yrdxd.zpl")
        self.assertEqual(out["config"], cfg)
        self.assertEqual(os.stat(os.path.join(state, "node.key")).st_mode & 0o777, 0o600)
        # The guide's one sed line: paths in full, and metrics on localhost.
        run("sed", "-i", "-e", r"s|^\(    data_dir = \)data$|\1%s/data|" % state,
            "-e", r"s|^\(    key_file = \)node.key$|\1%s/node.key|" % state,
            "-e", r"s|^\(    control = \)control.sock$|\1%s/control.sock|" % state,
            "-e", r's|^\(    metrics = \)""$|\1127.0.0.1:%d|' % metrics, cfg)
        link = os.path.join(etc, name + ".zpl")
        os.symlink(cfg, link)
        check = run(os.path.join(self.bin, "yrdxd"), "--check", "-c", link).stdout
        for key, value in (("data_dir", state + "/data"), ("key_file", state + "/node.key"),
                           ("control", state + "/control.sock"),
                           ("metrics", "127.0.0.1:%d" % metrics)):
            self.assertIn("    %s = %s\n" % (key, value), check)
        return {"name": name, "config": link, "key": out["public_key"], "metrics": metrics,
                "endpoint": "tcp://127.0.0.1:%d" % peer, "log": os.path.join(self.root, name + ".log")}

    def start(self, node, sandbox=None):
        env = dict(os.environ)
        if sandbox and SANITIZE:
            # LeakSanitizer stops the threads with ptrace(2), which no service's filter
            # allows; the sanitizer build checks leaks in every other test.
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        log = open(node["log"], "a")
        p = subprocess.Popen([os.path.join(self.bin, "yrdxd"), "-c", node["config"]], stdout=log,
                             stderr=log, env=env, preexec_fn=sandbox.enter if sandbox else None)
        log.close()
        self.procs.append(p)
        wait_until(lambda: p.poll() is not None or
                   self.ctl(node["config"], "status", check=False).returncode == 0,
                   10, "the installed yrdxd of %s to answer status" % node["name"])
        self.assertIsNone(p.poll(), "%s exited %s: %s" % (node["name"], p.returncode,
                                                          read(node["log"])))
        return p

    def test_installed_node_runs_sandboxed(self):
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is absent: the unit's syscall groups cannot be read")
        sandbox = Sandbox(self.unit)
        print("sandbox: %d system calls allowed, address families %s" %
              (len(sandbox.allowed), sandbox.families), flush=True)
        sh = self.installed_node("shanghai", 310000)
        hz = self.installed_node("hangzhou", 330100)
        p = self.start(sh, sandbox)
        self.start(hz)
        st = self.ctl(sh["config"], "status").stdout
        self.assertIn("node 上海 shanghai (310000) key %s" % sh["key"], st)
        self.assertIn("store: 0 changes from 0 origins", st)
        # A peer added through the link: the link stays, its target is rewritten, and the
        # sandboxed node picks it up by itself and syncs with it over TCP.
        self.ctl(sh["config"], "peer", "add", "hangzhou", hz["endpoint"], hz["key"])
        self.assertTrue(os.path.islink(sh["config"]))
        self.assertIn("hangzhou", read(os.path.realpath(sh["config"])))
        rec = os.path.join(self.root, "e.json")
        with open(rec, "w", encoding="utf-8") as f:
            json.dump({"credit_code": "91310115MA1K3YJ12G", "name": "上海张江示例芯片科技有限公司",
                       "city": 310000, "stage": "growth", "industries": ["integrated_circuits"],
                       "qualifications": ["tech_sme"]}, f, ensure_ascii=False)
        self.ctl(hz["config"], "peer", "add", "shanghai", sh["endpoint"], sh["key"])
        put = self.ctl(sh["config"], "put", "enterprise", rec).stdout
        self.assertEqual(put.strip(), "put 1 record; log head at seq 1")
        digest = lambda n: json.loads(self.ctl(n["config"], "--json", "digest").stdout)
        wait_until(lambda: digest(hz)["digest"] == digest(sh)["digest"], 20,
                   "hangzhou to hold shanghai's record")
        d = digest(sh)
        self.assertEqual([(o["origin"], o["seq"]) for o in d["origins"]], [(sh["key"], 1)])
        got = json.loads(self.ctl(hz["config"], "--json", "get", "enterprise", "91310115MA1K3YJ12G").stdout)
        self.assertEqual(got["record"]["name"], "上海张江示例芯片科技有限公司")
        peers = lambda: [(x["name"], x["connected"]) for x in
                         json.loads(self.ctl(sh["config"], "--json", "status").stdout)["peers"]]
        wait_until(lambda: peers() == [("hangzhou", True)], 20,
                   "shanghai's pull connection to hangzhou (status: %s)" % peers())
        # Metrics and the status page over HTTP, from inside the sandbox.
        url = "http://127.0.0.1:%d" % sh["metrics"]
        metrics = urllib.request.urlopen(url + "/metrics", timeout=10).read().decode()
        self.assertRegex(metrics, r"(?m)^yrdx_local_changes_total 1$")
        self.assertIn("shanghai", urllib.request.urlopen(url + "/", timeout=10).read().decode())
        self.ctl(sh["config"], "verify")
        log = read(sh["log"])
        self.assertNotRegex(log, r"<[34]>(error|warn): (?!no charter installed)",
                            "the sandboxed node logged a warning or error:\n" + log)
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=20), 0, log)
        self.assertIn("<6>info: stopped", read(sh["log"]))

    def test_man_pages(self):
        pages = {"yrdx-feed.1": "man1", "yrdx.conf.5": "man5", "yrdxd.8": "man8",
                 "yrdxctl.8": "man8"}
        text = {}
        for page, sect in pages.items():
            path = os.path.join(self.man, sect, page)
            self.assertTrue(os.path.isfile(path), path)
            text[page] = man_text(path)
            self.assertGreater(len(text[page].splitlines()), 40, page)
        # yrdxctl(8): every command yrdxctl --help lists has an entry (a tag line).
        helptext = run(os.path.join(self.bin, "yrdxctl"), "--help").stdout
        commands = re.findall(r"(?m)^  ([a-z]+)\s{2,}", helptext.split("commands:")[1])
        self.assertGreater(len(commands), 15, helptext)
        missing = [c for c in commands
                   if not re.search(r"(?m)^ {7}%s\b" % c, text["yrdxctl.8"])]
        self.assertEqual(missing, [], "commands of yrdxctl --help without an entry in yrdxctl.8")
        # yrdx.conf(5): every key yrdxd --check prints, in its section, with its default.
        keys = []
        for k in ("peer.key", "park.key"):
            keys.append(run(os.path.join(self.bin, "yrdxctl"), "keygen",
                            os.path.join(self.root, k)).stdout.strip())
        cfg = os.path.join(self.root, "minimal.zpl")
        with open(cfg, "w") as f:
            f.write("node\n    name = suzhou\n    city = 320500\nlisten\n    peer = tcp://127.0.0.1:1\n"
                    "peers\n    wuxi\n        endpoint = tcp://127.0.0.1:2\n"
                    "        public_key = \"%s\"\nparks\n    sip\n        park_id = SZ-PARK-SIP\n"
                    "        public_key = \"%s\"\n" % tuple(keys))
        check = run(os.path.join(self.bin, "yrdxd"), "--check", "-c", cfg).stdout
        sections = re.split(r"(?m)^ {3}(\w+)\n", text["yrdx.conf.5"])
        by_name = dict(zip(sections[1::2], sections[2::2]))
        section, keys, required = None, [], {"name", "city", "peer", "endpoint", "public_key",
                                             "park_id"}
        for line in check.splitlines():
            m = re.match(r"^(\S+)$", line)
            if m and not line.startswith("#"):
                section = m.group(1)
                continue
            m = re.match(r"^(?: {4}| {8})(\w+) = (.*?)(?:\s+#.*)?$", line)
            if m:
                keys.append((section, m.group(1), m.group(2)))
        self.assertGreater(len(keys), 25, check)
        problems = []
        for section, key, value in keys:
            body = by_name.get(section)
            if body is None:
                problems.append("no section %s" % section)
                continue
            m = re.search(r"(?ms)^ {7}%s\b(.*?)(?=^ {7}\S|\Z)" % key, body)
            if not m:
                problems.append("%s/%s has no entry" % (section, key))
            elif key not in required and not value.startswith("/"):
                shown = '""' if value == '""' else value
                para = " ".join(m.group(1).split())
                if "Default %s" % shown not in para and "Default all (%s)" % shown not in para:
                    problems.append("%s/%s: its default %s is not given" % (section, key, shown))
        self.assertEqual(problems, [], "yrdx.conf.5 against yrdxd --check")

    def test_unit_verifies(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze is absent: cannot verify the installed unit")
        text = read(self.unit)
        self.assertIn("ExecStart=%s/yrdxd -c /etc/yrdx/%%i.zpl\n" % self.bin, text)
        for path in ("lib/sysusers.d/yrdx.conf", "lib/tmpfiles.d/yrdx.conf",
                     "share/doc/yrdx/operations.md", "share/doc/yrdx/examples/shanghai.zpl",
                     "share/doc/yrdx/examples/yrd-cities.tsv"):
            self.assertTrue(os.path.isfile(os.path.join(self.prefix, path)), path)
        # An instance, as systemctl would load it; the man pages its Documentation= names
        # must be found, from the installed prefix.
        inst = os.path.join(self.root, "yrdxd@shanghai.service")
        shutil.copy(self.unit, inst)
        env = dict(UTF8, MANPATH=self.man)
        for u in (self.unit, inst):
            r = run(analyze, "verify", u, check=False, env=env)
            self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""), u)
        r = run(analyze, "security", "--offline=true", inst, check=False, env=env)
        m = re.search(r"Overall exposure level for \S+: ([\d.]+)", r.stdout)
        self.assertIsNotNone(m, r.stdout + r.stderr)
        print("systemd-analyze security: exposure %s" % m.group(1), flush=True)
        self.assertLessEqual(float(m.group(1)), 2.0, r.stdout)


if __name__ == "__main__":
    unittest.main()
