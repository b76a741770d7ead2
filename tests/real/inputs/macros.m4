define(`twice', `$1 $1')dnl
define(`count', `ifelse($1, 0, `done', `$1 count(decr($1))')')dnl
twice(`hello')
count(30)
translit(`leaktrace', `a-z', `A-Z')
