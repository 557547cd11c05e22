# yrdx node configuration: 苏州市 Suzhou (320500)
#
# One of four example city nodes (城市节点) forming a local Yangtze River Delta
# federation on loopback, for trying yrdx on one machine:
#
#     suzhou ── shanghai ── hangzhou ── hefei
#     (7431)     (7401)      (7411)     (7421)
#
# Suzhou links to Shanghai only, and serves one partner park on its feed port:
# Suzhou Industrial Park (苏州工业园区) receives the relay-incubation (接力孵化)
# cases whose destination it is, e.g. an enterprise graduating from a Shanghai
# or Hefei incubator and landing in the park.
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
# Example public key of this node: hqpXItu5IZnSFIeCbhHx2zD87TD3IXBmGIJ/meafi6U=

node
    # Short name of this city node, as the other cities' configs name it.
    name = suzhou
    # GB/T 2260 code of the city this node keeps the registry for.
    city = 320500    # 苏州
    # LMDB store: Suzhou's own records plus what the other cities sent.
    data_dir = suzhou/data
    # This node's Ed25519 key pair (secret, mode 0600), made by `yrdxctl init`.
    key_file = suzhou/node.key
    # error | warn | info | debug
    log_level = info
    # Most the store may hold (LMDB's map, e.g. 512M, 16G, 1T): address space only,
    # the file grows as records arrive. When it is full the node stops taking
    # records and says so (status, log); raise this and restart to resume.
    map_size = 16G

listen
    # Other cities' nodes connect here to sync (CURVE; only keys under peers).
    peer = tcp://127.0.0.1:7431
    # The partner parks below connect here with yrdx-feed. The node decides
    # which cases each park sees: the ones addressed to it.
    feed = tcp://127.0.0.1:7432
    # UNIX socket for yrdxctl on this machine (owner-only).
    control = suzhou/control.sock
    # Prometheus metrics and status page, plain HTTP: keep it on localhost.
    metrics = 127.0.0.1:7433

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
    # Shanghai: Suzhou's link to the rest of the federation.
    shanghai
        endpoint = tcp://127.0.0.1:7401
        public_key = "/JQcPfck9ieCfVh8Kw0ewFPapVEaKgoBKOkX2yfN65Q="
        share = incubator,enterprise,park,relay-event,joint,evaluation

parks
    # Suzhou Industrial Park: park_id is the id of its park record (the one
    # relay cases name as destination); public_key is its yrdx-feed's key,
    # never a city node's.
    suzhou-sip
        park_id = SZ-PARK-SIP
        public_key = "APZFwB5Xkhphj+XcsQ1aHhVWPb1YEmdkU5xEfDXkpjo="
