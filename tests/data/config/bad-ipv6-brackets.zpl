# IPv6 without brackets
node
    name = shanghai
    city = 310000
listen
    peer = tcp://::1:7401
