# 44 characters of base64, but not an Ed25519 point
node
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
peers
    hangzhou
        endpoint = tcp://127.0.0.1:7411
        public_key = "ydNRM6gYlvsJ8A3hcqP6RExZnz1OagxEidyN9/txEPg="
