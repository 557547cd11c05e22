# Only the required keys: every other value is a default.
node
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
