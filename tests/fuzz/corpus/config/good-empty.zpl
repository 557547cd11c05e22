# Empty sections, feed and metrics turned off explicitly, control beside the file.
node
    name = hefei
    city = 340100
listen
    peer = ipc://@yrdx-hefei
    feed = ""
    metrics =
    control = hefei.sock
sync
peers
parks
