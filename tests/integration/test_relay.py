"""Relay incubation (接力孵化) across cities: Shanghai proposes an enterprise to a park in
Suzhou, through Hangzhou (Shanghai and Suzhou never talk). Suzhou accepts; the case is
ACCEPTED on every node. Steps by the wrong party or out of order are refused with a clear
message. The dossier opens at the destination and nowhere else."""
import json
import os
import unittest

from harness import Federation, case_state, enterprise, same_digest, wait_until


def park(pid, name, city, industries, capacity=20, kind="characteristic_park"):
    return {"id": pid, "name": name, "city": city, "type": kind, "industries": industries,
            "capacity": capacity}


class RelayTest(unittest.TestCase):
    def test_case_across_three_cities(self):
        with Federation("relay") as fed:
            sh = fed.node("shanghai", 310000)
            hz = fed.node("hangzhou", 330100)
            sz = fed.node("suzhou", 320500)
            fed.link(sh, hz)
            fed.link(hz, sz)
            for n in (sh, hz, sz):
                n.start()
            ent = enterprise(7)
            sh.put("enterprise", [ent])
            sz.put("park", [park("SZ-PARK-SIP", "苏州工业园区", 320500, ["integrated_circuits", "future_health"]),
                            park("SZ-PARK-FASHION", "苏州时尚产业园", 320500, ["fashion_consumer_goods"])])
            hz.put("park", [park("HZ-PARK-FST", "杭州未来科技城", 330100, ["future_health", "digital_economy"],
                                 kind="high_tech_zone")])
            wait_until(lambda: same_digest(sh, hz, sz), 20, "parks and the enterprise everywhere")

            # suggest: the parks ranked by industry fit, with the parts of the score
            ranked = [json.loads(l) for l in sh.ctl("--json", "relay", "suggest", ent["credit_code"]).stdout.splitlines()]
            self.assertEqual(ranked[0]["park_id"], "SZ-PARK-SIP")
            self.assertEqual(ranked[0]["parts"]["industry"], 70)
            self.assertEqual(ranked[0]["score"], 71)  # 20 places: 1 of 10
            self.assertEqual(ranked[-1]["park_id"], "SZ-PARK-FASHION")

            dossier = os.path.join(sh.dir, "dossier.txt")
            with open(dossier, "w") as f:
                f.write("营业收入 3200 万元; 研发投入 860 万元")
            out = sh.ctl_json("relay", "propose", ent["credit_code"], "--to-park", "SZ-PARK-SIP",
                              "--dossier", dossier, "--note", "毕业企业, 建议落地苏州")
            case = out["case"]
            wait_until(lambda: case_state(sz, case) == "proposed", 10, "the proposal at suzhou")

            # wrong party and out of order: refused, exit 2, the reason named
            r = sh.ctl("relay", "accept", case, check=False)
            self.assertEqual(r.returncode, 2)
            self.assertIn("belongs to the destination city", r.stderr)
            r = sz.ctl("relay", "land", case, check=False)
            self.assertEqual(r.returncode, 2)
            self.assertIn("is proposed: LAND is not a step from there", r.stderr)
            r = hz.ctl("relay", "decline", case, check=False)
            self.assertEqual(r.returncode, 2)

            sz.ctl("relay", "accept", case, "--note", "欢迎入驻")
            for n in (sh, hz, sz):
                wait_until(lambda n=n: case_state(n, case) == "accepted", 10,
                           "the case ACCEPTED at %s" % n.name)

            # the dossier: open at suzhou only
            shown = sz.ctl_json("relay", "show", case)
            self.assertEqual(shown["dossier"], "营业收入 3200 万元; 研发投入 860 万元")
            self.assertEqual([e["type"] for e in shown["events"] if e["applied"]], ["propose", "accept"])
            self.assertIn("sealed for suzhou", hz.ctl_json("relay", "show", case)["dossier"])
            # suzhou is no peer of shanghai's: named by its key, whole
            self.assertIn("sealed for %s:" % sz.pubkey, sh.ctl_json("relay", "show", case)["dossier"])

            sz.ctl("relay", "land", case)
            sz.ctl("relay", "close", case)
            for n in (sh, hz, sz):
                wait_until(lambda n=n: case_state(n, case) == "closed", 10, "CLOSED at %s" % n.name)
            self.assertIn("closed", sh.ctl("relay", "list", "--state", "closed").stdout)
            prof = hz.ctl_json("profile", ent["credit_code"])
            self.assertEqual(len(prof["relay_events"]), 4)


if __name__ == "__main__":
    unittest.main()
