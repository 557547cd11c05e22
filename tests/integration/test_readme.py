"""The README's examples of `list`, `stats`, `export`/`import`, `peer list` and `park list`
run against the federation the quickstart builds, in the README's order, and each printed
what the README says it prints — up to what differs between runs (keys, case ids, times,
temporary paths, column padding). A README whose example no longer matches the program
fails here.

    YRDX_README_UPDATE=1 tests/integration/test_readme.py    writes each example that no
                                                             longer matches into README.md
                                                             as the program printed it"""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import BUILD, free_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

README = os.path.join(ROOT, "README.md")
# The commands whose README examples this test holds to the program.
IN_SCOPE = re.compile(r"^yrdxctl -c demo/\w+/yrdxd\.zpl (--json )?"
                      r"(list|stats|report|export|import|peer list|park list|retract|get)\b")


# Shell steps of those examples, held to what they print too.
SHELL = re.compile(r"^(cat|head|echo) ")


def console_blocks(text):
    """Each ```console block as a list of (command, expected output lines)."""
    blocks = []
    for body in re.findall(r"```console\n(.*?)```", text, re.S):
        steps = []
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
        blocks.append(steps)
    return blocks


# What differs between two runs of the same example: replaced before comparing.
VARYING = [
    (re.compile(r"[A-Za-z0-9+/]{43}="), "KEY"),
    (re.compile(r"(tcp://[\w.*-]+):\d+"), r"\1:PORT"),
    (re.compile(r'("\w*_ms": ?)\d+'), r"\1MS"),
    (re.compile(r"\b[a-z][a-z0-9-]*-J?\d+-[0-9a-f]{16}\b"), "CASE"),
    (re.compile(r"\b\d{4}-\d\d-\d\d( \d\d:\d\d(:\d\d)?)?\b"), "TIME"),
    (re.compile(r"\b[0-9a-f]{16,64}\b"), "HEX"),
    (re.compile(r"\s+"), " "),
]


def normal(line, demo):
    line = line.replace(demo, "demo")
    for pattern, repl in VARYING:
        line = pattern.sub(repl, line)
    return line.strip()


def readme_replace(text, command, old, new):
    """text with the output old of "$ command" in a console block replaced by new."""
    before = "$ %s\n%s" % (command, "".join(l + "\n" for l in old))
    after = "$ %s\n%s" % (command, "".join(l + "\n" for l in new))
    assert before in text, command
    return text.replace(before, after, 1)


def matches(expected, got):
    """expected's lines against got's; a line "..." stands for any lines."""
    i = 0
    for k, want in enumerate(expected):
        if want == "...":
            rest = expected[k + 1:]
            if not rest:
                return True
            while i < len(got) and got[i] != rest[0]:
                i += 1
            continue
        if i >= len(got) or got[i] != want:
            return False
        i += 1
    return i == len(got)


class ReadmeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        base = os.environ.get("YRDX_TEST_TMP") or tempfile.gettempdir()
        os.makedirs(base, exist_ok=True)
        cls.root = tempfile.mkdtemp(prefix="readme-", dir=base)
        cls.demo = os.path.join(cls.root, "demo")
        cls.work = os.path.join(cls.root, "work")
        os.makedirs(cls.work)
        os.symlink(cls.demo, os.path.join(cls.work, "demo"))
        os.symlink(os.path.join(ROOT, "tests"), os.path.join(cls.work, "tests"))
        env = dict(os.environ, YRDX_DEMO=cls.demo, YRDX_BUILD_DIR=os.path.abspath(BUILD),
                   YRDX_PORT_BASE=str(free_port()))
        # Into a file, not a pipe: the nodes it leaves running hold its stdout open.
        cls.log = os.path.join(cls.root, "quickstart.log")
        with open(cls.log, "w") as out:
            cls.quickstart_rc = subprocess.run(
                [os.path.join(ROOT, "deploy", "quickstart.sh"), "--keep"], cwd=ROOT, env=env,
                stdout=out, stderr=subprocess.STDOUT, timeout=300).returncode
        build = os.path.abspath(BUILD)
        cls.env = dict(os.environ, PATH="%s:%s:%s" % (os.path.join(build, "tools"),
                                                       os.path.join(build, "node", "daemon"),
                                                       os.environ["PATH"]))

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["pkill", "-f", cls.demo + "/"], check=False)
        shutil.rmtree(cls.root, ignore_errors=True)

    def run_step(self, command, expected, last_rc):
        """Runs one README command in the work directory; `cat FILE` of a file the
        README shows creates it; `echo $?` is the previous exit code."""
        if command == "echo $?":
            return str(last_rc) + "\n", last_rc
        m = re.match(r"^cat (\S+)$", command)
        if m and not os.path.exists(os.path.join(self.work, m.group(1))):
            with open(os.path.join(self.work, m.group(1)), "w", encoding="utf-8") as f:
                f.write("\n".join(expected) + "\n")
        r = subprocess.run(command, shell=True, cwd=self.work, env=self.env,
                           capture_output=True, text=True, timeout=120)
        # as a terminal shows it for these commands: what went wrong, then the summary
        return r.stderr + r.stdout, r.returncode

    def test_examples_print_what_the_readme_shows(self):
        with open(self.log, encoding="utf-8") as f:
            self.assertEqual(self.quickstart_rc, 0, f.read()[-4000:])
        with open(README, encoding="utf-8") as f:
            text = f.read()
        blocks = console_blocks(text)
        update = os.environ.get("YRDX_README_UPDATE") == "1"
        ran, failures = 0, []
        for steps in blocks:
            if not any(IN_SCOPE.match(c) for c, _ in steps):
                continue
            last_rc = 0
            for command, expected in steps:
                out, last_rc = self.run_step(command, expected, last_rc)
                # the rest of the block runs (it makes the state), but is another test's;
                # a command whose comment sets another scene ("# hefei stopped") too
                if not (IN_SCOPE.match(command) or SHELL.match(command)) or "#" in command:
                    continue
                ran += 1
                got = [normal(l, self.demo) for l in out.splitlines()]
                want = [normal(l, self.demo) for l in expected]
                if not matches(want, got) and update:
                    text = readme_replace(text, command, expected,
                                          out.replace(self.demo, "demo").splitlines())
                    continue
                if not matches(want, got):
                    failures.append("$ %s\n-- README:\n%s\n-- printed:\n%s" % (
                        command, "\n".join(expected), out.replace(self.demo, "demo")))
        if update:
            with open(README, "w", encoding="utf-8") as f:
                f.write(text)
        self.assertGreaterEqual(ran, 10, "the README's examples were not found")
        self.assertEqual(failures, [], "\n\n".join(failures))


if __name__ == "__main__":
    unittest.main()
