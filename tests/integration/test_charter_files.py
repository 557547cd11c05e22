"""The charter (联盟章程) founded offline, as three cities' administrators would: each
sends its `charter member` line, one drafts version 1, the file goes round and each
signs it, each installs it. Asserted from what each store then holds (`charter show`
from the store equals the file's text, `verify`), and the refusals: a file one signature
short names the member missing, a flipped byte in a signature names its member, and a
non-member's valid signature added to a complete file makes the file refused (a file
carries no signature that does not count), naming the key — at install and at init.
Version 2, drafted by editing version 1's bytes and signed offline by two of three,
upgrades a node, after which version 1 alone is refused as older; another federation's
charter is refused; a running node takes no file."""
import base64
import hashlib
import json
import os
import re
import stat
import subprocess
import unittest

from harness import YRDXCTL, Federation

FEDERATION = "长三角协同孵化网络"


# -- the charter file's protobuf, as far as the test edits it (proto/charter.proto) ------

def _varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def _enc_varint(v):
    out = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        out.append(c | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _wire(b):
    """(field number, wire type, value) of each field of message b: an int for a varint,
    bytes for a length-delimited field (the only two kinds charter.proto uses)."""
    i, out = 0, []
    while i < len(b):
        tag, i = _varint(b, i)
        if tag & 7 == 0:
            v, i = _varint(b, i)
        else:
            assert tag & 7 == 2, "unexpected wire type %d" % (tag & 7)
            n, i = _varint(b, i)
            v, i = b[i:i + n], i + n
        out.append((tag >> 3, tag & 7, v))
    return out


def _unwire(fields):
    return b"".join(_enc_varint(num << 3 | wt) + (_enc_varint(v) if wt == 0 else
                                                  _enc_varint(len(v)) + v)
                    for num, wt, v in fields)


def _fields(b):
    """(field number, bytes) of each length-delimited field of message b."""
    return [(num, v) for num, wt, v in _wire(b) if wt == 2]


def _field(num, payload):
    return _enc_varint(num << 3 | 2) + _enc_varint(len(payload)) + payload


def file_parse(data):
    """A CharterFile as [(charter bytes, [(key, signature), ...]), ...]."""
    versions = []
    for num, sc in _fields(data):
        assert num == 1
        charter, sigs = None, []
        for f, v in _fields(sc):
            if f == 1:
                charter = v
            else:
                s = dict(_fields(v))
                sigs.append((s[1], s[2]))
        versions.append((charter, sigs))
    return versions


def file_build(versions):
    out = b""
    for charter, sigs in versions:
        sc = _field(1, charter)
        for key, sig in sigs:
            sc += _field(2, _field(1, key) + _field(2, sig))
        out += _field(1, sc)
    return out


# -- Ed25519 (RFC 8032, section 6), for a non-member's valid signature --------------------

_P = 2 ** 255 - 19
_Q = 2 ** 252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P


def _add(a, b):
    A = (a[1] - a[0]) * (b[1] - b[0]) % _P
    B = (a[1] + a[0]) * (b[1] + b[0]) % _P
    C = 2 * a[3] * b[3] * _D % _P
    D = 2 * a[2] * b[2] % _P
    E, F, G, H = B - A, D - C, D + C, B + A
    return (E * F % _P, G * H % _P, F * G % _P, E * H % _P)


def _mul(s, pt):
    q = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, pt)
        pt = _add(pt, pt)
        s >>= 1
    return q


