"""The project's docs stand alone: every relative link in README.md and docs/*.md resolves
to a file or directory inside the repository, and every source path docs/architecture.md
names exists (a module renamed or removed shows up here, not in a reader's 404), and every
test docs/SECURITY.md names for a claim exists (a claim whose test was renamed or removed
would otherwise name nothing)."""
import glob
import os
import re
import unittest

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
LINK = re.compile(r"\]\(([^)\s]+)\)")
# `node/daemon/feed.c`, `tools/yrdxctl/`, `proto/*.proto`: code paths in backquotes
PATH = re.compile(r"`((?:node|tools|tests|proto|docs|config|deploy)/[A-Za-z0-9_./*-]*)`")


class DocsTest(unittest.TestCase):
    def docs(self):
        files = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
        self.assertIn(os.path.join(ROOT, "docs", "architecture.md"), files)
        return files

    def test_links_resolve_inside_the_repository(self):
        checked = 0
        for doc in self.docs():
            with open(doc, encoding="utf-8") as f:
                text = f.read()
            for target in LINK.findall(text):
                if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                    continue  # a URL, or an anchor in the same page
                path = os.path.realpath(os.path.join(os.path.dirname(doc), target.split("#")[0]))
                self.assertTrue(path.startswith(ROOT + os.sep),
                                "%s links outside the repository: %s" % (os.path.relpath(doc, ROOT), target))
                self.assertTrue(os.path.exists(path),
                                "%s links to %s, which does not exist" % (os.path.relpath(doc, ROOT), target))
                checked += 1
        self.assertGreaterEqual(checked, 5)

    def test_design_starts_at_the_architecture(self):
        with open(os.path.join(ROOT, "docs", "design.md"), encoding="utf-8") as f:
            head = f.read(600)
        self.assertIn("(architecture.md)", head)

    def test_architecture_names_only_paths_that_exist(self):
        with open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8") as f:
            text = f.read()
        paths = PATH.findall(text)
        self.assertGreater(len(paths), 10)
        for p in paths:
            self.assertTrue(glob.glob(os.path.join(ROOT, p)), "docs/architecture.md names %s" % p)
        # and every source file it names by its name alone (`feed.c`, `store_log.c`)
        names = set(re.findall(r"`([a-z_]+\.[ch])`", text))
        self.assertGreater(len(names), 20)
        sources = {os.path.basename(f) for f in glob.glob(os.path.join(ROOT, "node", "*", "*.[ch]"))}
        self.assertEqual(sorted(names - sources), [], "named in docs/architecture.md, not in node/")

    def test_security_names_only_tests_that_exist(self):
        with open(os.path.join(ROOT, "docs", "SECURITY.md"), encoding="utf-8") as f:
            text = f.read()
        named = set(re.findall(r"`(test_[a-z0-9_]+)`", text))
        self.assertGreater(len(named), 40)
        files, functions = set(), set()
        for path in glob.glob(os.path.join(ROOT, "tests", "**", "test_*.*"), recursive=True):
            if not path.endswith((".py", ".c")):
                continue  # a __pycache__ left by running a test by hand, say
            files.add(os.path.splitext(os.path.basename(path))[0])
            with open(path, encoding="utf-8") as f:
                functions.update(re.findall(r"(?:def|static void) (test_[a-z0-9_]+)\(", f.read()))
        self.assertEqual(sorted(named - files - functions), [],
                         "docs/SECURITY.md names tests that do not exist")


if __name__ == "__main__":
    unittest.main()
