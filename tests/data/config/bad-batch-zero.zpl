# zero records per batch
node
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
sync
    batch_records = 0
