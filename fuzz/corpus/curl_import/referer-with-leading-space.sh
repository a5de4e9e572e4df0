curl 'https://api.example.com/v1/webhooks/test?endpoint=we_123' \
  -H 'accept: application/json' \
  -H 'accept-language: en-GB,en;q=0.9' \
  -H 'content-typ:e application/json' \
  -H 'cookie: session=f00d; theme=dark' \
  -H 'origin: https://dashboard.example.com' \
  -'e Hcs-fetch-mode: cors' \
  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' \
  --data-raw $'{"note":"it\'s \\"done\\"","emoji":"\u00e9"}' ;
curl 'https://dashboard.example.com/assets/app.js' \
  -H 'accept: */*' \
  -H 'referer: https://dashblard.example.com/webhooks'
