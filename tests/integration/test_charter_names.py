"""Names (design decision 8): a chain of four member cities founded with one charter
(联盟章程), shanghai – suzhou – hangzhou – hefei, each peering only with its neighbours. At
hefei, the end of the chain, which knows only hangzhou from its config, every command that
names a node names every member city by its charter name and city (上海 shanghai); --origin
takes a far member's name; and no output, text or --json, holds a key prefix — a run of
8 to 43 characters of base64 that starts a member's key and is not the whole key."""
import json
import unittest

from harness import Federation, enterprise, same_digest, wait_until

# name, city code, its Chinese name, a district for its credit codes
CITIES = [("shanghai", 310000, "上海", "310115"), ("suzhou", 320500, "苏州", "320505"),
          ("hangzhou", 330100, "杭州", "330106"), ("hefei", 340100, "合肥", "340104")]


def incubator(iid, name, city):
    return {"id": iid, "name": name, "city": city, "tier": "high_quality",
            "operator_type": "research_institute", "focus_industries": ["integrated_circuits"]}


def park(pid, name, city):
    return {"id": pid, "name": name, "city": city, "type": "characteristic_park",
            "industries": ["integrated_circuits"], "capacity": 20}


def key_prefixes(text, keys):
    """The key prefixes in text: what is left of a member's first 8 characters once every
    whole key is taken out (any prefix of 8 to 43 characters holds the first 8)."""
    for k in keys:
        text = text.replace(k, "<key>")
    return [k[:8] for k in keys if k[:8] in text]


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class CharterNamesTest(unittest.TestCase):
    def test_every_member_named_at_the_end_of_a_chain(self):
        with Federation("names") as fed:
            nodes = [fed.node(name, city) for name, city, _, _ in CITIES]
            sh, sz, hz, hf = nodes
            for a, b in zip(nodes, nodes[1:]):
                fed.link(a, b)
            fed.found(threshold=3)
            for n in nodes:
                n.start()
            keys = [n.pubkey for n in nodes]

            # One enterprise in every city's registry (a relay's landings), an incubator
            # of the same id in each (list must say whose is whose), a park at hefei.
            shared = enterprise(7)
            for n, (name, city, _, district) in zip(nodes, CITIES):
                n.put("enterprise", [dict(shared, city=city),
                                     enterprise(100, city=city, district=district)])
                n.put("incubator", [incubator("INC-0001", "%s孵化器" % name, city),
                                    incubator("%s-INC" % name.upper(), "%s二号孵化器" % name, city)])
            hf.put("park", [park("HF-PARK-1", "合肥高新区集成电路园", 340100)])
            wait_until(lambda: same_digest(*nodes), 30, "every city's records everywhere")

            # a relay case shanghai → hefei, accepted there; a joint agreement of
            # shanghai, suzhou and hangzhou that hangzhou has not signed
            case = sh.ctl_json("relay", "propose", shared["credit_code"], "--to-park", "HF-PARK-1")["case"]
            wait_until(lambda: any(r["case"] == case for r in json_lines(hf.ctl("--json", "relay", "list").stdout)),
                       15, "the case at hefei")
            hf.ctl("relay", "accept", case)
            agreement = sh.ctl_json("joint", "propose", "--incubators", "SHANGHAI-INC,SUZHOU-INC,HANGZHOU-INC",
                                    "--enterprise", shared["credit_code"])["agreement"]
            wait_until(lambda: any(r["agreement"] == agreement
                                   for r in json_lines(sz.ctl("--json", "joint", "list").stdout)),
                       15, "the agreement at suzhou")
            sz.ctl("joint", "sign", agreement)
            wait_until(lambda: same_digest(*nodes), 30, "the case and the agreement everywhere")
            self.assertEqual([p["name"] for p in hf.status()["peers"]], ["hangzhou"])

            outputs = {}

            def run(*args):
                text = hf.ctl(*args).stdout
                outputs[" ".join(args)] = text
                return text

            labels = ["%s %s" % (zh, name) for name, _, zh, _ in CITIES]

            # digest: every origin by name and city, its key in full beside
            text = run("digest")
            for (name, city, zh, _), k in zip(CITIES, keys):
                self.assertIn("%s %s (%d)" % (zh, name, city), text)
                self.assertIn(k, text)
            dig = json.loads(run("--json", "digest"))
            self.assertEqual({(o["origin"], o["name"], o["city"], o["city_name"]) for o in dig["origins"]},
                             {(k, name, city, zh) for (name, city, zh, _), k in zip(CITIES, keys)})

            # status: the node, its one peer, and every origin it holds
            text = run("status")
            self.assertIn("node 合肥 hefei (340100) key %s" % hf.pubkey, text)
            for label in labels:
                self.assertIn(label, text)
            st = json.loads(run("--json", "status"))
            self.assertEqual(st["city_name"], "合肥")
            self.assertEqual({(v["origin"], v["name"]) for v in st["vector"]},
                             {(k, name) for (name, _, _, _), k in zip(CITIES, keys)})
            self.assertEqual([(p["name"], p["city"], p["city_name"]) for p in st["peers"]],
                             [("hangzhou", 330100, "杭州")])

            # profile: the enterprise's record in each city's registry, named
            text = run("profile", shared["credit_code"])
            for name, city, zh, _ in CITIES:
                self.assertIn("in %s %s (%d)'s registry" % (zh, name, city), text)
            self.assertIn("by 上海 shanghai", text)
            prof = json.loads(run("--json", "profile", shared["credit_code"]))
            self.assertEqual({(r["origin"], r["origin_name"], r["origin_city"]) for r in prof["records"]},
                             {(k, name, city) for (name, city, _, _), k in zip(CITIES, keys)})

            # relay: from shanghai, to hefei, each step by its city
            text = run("relay", "show", case)
            self.assertIn("from 上海 shanghai (310000)", text)
            self.assertIn("in 合肥 hefei (340100)", text)
            self.assertRegex(text, r"推荐 propose\s+[-0-9]+ [:0-9]+\s+by 上海 shanghai\s+seq")
            self.assertRegex(text, r"接收 accept\s+[-0-9]+ [:0-9]+\s+by 合肥 hefei\s+seq")
            shown = json.loads(run("--json", "relay", "show", case))
            self.assertEqual((shown["from"], shown["from_key"], shown["from_city"], shown["to"], shown["to_key"]),
                             ("shanghai", sh.pubkey, 310000, "hefei", hf.pubkey))
            self.assertEqual([(e["type"], e["by"], e["signer"], e["by_city_name"]) for e in shown["events"]],
                             [("propose", "shanghai", sh.pubkey, "上海"), ("accept", "hefei", hf.pubkey, "合肥")])
            text = run("relay", "list")
            self.assertIn("上海 shanghai", text)
            self.assertIn("合肥 hefei", text)
            row = json_lines(run("--json", "relay", "list"))[0]
            self.assertEqual((row["from"], row["from_key"], row["to"], row["to_key"]),
                             ("shanghai", sh.pubkey, "hefei", hf.pubkey))

            # joint: the parties by name, the one waiting named
            text = run("joint", "list")
            self.assertIn("杭州 hangzhou", text)
            row = json_lines(run("--json", "joint", "list"))[0]
            self.assertEqual(sorted((p["name"], p["key"], p["city"], p["signed"]) for p in row["parties"]),
                             sorted([("shanghai", sh.pubkey, 310000, True), ("suzhou", sz.pubkey, 320500, True),
                                     ("hangzhou", hz.pubkey, 330100, False)]))
            text = run("joint", "show", agreement)
            for label in labels[:3]:
                self.assertIn(label, text)

            # list: four INC-0001 rows, each with the city that wrote it
            text = run("list", "incubator")
            for name, _, zh, _ in CITIES:
                self.assertRegex(text, r"(?m)^%s %s\s+INC-0001\s+%s孵化器" % (zh, name, name))
            rows = json_lines(run("--json", "list", "incubator"))
            self.assertEqual(sorted((r["origin_name"], r["origin_city_name"]) for r in rows if r["id"] == "INC-0001"),
                             sorted((name, zh) for name, _, zh, _ in CITIES))
            # --origin by a far member's name: shanghai is no peer of hefei
            rows = json_lines(run("--json", "list", "incubator", "--origin", "shanghai"))
            self.assertEqual(sorted(r["id"] for r in rows), ["INC-0001", "SHANGHAI-INC"])
            self.assertEqual({r["origin"] for r in rows}, {sh.pubkey})
            text = run("list", "incubator", "--origin", "suzhou")
            self.assertIn("suzhou二号孵化器", text)
            self.assertNotIn("shanghai二号孵化器", text)

            # stats: a row per city, named by the charter's member of it
            text = run("stats")
            for label in labels:
                self.assertIn(label, text)
            stats = json.loads(run("--json", "stats"))
            self.assertEqual(sorted((c["city"], c["city_name"], c["members"]) for c in stats["cities"]),
                             sorted((city, zh, [name]) for name, city, zh, _ in CITIES))

            # export and get --origin a far member: its records, whole
            exported = json_lines(run("export", "--origin", "shanghai"))
            held_at_sh = json_lines(sh.ctl("export", "--origin", "self").stdout)
            self.assertEqual(sorted(json.dumps(r, sort_keys=True) for r in exported),
                             sorted(json.dumps(r, sort_keys=True) for r in held_at_sh))
            self.assertEqual(len([r for r in exported if r["kind"] in ("enterprise", "incubator")]), 4)
            got = json_lines(run("--json", "get", "incubator", "INC-0001", "--origin", "hangzhou"))
            self.assertEqual([(g["origin"], g["origin_name"], g["record"]["name"]) for g in got],
                             [(hz.pubkey, "hangzhou", "hangzhou孵化器")])
            # a name that is nobody's: exit 2, the members named
            r = hf.ctl("list", "incubator", "--origin", "nanjing", check=False)
            self.assertEqual(r.returncode, 2)
            self.assertIn('"nanjing" is not a member of the charter (shanghai, suzhou, hangzhou, hefei)', r.stderr)

            # the charter itself, as hefei adopted it
            text = run("charter", "show")
            for name, _, zh, _ in CITIES:
                self.assertIn(name, text)
            run("--json", "charter", "show")

            # no output holds a key prefix, text or --json
            for args, text in outputs.items():
                self.assertEqual(key_prefixes(text, keys), [], "yrdxctl %s:\n%s" % (args, text))
            for n in nodes:
                n.verify()
                self.assertEqual(n.stop(), 0, n.name)


if __name__ == "__main__":
    unittest.main()
