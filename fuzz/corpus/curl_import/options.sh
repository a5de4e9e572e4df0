curl -G --json '{}' -u a:b -A x -e r -b 'c=d' --data-urlencode 'n@-' -I -XPUT 'h'
