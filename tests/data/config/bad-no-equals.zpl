# a line without =
node
    name shanghai
    city = 310000
