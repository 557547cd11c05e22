# indented by 3 spaces
node
    name = shanghai
   city = 310000
