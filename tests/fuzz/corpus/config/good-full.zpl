# Every key given, with the forms the loader accepts:
# quoted and unquoted values, end-of-line comments, paths to normalise,
# IPv6, host names, ipc and wildcard endpoints, share lists, unsorted peers.
node
    name = hangzhou-2
    city = 330100              # 杭州
    data_dir = ./var/../state//data/
    key_file = "/etc/yrdx/hangzhou.key"
    log_level = debug

listen
    peer = tcp://*:7411        # every interface
    feed = 'tcp://[::1]:7412'
    control = /run/yrdx/hangzhou.sock
    metrics = localhost:7413

sync
    heartbeat_ms = 250
    dead_after_ms = 500
    reconnect_min_ms = 50
    reconnect_max_ms = 60000
    credit = 1

peers
    shanghai
        endpoint = tcp://node.shanghai.example.cn:7401
        public_key = "rPeSjC1Eumn+qrHOykFdkt4MiQdUo4vWcHHB+IGsEns="
        share = all
    hefei
        endpoint = ipc://hefei.ipc
        public_key = lPpPEyjZNaw35YInrLUsHoWad4OavKm6J/pn7xeF2pI=
        share = none
    suzhou
        public_key = '3FToyGUXjtwrqXFqOMlQjC4FyREa9jQOmCucwggjapY='
        endpoint = tcp://[2001:db8::7]:7431
        share = evaluation, incubator,park
    anhui-wuhu
        endpoint = tcp://10.0.0.5:7441
        public_key = "5LXV6wO2eOnvQk789vCwd8UdEAAUAJDHq4EWWnEyFkk="

parks
    zj-sci
        park_id = "ZJ 科学城-01"
        public_key = "7rq6Yxuxuv8b/FKHBNh8BJMszoyciFD+WRo/3N7Bzm0="
    binjiang
        park_id = HZ-PARK-BJ
        public_key = "b9LA8niLb75e53dAJNSDoV4hfCOFnZccGe0oz70z35k="
