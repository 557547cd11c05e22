# typo in a share list
node
    name = shanghai
    city = 310000
listen
    peer = tcp://127.0.0.1:7401
peers
    hangzhou
        endpoint = tcp://127.0.0.1:7411
        public_key = "rPeSjC1Eumn+qrHOykFdkt4MiQdUo4vWcHHB+IGsEns="
        share = incubator,enterprize
