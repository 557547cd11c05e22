# a key with lines under it
node
    name = shanghai
        city = 310000
listen
    peer = tcp://127.0.0.1:7401
