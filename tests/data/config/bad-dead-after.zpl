# dead_after_ms less than twice heartbeat_ms
node
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
sync
    heartbeat_ms = 1000
    dead_after_ms = 1500
