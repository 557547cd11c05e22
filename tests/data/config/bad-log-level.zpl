# no such log level
node
    name = shanghai
    city = 310000
    log_level = verbose
listen
    peer = tcp://127.0.0.1:7401
