# zero segments in flight
node
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
sync
    credit = 0
