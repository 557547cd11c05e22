# edit-base: a node the trust-store edit tests change.
# Column-0 comments like these two lines survive an edit.
node
    # An indented comment: zconfig drops it on load.
    name = shanghai
    city = 310000    # end-of-line comment, dropped too
listen
    peer = tcp://127.0.0.1:7401
    feed = tcp://127.0.0.1:7402
peers
    hangzhou
        endpoint = tcp://127.0.0.1:7411
        public_key = "rPeSjC1Eumn+qrHOykFdkt4MiQdUo4vWcHHB+IGsEns="
parks
    sip
        park_id = SZ-PARK-SIP
        public_key = "lPpPEyjZNaw35YInrLUsHoWad4OavKm6J/pn7xeF2pI="
