# a peer without a key
node
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
peers
    hangzhou
        endpoint = tcp://127.0.0.1:7411