def _base():
    y = 4 * pow(5, _P - 2, _P) % _P
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * pow(2, (_P - 1) // 4, _P) % _P
    if x & 1:
        x = _P - x
    return (x, y, 1, x * y % _P)


def _compress(pt):
    zi = pow(pt[2], _P - 2, _P)
    x, y = pt[0] * zi % _P, pt[1] * zi % _P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def ed25519_sign(seed, msg):
    """(public key, signature) of msg by the key of the 32-byte seed."""
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little") & ((1 << 254) - 8) | (1 << 254)
    g = _base()
    pub = _compress(_mul(a, g))
    r = int.from_bytes(hashlib.sha512(h[32:] + msg).digest(), "little") % _Q
    rs = _compress(_mul(r, g))
    k = int.from_bytes(hashlib.sha512(rs + pub + msg).digest(), "little") % _Q
    return pub, rs + ((r + k * a) % _Q).to_bytes(32, "little")


def charter_sign(seed, charter):
    """A member's signature of a charter version, as node/lib/charter.h defines it."""
    return ed25519_sign(seed, b"yrdx-charter-sig-v1" + charter_hash(charter))


def key_seed(node):
    with open(os.path.join(node.dir, "node.key")) as f:
        for line in f:
            if line.startswith("secret:"):
                return base64.b64decode(line.split()[1])
    raise AssertionError("no secret in %s's key file" % node.name)


def charter_hash(charter):
    return hashlib.blake2b(b"yrdx-charter-v1" + charter, digest_size=32).digest()


def amendment(v1, summary):
    """Version 2 after v1 with the same members, threshold and federation: the Charter
    message's version (2), prev_hash (3) and summary (7) replaced."""
    kept = [f for f in _wire(v1) if f[0] not in (2, 3, 7)]
    return _unwire(kept + [(2, 0, 2), (3, 2, charter_hash(v1)), (7, 2, summary.encode())])


def ctl(*args):
    return subprocess.run([YRDXCTL] + list(args), capture_output=True, text=True, timeout=60)


class CharterFilesTest(unittest.TestCase):
    def refused(self, r, *needles):
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)

    def no_charter(self, node):
        r = node.ctl("charter", "show", check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("no charter installed", r.stderr)

    def test_found_sign_install(self):
        with Federation("charter-files") as fed:
            sh = fed.node("shanghai", 310000)
            hz = fed.node("hangzhou", 330100)
            hf = fed.node("hefei", 340100)
            nodes = [sh, hz, hf]
            root = fed.root

            # Each city's member line: its name, city, key and peer endpoint.
            members = os.path.join(root, "members.txt")
            lines = [n.ctl("charter", "member").stdout.strip() for n in nodes]
            for n, line, city in zip(nodes, lines, (310000, 330100, 340100)):
                self.assertEqual(line.split(), [n.name, str(city), n.pubkey, n.endpoint])
                j = n.ctl_json("charter", "member")
                self.assertEqual(j["key"], n.pubkey)  # in full
            with open(members, "w") as f:
                f.write("# the founders of %s\n\n" % FEDERATION)
                f.write("\n".join(lines) + "\n")

            path = os.path.join(root, "charter.yx")
            r = ctl("charter", "draft", "--federation", FEDERATION, "--threshold", "2",
                    "-o", path, members)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("联盟章程 federation charter: %s, version 1" % FEDERATION, r.stdout)
            self.assertIn("missing: shanghai 上海, hangzhou 杭州, hefei 合肥", r.stdout)
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            draft = open(path, "rb").read()
            # never over a file without --force
            r = ctl("charter", "draft", "--federation", "x", "--threshold", "2", "-o", path,
                    members)
            self.refused(r, "already exists")
            self.assertEqual(open(path, "rb").read(), draft)

            # A draft is installed nowhere.
            self.refused(sh.ctl("charter", "install", path, check=False),
                         "has 0 valid signatures", "missing: shanghai, hangzhou, hefei")
            self.no_charter(sh)

            # The file goes round.
            copies = {}
            for n in nodes:
                r = n.ctl("charter", "sign", path)
                self.assertIn("as %s" % n.name, r.stdout)
                copies[n.name] = open(path, "rb").read()
            shown = ctl("charter", "show", path)
            self.assertEqual(shown.returncode, 0, shown.stderr)
            self.assertIn("签署 signatures (3):", shown.stdout)
            for n in nodes:
                self.assertRegex(shown.stdout, r"\n  %s +%s\n" % (n.name, re.escape(n.pubkey)))
            self.assertIn("version 1: signed by 3 of its 3 members (every one must sign): "
                          "complete", shown.stdout)
            j = json.loads(ctl("--json", "charter", "show", path).stdout)
            v1 = j["versions"][0]
            self.assertEqual(v1["signed"], ["shanghai", "hangzhou", "hefei"])
            self.assertEqual(v1["missing"], [])
            self.assertEqual(sorted(s["key"] for s in v1["signatures"]),
                             sorted(n.pubkey for n in nodes))
            self.assertTrue(all(s["valid"] and s["counted"] for s in v1["signatures"]))
            self.assertEqual([m["origin"] for m in v1["members"]], [n.pubkey for n in nodes])

            # One signature short: refused, naming the member missing.
            short = os.path.join(root, "short.yx")
            with open(short, "wb") as f:
                f.write(copies["hangzhou"])
            self.refused(hf.ctl("charter", "install", short, check=False),
                         "has 2 valid signatures of members of version 1, needs 3; "
                         "missing: hefei")
            self.no_charter(hf)

            # A flipped byte in hangzhou's signature: refused, naming hangzhou.
            versions = file_parse(open(path, "rb").read())
            charter, sigs = versions[0]
            self.assertEqual(len(sigs), 3)
            flipped = []
            for key, sig in sigs:
                if base64.b64encode(key).decode() == hz.pubkey:
                    sig = sig[:20] + bytes([sig[20] ^ 0x10]) + sig[21:]
                flipped.append((key, sig))
            bad = os.path.join(root, "flipped.yx")
            with open(bad, "wb") as f:
                f.write(file_build([(charter, flipped)]))
            self.refused(sh.ctl("charter", "install", bad, check=False),
                         "the signature of hangzhou does not verify")
            show = ctl("charter", "show", bad)  # a draft to show: hangzhou's is bad
            self.assertIn("bad:     hangzhou 杭州", show.stdout)
            self.no_charter(sh)

            # A non-member's valid signature added to the complete file: refused, naming
            # the key (a charter file carries only signatures that count).
            stranger = fed.node("stranger", 320500)
            key, sig = charter_sign(key_seed(stranger), charter)
            self.assertEqual(base64.b64encode(key).decode(), stranger.pubkey)
            extra = os.path.join(root, "extra.yx")
            with open(extra, "wb") as f:
                f.write(file_build([(charter, sigs + [(key, sig)])]))
            self.assertEqual(file_parse(open(extra, "rb").read())[0][1][:3], sigs)
            self.refused(hz.ctl("charter", "install", extra, check=False),
                         "a signature by %s, who is no active member of version 1"
                         % stranger.pubkey)
            self.no_charter(hz)
            r = ctl("init", "--dir", os.path.join(root, "late"), "--name", "late", "--city",
                    "320500", "--charter", extra)
            self.refused(r, "who is no active member")
            self.assertFalse(os.path.exists(os.path.join(root, "late")))
            # and the stranger's `charter sign` is refused, saying who is missing
            r = stranger.ctl("charter", "sign", short, check=False)
            self.refused(r, "this node's key is no member of version 1")
            self.assertIn("missing: hefei 合肥", r.stderr)

            # The complete file, installed at each: the store holds what the file says.
            want_text = ctl("charter", "show", path).stdout
            want_json = json.loads(ctl("--json", "charter", "show", path).stdout)
            for n in nodes:
                r = n.ctl("charter", "install", path)
                self.assertIn("this node is member %s" % n.name, r.stdout)
                self.assertEqual(n.ctl("charter", "show").stdout, want_text)
                self.assertEqual(n.ctl_json("charter", "show"), want_json)
                self.assertTrue(n.verify()["ok"])
                # again: nothing changes
                r = n.ctl("charter", "install", path)
                self.assertIn("holds already", r.stdout)
            # Another federation's charter is refused where one is held.
            other = os.path.join(root, "other.yx")
            ctl("charter", "draft", "--federation", "另一个联盟", "--threshold", "2", "-o",
                other, members)
            for n in nodes:
                n.ctl("charter", "sign", other)
            self.refused(sh.ctl("charter", "install", other, check=False),
                         "the charter of another federation")
            self.assertEqual(sh.ctl("charter", "show").stdout, want_text)

            # Version 2, signed offline by two of the three (the threshold of version 1):
            # installed at shanghai, after which version 1 alone is older than held.
            v2 = amendment(charter, "an amendment signed offline")
            chain2 = os.path.join(root, "chain2.yx")
            with open(chain2, "wb") as f:
                f.write(file_build([(charter, sigs), (v2, [])]))
            self.refused(sh.ctl("charter", "install", chain2, check=False),
                         "charter version 2 has 0 valid signatures of members of version 1, "
                         "needs 2; missing: shanghai, hangzhou, hefei")
            r = sh.ctl("charter", "sign", chain2)
            self.assertIn("version 2: signed by 1 of the 3 active members of version 1 "
                          "(threshold 2)", r.stdout)
            r = hf.ctl("charter", "sign", chain2)
            self.assertIn("(threshold 2): adopted", r.stdout)
            self.assertIn("missing: hangzhou 杭州", r.stdout)
            self.assertEqual(len(file_parse(open(chain2, "rb").read())[1][1]), 2)
            r = sh.ctl("charter", "install", chain2)
            self.assertIn("version 2", r.stdout)
            self.assertEqual(sh.ctl_json("charter", "show")["version"], 2)
            self.assertEqual(sh.ctl("charter", "show").stdout,
                             ctl("charter", "show", chain2).stdout)
            self.refused(sh.ctl("charter", "install", path, check=False),
                         "it is older than the charter this node holds: it ends at version 1, "
                         "this node has adopted version 2")
            self.assertEqual(sh.ctl_json("charter", "show")["version"], 2)
            want_text = ctl("charter", "show", chain2).stdout

            # Exported for a city that joins, byte for byte what was installed; a new node
            # takes it at init.
            exported = os.path.join(root, "exported.yx")
            sh.ctl("charter", "export", "-o", exported)
            self.assertEqual(open(exported, "rb").read(), open(chain2, "rb").read())
            joiner = os.path.join(root, "suzhou")
            r = ctl("init", "--dir", joiner, "--name", "suzhou", "--city", "苏州", "--charter",
                    exported)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("no member of version 2", r.stdout)
            r = ctl("-c", os.path.join(joiner, "yrdxd.zpl"), "charter", "show")
            self.assertEqual(r.stdout, want_text)

            # A running node takes no file: it adopts through the federation.
            sh.start()
            self.refused(sh.ctl("charter", "install", path, check=False),
                         "yrdxd is running")
            self.assertIn("charter %s version 2: 3 members, threshold 2" % FEDERATION,
                          sh.log())
            self.assertEqual(sh.ctl("charter", "show").stdout, want_text)

    def test_members_file_errors(self):
        with Federation("charter-members") as fed:
            sh = fed.node("shanghai", 310000)
            hz = fed.node("hangzhou", 330100)
            good = [sh.ctl("charter", "member").stdout.strip(),
                    hz.ctl("charter", "member").stdout.strip()]
            out = os.path.join(fed.root, "c.yx")
            cases = [
                ("%s\nnanjing 南京\n" % good[0], "m.txt:2: expected NAME CITY KEY ENDPOINT"),
                ("%s\n# ok\n\nnanjing 北京 %s tcp://127.0.0.1:1\n" % (good[0], hz.pubkey),
                 'm.txt:4: city "北京" is not a Yangtze River Delta city'),
                ("%s\nnanjing 南京 notakey tcp://127.0.0.1:1\n" % good[0],
                 'm.txt:2: key: public key "notakey"'),
                ("%s\nNanJing 南京 %s tcp://127.0.0.1:1\n" % (good[0], hz.pubkey),
                 'm.txt:2: name "NanJing" is not [a-z0-9-]'),
                ("%s\nnanjing 南京 %s ipc:///tmp/x\n" % (good[0], hz.pubkey),
                 'm.txt:2: member nanjing: endpoint "ipc:///tmp/x": expected tcp://HOST:PORT'),
                ("%s\n%s\nnanjing 320100 %s tcp://127.0.0.1:1\n" % (good[0], good[1], hz.pubkey),
                 "m.txt:3: the key of nanjing is hangzhou's, on line 2"),
                ("%s\n%s\n" % (good[0], good[0]), "m.txt:2: name shanghai is on line 1 already"),
                ("%s jurisdiction=上海,苏州,上海\n" % good[0],
                 "m.txt:1: jurisdiction: 上海 (310000) named twice"),
                ("%s jurisdiction=上海,纽约\n" % good[0],
                 'm.txt:1: jurisdiction: "纽约" is not a Yangtze River Delta city'),
                ("# nobody\n", "m.txt: no member lines"),
            ]
            for text, needle in cases:
                with open(os.path.join(fed.root, "m.txt"), "w") as f:
                    f.write(text)
                r = subprocess.run([YRDXCTL, "charter", "draft", "--federation", FEDERATION,
                                    "--threshold", "1", "-o", out, "m.txt"],
                                   capture_output=True, text=True, cwd=fed.root, timeout=60)
                self.refused(r, needle)
                self.assertFalse(os.path.exists(out), needle)
            # the threshold: more than half of the members
            with open(os.path.join(fed.root, "m.txt"), "w") as f:
                f.write("\n".join(good) + "\n")
            r = ctl("charter", "draft", "--federation", FEDERATION, "--threshold", "1", "-o",
                    out, os.path.join(fed.root, "m.txt"))
            self.refused(r, "threshold 1 of 2 active members is not a majority")
            # jurisdiction: a member may write the records of the cities listed
            with open(os.path.join(fed.root, "m.txt"), "w") as f:
                f.write("%s jurisdiction=上海,苏州市,320200\n%s\n" % (good[0], good[1]))
            r = ctl("--json", "charter", "draft", "--federation", FEDERATION, "--threshold",
                    "2", "-o", out, os.path.join(fed.root, "m.txt"))
            self.assertEqual(r.returncode, 0, r.stderr)
            j = json.loads(r.stdout)
            self.assertEqual(j["members"][0]["jurisdiction"], [310000, 320500, 320200])
            self.assertEqual(j["members"][1]["jurisdiction"], [330100])
            self.assertEqual(j["missing"], ["shanghai", "hangzhou"])


if __name__ == "__main__":
    unittest.main()
