"""After the fuzz run: every event the engine stored (so every request it sent or will send) goes to
this run's receiver or sink on 127.0.0.1, never anywhere else. Pages through GET /api/events.
Usage: check_loopback.py API_URL TOKEN BASE_URL... (run by run.sh)."""

import json
import sys
import urllib.request


def on_loopback(url, bases):
    """`url` is one of `bases` or below it (the next character starts a path, query or fragment)."""
    return isinstance(url, str) and any(url == b or (url.startswith(b) and url[len(b)] in "/?#") for b in bases)


def events(api, token):
    before = None
    while True:
        path = "/api/events?limit=500" + (f"&before={before}" if before is not None else "")
        req = urllib.request.Request(api + path, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=20) as res:
            page = json.load(res)
        yield from page["items"]
        before = page.get("next_cursor")
        if before is None:
            return


def main():
    api, token, bases = sys.argv[1], sys.argv[2], [b.rstrip("/") for b in sys.argv[3:]]
    assert not on_loopback("http://127.0.0.1:1/x", ["http://127.0.0.1:12"]), "a longer port is not the base"
    assert not on_loopback("http://127.0.0.1:12@evil.example/", ["http://127.0.0.1:12"]), "userinfo trick"
    count, stray = 0, []
    for event in events(api, token):
        count += 1
        if not on_loopback(event.get("url"), bases):
            stray.append(f"event {event.get('id')}: {event.get('url')!r}")
    if count == 0:
        print("loopback: no event at all: the sending routes were not exercised")
    elif not stray:
        print(f"loopback: {count} events, all to {' or '.join(bases)}")
    else:
        print(f"loopback: {len(stray)} of {count} events go elsewhere than {' or '.join(bases)}:")
    for s in stray:
        print("  " + s)
    sys.exit(1 if stray or count == 0 else 0)


main()
