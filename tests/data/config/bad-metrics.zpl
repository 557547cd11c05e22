# metrics needs HOST:PORT
node
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
    metrics = 7403
