"""Schemathesis hooks for run.sh (loaded with SCHEMATHESIS_HOOKS): keep the fuzzed routes that send
requests on loopback, and the long poll short.

Every JSON body the fuzzer sends (any route but /api/sign and /api/verify, whose `url` is only signed,
never fetched) has each string under a key `url`, at any depth (`url`, `edit.url`, `to.url`,
`forward.url`), rewritten so scheme, host and port are this run's: the engine's own receiver
(HOOKBENCH_FUZZ_RECEIVER), or for an endpoint's `forward.url` the sink (HOOKBENCH_FUZZ_SINK; forwarding
to the receiver could loop). The path, query and fragment the fuzzer made are kept, so odd inputs still
reach the API. Half of the event bodies with neither `url` nor `destination` get one (see below).
`wait` of GET /api/endpoints/{id}/poll becomes 0 or 1 s so a poll cannot hold a worker.

The rewrite runs in `before_call`, the last step before every request schemathesis sends (fuzzing,
stateful, coverage and examples phases alike), and changes the case in place, so the failure report and
its curl command show what was really sent. run.sh then checks every stored event's URL (check_loopback.py).
"""

import json
import os
import re
import zlib
from urllib.parse import urlsplit

import schemathesis


def _loopback_base(var):
    base = os.environ[var].rstrip("/")
    parts = urlsplit(base)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1" or not parts.port or parts.path:
        raise ValueError(f"{var} must be http://127.0.0.1:PORT, not {base!r}")
    return base


RECEIVER = _loopback_base("HOOKBENCH_FUZZ_RECEIVER")
SINK = _loopback_base("HOOKBENCH_FUZZ_SINK")

# Bodies whose `url` is only an input to a signature: nothing is fetched from it.
NOT_SENT = {("POST", "/api/sign"), ("POST", "/api/verify")}
# Bodies whose `url` is where the receiver forwards captures to (EndpointSettings.forward.url).
FORWARDING = {("POST", "/api/endpoints"), ("PUT", "/api/endpoints/{id}")}
POLL = ("GET", "/api/endpoints/{id}/poll")
EVENTS = ("POST", "/api/events")

# "scheme://authority" at the start, as loosely as any parser might read it (`\` counts as `/`).
_ORIGIN = re.compile(r"^[\x00-\x20]*[A-Za-z][A-Za-z0-9+.\-]*:[\\/]{2}[^/\\?#]*")


def to_loopback(url, base):
    """`url` with its scheme, host and port replaced by `base`; path, query and fragment kept."""
    rest = _ORIGIN.sub("", url, count=1)
    if not rest.startswith("/"):
        rest = "/" + rest
    out = base + rest
    # After "http://127.0.0.1:PORT/" every parser is in the path: nothing can name another host.
    # Belt and braces for the fuzzer's stranger strings:
    try:
        parts = urlsplit(out)
        safe = parts.hostname == "127.0.0.1" and parts.port == urlsplit(base).port
    except ValueError:
        safe = False
    return out if safe and out.startswith(base + "/") else base + "/fuzz"


def rewrite_urls(value, base):
    """Rewrites, in place, every string under a key `url` in nested dicts and lists; returns `value`."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "url" and isinstance(item, str):
                value[key] = to_loopback(item, base)
            else:
                rewrite_urls(item, base)
    elif isinstance(value, list):
        for item in value:
            rewrite_urls(item, base)
    return value


def short_wait(value):
    """A poll's `wait` as 0 or 1 s; a value with no digit at all is kept (the API must refuse it)."""
    if isinstance(value, list):
        return [short_wait(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return 1 if value >= 1 else 0
    if isinstance(value, str) and not re.search(r"\d", value):
        return value
    return "1"


@schemathesis.hook
def before_call(context, case, kwargs):
    op = case.operation
    key = (op.method.upper(), op.path)
    if key == EVENTS and isinstance(case.body, dict) and "url" not in case.body and "destination" not in case.body:
        # The schema cannot say "url or destination" (both optional), so the fuzzer mostly leaves out both
        # and gets 422: give half of those bodies (chosen by content, so a seed repeats) a URL, so the
        # rest of the fuzzed event (method, headers, policy, ...) reaches the sender.
        if zlib.crc32(json.dumps(case.body, sort_keys=True, default=str).encode()) % 2 == 0:
            case.body["url"] = RECEIVER + "/fuzz"
    if key not in NOT_SENT and isinstance(case.body, (dict, list)):
        rewrite_urls(case.body, SINK if key in FORWARDING else RECEIVER)
    if key == POLL and isinstance(case.query, dict) and "wait" in case.query:
        case.query["wait"] = short_wait(case.query["wait"])
