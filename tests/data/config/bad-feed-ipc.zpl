# ipc is for peer endpoints only
node
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
    feed = ipc:///run/feed.ipc
