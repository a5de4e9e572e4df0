printf '%b' '\x00@\x27\\' | curl --http1.1 --globoff --path-as-is \
  -X 'POST' \
  'http://h/x' \
  -H $'X-Bin: \xff\xfe' \
  -H 'X-Empty;' \
  -H 'User-Agent:' \
  --data-binary @-
