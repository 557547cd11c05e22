# node/city given twice
node
    name = shanghai
    city = 310000
    city = 320500
listen
    peer = tcp://127.0.0.1:7401
