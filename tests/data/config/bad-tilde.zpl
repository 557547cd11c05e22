# ~ is not expanded
node
    name = shanghai
    city = 310000
    data_dir = ~/yrdx
listen
    peer = tcp://127.0.0.1:7401
