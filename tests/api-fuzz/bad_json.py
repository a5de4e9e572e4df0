"""Bad JSON on every route of the control API that takes a JSON body: each must be refused with
400, 415 or 422 and an error body {"code", "message"} with a message for a person, never 5xx.
Usage: bad_json.py API_URL TOKEN (run by run.sh against a fresh engine)."""

import json
import sys
import urllib.error
import urllib.request

api, token = sys.argv[1], sys.argv[2]

FIXED_CASES = [
    ("truncated JSON", b'{"name": "x", ', "application/json"),
    ("not JSON at all", b"<xml/>", "application/json"),
    ("a JSON array instead of an object", b"[1, 2, 3]", "application/json"),
    ("a JSON string instead of an object", b'"hello"', "application/json"),
    ("an empty body", b"", "application/json"),
    ("deeply nested", b"[" * 10000 + b"]" * 10000, "application/json"),
    ("JSON sent as text/plain", b"{}", "text/plain"),
]

JSON_TYPES = [("integer", 12345), ("string", "text"), ("array", []), ("object", {}), ("boolean", True)]


def resolve(doc, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema if isinstance(schema, dict) else {}


def wrong_value(doc, schema):
    """A value of a JSON type the property does not allow."""
    schema = resolve(doc, schema)
    allowed = schema.get("type", [])
    allowed = [allowed] if isinstance(allowed, str) else allowed
    if "number" in allowed:
        allowed = allowed + ["integer"]
    for json_type, value in JSON_TYPES:
        if allowed and json_type not in allowed:
            return value
    return []


def route_cases(doc, op):
    """Cases built from the route's own schema: its known fields with wrong types, invalid UTF-8."""
    schema = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
    props = schema.get("properties", {})
    if not props:
        return []
    wrong = json.dumps({name: wrong_value(doc, sub) for name, sub in props.items()}).encode()
    first = next(iter(props))
    utf8 = b'{"' + first.encode() + b'": "\xff\xfe\x80"}'
    return [("every known field with a wrong type", wrong, "application/json"),
            ("invalid UTF-8 in a field", utf8, "application/json")]


def call(method, path, body, content_type):
    req = urllib.request.Request(api + path, data=body, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=20) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main():
    doc = json.loads(call("GET", "/api/openapi.json", None, "application/json")[1])
    failures, tried, routes = [], 0, 0
    # Something to resend: an event to this engine's own receiver (loopback), so /resend reads its body.
    info = json.loads(call("GET", "/api/info", None, "application/json")[1])
    created = call("POST", "/api/events", json.dumps({"url": info["receiver_url"] + "/bad-json", "body": "{}"}).encode(),
                   "application/json")
    if created[0] != 201:
        failures.append(f"could not create an event to resend: {created}")
    for path, item in sorted(doc["paths"].items()):
        for method, op in item.items():
            if "application/json" not in op.get("requestBody", {}).get("content", {}):
                continue  # no body, or not a JSON one (e.g. /api/import takes the file's bytes)
            routes += 1
            concrete = path.replace("{id}", "1").replace("{plan}", "p")
            cases = FIXED_CASES + route_cases(doc, op)
            if not op["requestBody"].get("required"):
                # An optional body may be left out: then an empty or non-JSON one means "none".
                cases = [c for c in cases if c[0] not in ("an empty body", "JSON sent as text/plain")]
            for name, body, content_type in cases:
                tried += 1
                status, raw = call(method.upper(), concrete, body, content_type)
                where = f"{method.upper()} {concrete} with {name}"
                if status not in (400, 415, 422):
                    failures.append(f"{where}: {status} {raw[:200]!r}")
                    continue
                try:
                    err = json.loads(raw)
                except ValueError:
                    failures.append(f"{where}: {status} without a JSON error body: {raw[:200]!r}")
                    continue
                if not (isinstance(err, dict) and err.get("code") and len(str(err.get("message", ""))) >= 10):
                    failures.append(f"{where}: {status} without a code and a message: {err}")
    print(f"bad JSON: {tried} requests to {routes} JSON routes, {len(failures)} failures")
    for f in failures:
        print("  " + f)
    sys.exit(1 if failures else 0)


main()
