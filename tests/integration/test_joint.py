"""Joint incubation (联合孵化) across cities: Shanghai proposes an agreement between one of
its incubators and one in Hefei, through Hangzhou (Shanghai and Hefei never talk). Hangzhou
is no party and cannot sign; the agreement is pending on every node until Hefei signs, then
active on every node, and every node shows the same agreement."""
import json
import unittest

from harness import Federation, enterprise, same_digest, wait_until


def incubator(iid, name, city):
    return {"id": iid, "name": name, "city": city, "tier": "high_quality",
            "operator_type": "research_institute", "focus_industries": ["integrated_circuits"]}


def agreements(node, *flags):
    return {row["agreement"]: row for row in
            (json.loads(l) for l in node.ctl("--json", "joint", "list", *flags).stdout.splitlines())}


def state(node, agreement):
    row = agreements(node).get(agreement)
    return row and row["state"]


def comparable(shown):
    """What every node must agree on: names are each node's own, keys are not."""
    return {
        "agreement": shown["agreement"], "state": shown["state"],
        "credit_code": shown["credit_code"], "incubator_ids": shown["incubator_ids"],
        "parties": [(p["key"], p["signed"], p.get("incubator_id"), p.get("role"))
                    for p in shown["parties"]],
    }


class JointTest(unittest.TestCase):
    def test_agreement_across_three_cities(self):
        with Federation("joint") as fed:
            sh = fed.node("shanghai", 310000)
            hz = fed.node("hangzhou", 330100)
            hf = fed.node("hefei", 340100)
            fed.link(sh, hz)
            fed.link(hz, hf)
            for n in (sh, hz, hf):
                n.start()
            ent = enterprise(7)
            code = ent["credit_code"]
            sh.put("enterprise", [ent])
            sh.put("incubator", [incubator("SH-INC-0001", "上海张江孵化器", 310000),
                                 incubator("INC-SHARED", "上海同名孵化器", 310000)])
            hf.put("incubator", [incubator("HF-INC-0001", "合肥高新孵化器", 340100),
                                 incubator("INC-SHARED", "合肥同名孵化器", 340100)])
            wait_until(lambda: same_digest(sh, hz, hf), 20, "incubators and the enterprise everywhere")

            # ids in no registry, or in several, are usage errors naming them
            r = sh.ctl("joint", "propose", "--incubators", "SH-INC-0001,HF-INC-9999",
                       "--enterprise", code, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("incubator HF-INC-9999 is in no registry", r.stderr)
            r = sh.ctl("joint", "propose", "--incubators", "INC-SHARED,HF-INC-0001",
                       "--enterprise", code, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("INC-SHARED is registered by more than one city", r.stderr)
            # a proposer must be one of the parties
            r = hz.ctl("joint", "propose", "--incubators", "SH-INC-0001,HF-INC-0001",
                       "--enterprise", code, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("none of the incubators is in hangzhou's own registry", r.stderr)
            self.assertEqual(agreements(sh), {})

            # CITY:ID picks the registry ("self" is the proposing node)
            out = sh.ctl_json("joint", "propose", "--incubators", "SH-INC-0001, self:INC-SHARED,HF-INC-0001",
                              "--enterprise", code)
            agreement = out["agreement"]
            self.assertTrue(agreement.startswith("shanghai-J"), agreement)
            for n in (sh, hz, hf):
                wait_until(lambda n=n: state(n, agreement) == "pending", 10,
                           "the proposal pending at %s" % n.name)

            # hangzhou is no party: refused, exit 2, the reason named
            r = hz.ctl("joint", "sign", agreement, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("not a party of agreement %s" % agreement, r.stderr)
            r = sh.ctl("joint", "sign", agreement, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("already signed", r.stderr)
            r = hf.ctl("joint", "sign", "nobody-J1", check=False)
            self.assertEqual(r.returncode, 2, r.stderr)

            # pending everywhere until hefei signs
            for n in (sh, hz, hf):
                shown = n.ctl_json("joint", "show", agreement)
                self.assertEqual(shown["state"], "pending")
                self.assertFalse(shown["active"])
                self.assertEqual((shown["signed"], shown["parties_total"]), (1, 2))
                self.assertIn(agreement, agreements(n, "--pending"))
                self.assertNotIn(agreement, agreements(n, "--active"))
            self.assertEqual(sh.ctl_json("joint", "show", agreement)["incubator_ids"],
                             ["SH-INC-0001", "INC-SHARED", "HF-INC-0001"])
            waiting = [(p["name"], p["key"]) for p in sh.ctl_json("joint", "show", agreement)["parties"]
                       if not p["signed"]]
            self.assertEqual(waiting, [(None, hf.pubkey)])  # not a peer of shanghai: its key, whole
            self.assertIn(hf.pubkey, sh.ctl("joint", "list").stdout)

            hf.ctl("joint", "sign", agreement)
            for n in (sh, hz, hf):
                wait_until(lambda n=n: state(n, agreement) == "active", 10,
                           "the agreement active at %s" % n.name)
            r = hf.ctl("joint", "sign", agreement, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("already signed", r.stderr)

            shown = {n.name: n.ctl_json("joint", "show", agreement) for n in (sh, hz, hf)}
            self.assertEqual(comparable(shown["shanghai"]), comparable(shown["hangzhou"]))
            self.assertEqual(comparable(shown["shanghai"]), comparable(shown["hefei"]))
            parties = {p["key"]: p for p in shown["hangzhou"]["parties"]}
            self.assertEqual(set(parties), {sh.pubkey, hf.pubkey})
            self.assertEqual(parties[sh.pubkey]["name"], "shanghai")
            self.assertEqual((parties[sh.pubkey]["incubator_id"], parties[sh.pubkey]["role"]),
                             ("SH-INC-0001", "lead"))
            self.assertEqual((parties[hf.pubkey]["incubator_id"], parties[hf.pubkey]["role"]),
                             ("HF-INC-0001", "co-incubator"))
            self.assertEqual(shown["hefei"]["enterprise_name"], ent["name"])
            self.assertTrue(all(p["counted"] for p in shown["hefei"]["participations"]))
            text = hz.ctl("joint", "show", agreement).stdout
            self.assertIn("active (2 of 2 parties signed)", text)
            self.assertIn("active", hz.ctl("joint", "list").stdout)

            # the enterprise's profile lists the agreement, at a node that is no party too
            prof = hz.ctl_json("profile", code)
            joints = prof["joint_participations"]
            self.assertEqual(len(joints), 2)
            self.assertEqual({j["record"]["id"] for j in joints}, {agreement})
            self.assertIn(agreement, hz.ctl("profile", code).stdout)


if __name__ == "__main__":
    unittest.main()
