# nothing but comments: every required key is missing
#
