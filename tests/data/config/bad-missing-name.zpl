# node/name missing
node
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
