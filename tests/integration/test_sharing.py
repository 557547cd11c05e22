"""(e) A withheld kind arrives as stubs only; the chain still verifies and digests agree.
Shanghai shares incubators and parks with Hangzhou but withholds enterprises: its config
states that, so its daemon publishes it as its sharing policy (seq 1), which travels whole
(docs/design.md, "Sharing is the origin's")."""
import unittest

from harness import Federation, enterprise, same_digest, wait_until


def incubator(i):
    return {"id": "SH-INC-%04d" % i, "name": "上海样本孵化器%d号" % i, "city": 310000,
            "tier": "high_quality", "operator_type": "university_science_park",
            "focus_industries": ["artificial_intelligence"], "mentors": 10}


class SharingTest(unittest.TestCase):
    def test_withheld_kind_travels_as_stubs(self):
        with Federation("sharing") as fed:
            a = fed.node("shanghai")
            b = fed.node("hangzhou", 330100)
            fed.link(a, b, share_ab="incubator,park")
            a.start()
            b.start()
            a.put("incubator", [incubator(i) for i in range(5)])
            a.put("enterprise", [enterprise(i) for i in range(100)])
            a.put("incubator", [incubator(i) for i in range(5, 10)])
            wait_until(lambda: same_digest(a, b), 30, "A and B to reach one digest")
            self.assertEqual(b.tip(a.pubkey), 111)  # the policy, then 110 records
            self.assertEqual(a.counters()["stubs_sent"], 100)
            b.ctl("verify")
            # Incubators arrived whole; enterprises only as (seq, hash) stubs.
            self.assertEqual(b.ctl_json("get", "incubator", "SH-INC-0007")["record"]["name"],
                             "上海样本孵化器7号")
            code = enterprise(42)["credit_code"]
            self.assertEqual(a.ctl_json("get", "enterprise", code)["id"], code)
            # B holds no body of A's enterprises: get finds none, for that reason alone...
            r = b.ctl("get", "enterprise", code, check=False)
            self.assertEqual((r.returncode, r.stdout, r.stderr),
                             (1, "", "yrdxctl: no enterprise \"%s\" in this node's store\n" % code))
            # ... and of A's 111 changes, exactly the 10 incubators and its policy are
            # records at B. The policy names B with what B may have.
            held = b.export(origin=a.pubkey)
            self.assertEqual(sorted((x["kind"], x["record"]["id"]) for x in held),
                             [("incubator", "SH-INC-%04d" % i) for i in range(10)]
                             + [("policy", "policy")])
            policy = [x["record"] for x in held if x["kind"] == "policy"][0]
            self.assertEqual(len(policy["cities"]), 1)
            self.assertEqual(sorted(policy["cities"][0]["kinds"]), ["incubator", "park"])
            self.assertEqual(sum(1 for x in a.export(origin=a.pubkey) if x["kind"] == "enterprise"),
                             100)


if __name__ == "__main__":
    unittest.main()
