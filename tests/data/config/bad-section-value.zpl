# a section with a value
node = main
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
