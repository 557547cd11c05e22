# endpoint without a port
node
    name = shanghai
    city = 310000
listen
    peer = tcp://host
