# yrdx node configuration: 合肥市 Hefei (340100)
#
# One of four example city nodes (城市节点) forming a local Yangtze River Delta
# federation on loopback, for trying yrdx on one machine:
#
#     suzhou ── shanghai ── hangzhou ── hefei
#     (7431)     (7401)      (7411)     (7421)
#
# Hefei is at the end of the chain with one link, to Hangzhou, and still sees
# Shanghai's and Suzhou's records: Hangzhou forwards them, signed by their
# origin city.
#
# Format: ZPL (rfc.zeromq.org/spec:4). "key = value"; sections nest by indenting
# exactly 4 spaces; '#' starts a comment. Relative paths are relative to this
# file's directory. When yrdxctl adds or removes a peer or park it rewrites this
# file: comments starting in column 0 (like these) are kept, at the top;
# indented comments are replaced by the standard explanation of each key.
#
# The public keys in these examples are throwaway keys whose secret halves were
# discarded. For a real node, `yrdxctl init` generates the node's key pair
# (node/key_file) and a fresh config; give its public key to the other cities
# and enter theirs with `yrdxctl -c FILE peer add` (parks: `park add`).
# Example public key of this node: SOLLchmGfWtNnFzAoOpNOyxA6EDiZkMuHfX4B27yUc8=

node
    # Short name of this city node, as the other cities' configs name it.
    name = hefei
    # GB/T 2260 code of the city this node keeps the registry for.
    city = 340100    # 合肥
    # LMDB store: Hefei's own records plus what the other cities sent.
    data_dir = hefei/data
    # This node's Ed25519 key pair (secret, mode 0600), made by `yrdxctl init`.
    key_file = hefei/node.key
    # error | warn | info | debug
    log_level = info
    # Most the store may hold (LMDB's map, e.g. 512M, 16G, 1T): address space only,
    # the file grows as records arrive. When it is full the node stops taking
    # records and says so (status, log); raise this and restart to resume.
    map_size = 16G

listen
    # Other cities' nodes connect here to sync (CURVE; only keys under peers).
    peer = tcp://127.0.0.1:7421
    # Partner parks' yrdx-feed (接力孵化 cases addressed to them); "" = no feed.
    feed = tcp://127.0.0.1:7422
    # UNIX socket for yrdxctl on this machine (owner-only).
    control = hefei/control.sock
    # Prometheus metrics and status page, plain HTTP: keep it on localhost.
    metrics = 127.0.0.1:7423

sync
    # Times in milliseconds: heartbeat, silence after which a peer is down,
    # and the reconnect back-off (doubling from min to max).
    heartbeat_ms = 1000
    dead_after_ms = 5000
    reconnect_min_ms = 100
    reconnect_max_ms = 5000
    # Log segments (up to 4096 records each) in flight towards this node, shared
    # among its peers (at least 2 each): flow control, and a bound on memory.
    credit = 32

peers
    # Hangzhou: Hefei's only link. Hefei's records reach Shanghai and Suzhou
    # through it.
    hangzhou
        endpoint = tcp://127.0.0.1:7411
        public_key = "Va8GNw0Or6YGSXX1Z6o9eUo4bIEFSFP0kGUV9wP0RPM="
        share = incubator,enterprise,park,relay-event,joint,evaluation

parks
    # No partner park on Hefei's node in this example (see suzhou.zpl).
