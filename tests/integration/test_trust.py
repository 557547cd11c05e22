"""(c) A node whose key is not in the trust store is refused at the CURVE handshake and
receives nothing; a park's key is refused on the peer port. Refusals are counted."""
import unittest

from harness import Federation, enterprise, same_digest, wait_until


class TrustTest(unittest.TestCase):
    def test_untrusted_key_and_park_key_refused(self):
        with Federation("trust") as fed:
            a = fed.node("shanghai")
            b = fed.node("hangzhou", 330100)
            stranger = fed.node("stranger", 320500)
            parkish = fed.node("parkish", 320500)
            fed.link(a, b)
            # The stranger and the park key know where A is and A's key, but A does not
            # trust them as peers; parkish is even registered at A, as a park.
            stranger.peer_add(a)
            parkish.peer_add(a)
            for n in (a, b, stranger, parkish):
                n.start()
            # a park of A's own registry, authorised at A for the key parkish has
            a.put("park", [{"id": "SH-PARK-LG", "name": "临港新片区前沿科技产业园", "city": 310000,
                            "type": "characteristic_park", "industries": ["integrated_circuits"],
                            "capacity": 50}])
            a.ctl("park", "add", "lingang", "SH-PARK-LG", parkish.pubkey)
            a.put("enterprise", [enterprise(i) for i in range(500)])
            wait_until(lambda: same_digest(a, b), 30, "A and B to converge")
            # Both intruders keep retrying; each try is refused and counted at A.
            wait_until(lambda: a.counters().get("handshakes_refused", 0) >= 2, 15,
                       "A to refuse both handshakes")
            self.assertIn("not in the trust store", a.log())
            for intruder in (stranger, parkish):
                self.assertEqual(intruder.digest()["origins"], [], intruder.name)
                peers = intruder.status()["peers"]
                self.assertFalse(peers[0]["connected"], intruder.name)
                self.assertEqual(peers[0]["bytes_in"], 0, intruder.name)
            # A served only B.
            self.assertEqual(a.counters().get("segments_sent", 0), b.counters()["segments_received"])


if __name__ == "__main__":
    unittest.main()
