# unterminated quote
node
    name = "shanghai
