# yrdx node configuration: 杭州市 Hangzhou (330100)
#
# One of four example city nodes (城市节点) forming a local Yangtze River Delta
# federation on loopback, for trying yrdx on one machine:
#
#     suzhou ── shanghai ── hangzhou ── hefei
#     (7431)     (7401)      (7411)     (7421)
#
# Hangzhou sits in the middle of the chain: it forwards Shanghai's and Suzhou's
# records to Hefei and Hefei's to Shanghai. Forwarded changes stay signed by
# their origin city, so Hefei verifies Shanghai's records without trusting
# Hangzhou.
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
# Example public key of this node: Va8GNw0Or6YGSXX1Z6o9eUo4bIEFSFP0kGUV9wP0RPM=

node
    # Short name of this city node, as the other cities' configs name it.
    name = hangzhou
    # GB/T 2260 code of the city this node keeps the registry for.
    city = 330100    # 杭州
    # LMDB store: Hangzhou's own records plus what the other cities sent.
    data_dir = hangzhou/data
    # This node's Ed25519 key pair (secret, mode 0600), made by `yrdxctl init`.
    key_file = hangzhou/node.key
    # error | warn | info | debug
    log_level = info
    # Most the store may hold (LMDB's map, e.g. 512M, 16G, 1T): address space only,
    # the file grows as records arrive. When it is full the node stops taking
    # records and says so (status, log); raise this and restart to resume.
    map_size = 16G

listen
    # Other cities' nodes connect here to sync (CURVE; only keys under peers).
    peer = tcp://127.0.0.1:7411
    # Partner parks' yrdx-feed (接力孵化 cases addressed to them); "" = no feed.
    feed = tcp://127.0.0.1:7412
    # UNIX socket for yrdxctl on this machine (owner-only).
    control = hangzhou/control.sock
    # Prometheus metrics and status page, plain HTTP: keep it on localhost.
    metrics = 127.0.0.1:7413

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
    # Shanghai: everything, both ways.
    shanghai
        endpoint = tcp://127.0.0.1:7401
        public_key = "/JQcPfck9ieCfVh8Kw0ewFPapVEaKgoBKOkX2yfN65Q="
        share = incubator,enterprise,park,relay-event,joint,evaluation
    # Hefei: everything except evaluations (milestone results and subsidies),
    # which this example keeps inside Shanghai, Suzhou and Hangzhou. Withheld
    # changes still travel as stubs (sequence and hash) so Hefei can verify
    # every chain; it just does not see those records.
    hefei
        endpoint = tcp://127.0.0.1:7421
        public_key = "SOLLchmGfWtNnFzAoOpNOyxA6EDiZkMuHfX4B27yUc8="
        share = incubator,enterprise,park,relay-event,joint

parks
    # No partner park on Hangzhou's node in this example (see suzhou.zpl).
