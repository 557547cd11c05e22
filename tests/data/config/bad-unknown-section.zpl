# typo: a section named sinc
node
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
sinc
    heartbeat_ms = 1000
