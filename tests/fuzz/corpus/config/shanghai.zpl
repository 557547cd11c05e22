# yrdx node configuration: 上海市 Shanghai (310000)
#
# One of four example city nodes (城市节点) forming a local Yangtze River Delta
# federation on loopback, for trying yrdx on one machine:
#
#     suzhou ── shanghai ── hangzhou ── hefei
#     (7431)     (7401)      (7411)     (7421)
#
# Each city keeps its own registry and syncs with the cities it is linked to.
# A chain is enough: every change is hash-chained and signed by the city that
# made it, so Hefei's records reach Suzhou through Hangzhou and Shanghai and
# are still verifiable there.
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
# Example public key of this node: /JQcPfck9ieCfVh8Kw0ewFPapVEaKgoBKOkX2yfN65Q=

node
    # Short name of this city node, as the other cities' configs name it.
    name = shanghai
    # GB/T 2260 code of the city this node keeps the registry for.
    city = 310000    # 上海
    # LMDB store: Shanghai's incubators, enterprises, parks, relay cases, joint
    # incubation agreements and evaluations, plus what the other cities sent.
    data_dir = shanghai/data
    # This node's Ed25519 key pair (secret, mode 0600), made by `yrdxctl init`.
    key_file = shanghai/node.key
    # error | warn | info | debug
    log_level = info
    # Most the store may hold (LMDB's map, e.g. 512M, 16G, 1T): address space only,
    # the file grows as records arrive. When it is full the node stops taking
    # records and says so (status, log); raise this and restart to resume.
    map_size = 16G

listen
    # Other cities' nodes connect here to sync (CURVE-encrypted; only the keys
    # listed under peers get in).
    peer = tcp://127.0.0.1:7401
    # Partner parks' yrdx-feed connects here for the relay-incubation (接力孵化)
    # cases addressed to them; "" = no feed. Only keys under parks get in.
    feed = tcp://127.0.0.1:7402
    # UNIX socket for yrdxctl on this machine (owner-only).
    control = shanghai/control.sock
    # Prometheus metrics and status page, plain HTTP: keep it on localhost.
    metrics = 127.0.0.1:7403

sync
    # Times in milliseconds. A peer hears from us at least every heartbeat_ms
    # and counts as down after dead_after_ms of silence.
    heartbeat_ms = 1000
    dead_after_ms = 5000
    # Reconnect back-off: starts at min, doubles up to max.
    reconnect_min_ms = 100
    reconnect_max_ms = 5000
    # Log segments (up to 4096 records each) in flight towards this node, shared
    # among its peers (at least 2 each): flow control, and a bound on memory.
    credit = 32

peers
    # Hangzhou: the next city on the chain towards Hefei. Shanghai passes on
    # every kind of record, including what it relays from Suzhou.
    hangzhou
        endpoint = tcp://127.0.0.1:7411
        public_key = "Va8GNw0Or6YGSXX1Z6o9eUo4bIEFSFP0kGUV9wP0RPM="
        share = incubator,enterprise,park,relay-event,joint,evaluation
    # Suzhou: joint incubation (联合孵化) with Shanghai's incubators and the
    # landing parks of relay cases.
    suzhou
        endpoint = tcp://127.0.0.1:7431
        public_key = "hqpXItu5IZnSFIeCbhHx2zD87TD3IXBmGIJ/meafi6U="
        share = incubator,enterprise,park,relay-event,joint,evaluation

parks
    # No partner park is attached to Shanghai's node in this example; see
    # suzhou.zpl for one. Add with `yrdxctl -c FILE park add`.
