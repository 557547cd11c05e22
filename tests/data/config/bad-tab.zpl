# a tab where 4 spaces belong
node
	name = shanghai
