# 999999 is no city
node
    name = shanghai
    city = 999999
listen
    peer = tcp://127.0.0.1:7401
