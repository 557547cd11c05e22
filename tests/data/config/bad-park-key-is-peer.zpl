# a park with a peer's key
node
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
peers
    hangzhou
        endpoint = tcp://127.0.0.1:7411
        public_key = "rPeSjC1Eumn+qrHOykFdkt4MiQdUo4vWcHHB+IGsEns="
parks
    sip
        park_id = SZ-PARK-SIP
        public_key = "rPeSjC1Eumn+qrHOykFdkt4MiQdUo4vWcHHB+IGsEns="
