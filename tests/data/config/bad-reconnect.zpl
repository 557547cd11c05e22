# reconnect_max_ms below reconnect_min_ms
node
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
sync
    reconnect_min_ms = 2000
    reconnect_max_ms = 1000
