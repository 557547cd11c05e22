"""yrdxctl as an administrator uses it: every command, its --help, its exit codes (0 ok,
1 operational failure, 2 usage or input error), and bad input leaving the store as it
was. Read-only commands also work with the daemon stopped."""
import json
import os
import stat
import unittest

from harness import Federation, credit_code, enterprise, same_digest, wait_until

COMMANDS = ["init", "keygen", "pubkey", "peer", "park", "put", "retract", "get", "list", "relay", "joint", "import", "export",
            "profile", "incubator", "stats", "backup", "digest", "verify", "status", "sync"]


def incubator(i, tier="high_quality", transformed=False):
    return {"id": "SH-INC-%04d" % i, "name": "上海样本孵化器%d号" % i, "city": 310000,
            "tier": tier, "operator_type": "research_institute",
            "focus_industries": ["artificial_intelligence"], "transformed": transformed}


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class AdminTest(unittest.TestCase):
    def write(self, node, name, records):
        path = os.path.join(node.dir, name)
        with open(path, "w") as f:
            json.dump(records, f, ensure_ascii=False)
        return path

    def test_every_command(self):
        with Federation("admin") as fed:
            a = fed.node("shanghai")
            b = fed.node("hangzhou", 330100)
            for cmd in COMMANDS:
                r = a.ctl(cmd, "--help")
                self.assertIn("usage", r.stdout, cmd)

            # keys: owner-only, never overwritten, one text form
            key = os.path.join(fed.root, "extra.key")
            pub = a.ctl_json("keygen", key, config=False)["public_key"]
            self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
            self.assertEqual(a.ctl("pubkey", key, config=False).stdout.strip(), pub)
            self.assertEqual(a.ctl("keygen", key, config=False, check=False).returncode, 1)
            self.assertEqual(len(pub), 44)
            # the next key, for a key rotation: beside the node's key, owner-only, once
            nxt = a.ctl_json("keygen", "--next")
            self.assertEqual(nxt["key_file"], os.path.join(a.dir, "node.key.next"))
            self.assertEqual(stat.S_IMODE(os.stat(nxt["key_file"]).st_mode), 0o600)
            self.assertEqual(a.ctl("pubkey", nxt["key_file"], config=False).stdout.strip(),
                             nxt["public_key"])
            self.assertNotEqual(nxt["public_key"], a.pubkey)
            r = a.ctl("keygen", "--next", check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn(nxt["public_key"], r.stderr, "names the next key it keeps")
            self.assertEqual(a.ctl("pubkey", nxt["key_file"], config=False).stdout.strip(),
                             nxt["public_key"])
            self.assertEqual(a.ctl("keygen", "--next", config=False, check=False).returncode, 2)

            # trust store edits: bad input is exit 2 and leaves the file as it was
            before = read_bytes(a.config)
            r = a.ctl("peer", "add", "hangzhou", b.endpoint, "not-a-key", check=False)
            self.assertEqual(r.returncode, 2)
            self.assertIn("public_key", r.stderr)
            r = a.ctl("peer", "add", "hangzhou", "tcp://nowhere", b.pubkey, check=False)
            self.assertEqual(r.returncode, 2)
            self.assertEqual(read_bytes(a.config), before)
            fed.link(a, b)
            r = a.ctl("peer", "add", "hangzhou2", b.endpoint, b.pubkey, check=False)
            self.assertEqual(r.returncode, 2, "the same key twice")

            # writes need the daemon: exit 1 with a clear message when it is not running
            path = self.write(a, "inc.json", [incubator(1)])
            r = a.ctl("put", "incubator", path, check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("not running", r.stderr)

            a.start()
            b.start()
            a.put("incubator", [incubator(1, transformed=True), incubator(2, "high_quality_cultivation"),
                                incubator(3, "standard")])
            ents = [enterprise(i) for i in range(20)]
            ents[3]["qualifications"] = ["tech_sme", "gazelle"]
            ents[4]["qualifications"] = ["high_tech", "little_giant", "hard_tech"]
            a.put("enterprise", ents)
            digest = a.digest()["digest"]

            # bad input: exit 2, the field named, nothing written
            bad = dict(enterprise(100), credit_code=credit_code(100)[:-1] + "I")
            r = a.ctl("put", "enterprise", self.write(a, "bad1.json", [bad]), check=False)
            self.assertEqual(r.returncode, 2)
            self.assertIn("credit_code", r.stderr)
            r = a.ctl("put", "enterprise", self.write(a, "bad2.json", [dict(enterprise(101), stge="x")]),
                      check=False)
            self.assertEqual(r.returncode, 2)
            self.assertIn('unknown field "stge"', r.stderr)
            r = a.ctl("put", "enterprise", self.write(a, "bad3.json",
                                                      [enterprise(102), dict(enterprise(103), stage="adult")]),
                      check=False)
            self.assertEqual(r.returncode, 2)
            self.assertIn("stage", r.stderr)
            self.assertEqual(a.digest()["digest"], digest, "a refused put changed the store")
            r = a.ctl("put", "--dry-run", "enterprise", self.write(a, "ok.json", [enterprise(104)]))
            self.assertEqual(a.digest()["digest"], digest, "a dry run changed the store")

            # get, list with filters, stats against the plan's targets, profile
            code = ents[3]["credit_code"]
            self.assertEqual(a.ctl_json("get", "enterprise", code)["record"]["qualifications"],
                             ["tech_sme", "gazelle"])
            self.assertEqual(a.ctl("get", "enterprise", credit_code(999), check=False).returncode, 1)
            r = a.ctl("list", "incubator", "--tier", "high_quality")
            self.assertIn("上海样本孵化器1号", r.stdout)
            self.assertNotIn("上海样本孵化器2号", r.stdout)
            self.assertIn("1 incubator record", r.stdout)
            gaz = [json.loads(l) for l in a.ctl("--json", "list", "enterprise", "--qualification",
                                                "gazelle").stdout.splitlines()]
            self.assertEqual([g["id"] for g in gaz], [code])
            self.assertEqual(a.ctl("list", "enterprise", "--city", "999999", check=False).returncode, 2)
            st = a.ctl_json("stats")
            fedst = st["federation"]
            self.assertEqual((fedst["high_quality_incubators"], fedst["cultivation_incubators"],
                              fedst["transformed_incubators"]), (1, 1, 1))
            self.assertEqual((fedst["tech_sme"], fedst["high_tech"], fedst["gazelle"],
                              fedst["little_giant"], fedst["hard_tech"]), (19, 1, 1, 1, 1))
            self.assertEqual(st["targets_2025"]["high_quality_incubators"], 20)
            self.assertEqual(st["targets_2025"]["tech_sme"], 10000)
            self.assertIn("2025目标", a.ctl("stats").stdout)
            prof = a.ctl_json("profile", code)
            self.assertEqual(prof["records"][0]["origin_name"], "shanghai")
            # a new version: the profile shows qualifications over time
            a.put("enterprise", [dict(ents[3], qualifications=["tech_sme", "gazelle", "high_tech"])])
            hist = a.ctl_json("profile", code)["records"][0]["history"]
            self.assertEqual([h["qualifications"] for h in hist],
                             [["tech_sme", "gazelle"], ["tech_sme", "gazelle", "high_tech"]])
            self.assertIn("history", a.ctl("profile", code).stdout)
            self.assertEqual(a.ctl("profile", "123", check=False).returncode, 2)

            # sync and status at the other city; profile merges across cities there
            b.ctl("sync", "--wait", "--timeout", "30")
            self.assertTrue(same_digest(a, b))
            peers = b.ctl_json("status")["peers"]
            self.assertEqual(peers[0]["name"], "shanghai")
            self.assertTrue(peers[0]["connected"])
            self.assertEqual(peers[0]["behind"], 0)
            self.assertEqual(b.ctl_json("profile", code)["records"][0]["origin_name"], "shanghai")
            self.assertEqual(b.ctl("sync", "nosuchpeer", check=False).returncode, 2)

            # retract: gone here and, once synced, there
            a.ctl("retract", "enterprise", code, "--reason", "迁出")
            self.assertEqual(a.ctl("get", "enterprise", code, check=False).returncode, 1)
            wait_until(lambda: b.ctl("get", "enterprise", code, check=False).returncode == 1, 10,
                       "the retraction to reach hangzhou")
            # ... and shown there as retracted: by whom, when, why
            r = b.ctl("--json", "get", "enterprise", code, check=False)
            self.assertEqual(r.returncode, 1)
            shown = json.loads(r.stdout)
            self.assertEqual((shown["retracted"], shown["reason"], shown["id"],
                              shown["origin_name"], shown["kind"]),
                             (True, "迁出", code, "shanghai", "enterprise"))
            self.assertEqual(shown["origin"], a.pubkey)
            self.assertGreater(shown["time_ms"], 0)
            r = b.ctl("get", "enterprise", code, check=False)
            self.assertEqual(r.returncode, 1)
            self.assertRegex(r.stdout, r"^enterprise %s of shanghai, seq %d, \d{4}-\d\d-\d\d "
                             r"\d\d:\d\d:\d\d: retracted \(撤回\): 迁出\n$"
                             % (code, shown["seq"]))
            # never written: no retraction to show
            r = b.ctl("get", "enterprise", credit_code(998), check=False)
            self.assertEqual((r.returncode, r.stdout), (1, ""))
            r = a.ctl("retract", "enterprise", code, check=False)
            self.assertEqual(r.returncode, 2)

            # backup while running: a verified copy with the same digest
            dest = os.path.join(fed.root, "backup")
            out = a.ctl_json("backup", dest)
            self.assertEqual(out["digest"], a.digest()["digest"])
            self.assertEqual(a.ctl("backup", dest, check=False).returncode, 2)

            # read-only commands with the daemon stopped
            a.stop()
            self.assertEqual(a.digest()["digest"], out["digest"])
            a.ctl("verify")
            self.assertIn("上海样本孵化器3号", a.ctl("list", "incubator").stdout)
            self.assertEqual(a.ctl("status", check=False).returncode, 1)


if __name__ == "__main__":
    unittest.main()
