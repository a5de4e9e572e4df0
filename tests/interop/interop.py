"""Hookbench against the providers' official Python libraries, through the `hookbench` CLI.

For each library: what the library signs, `hookbench verify` judges valid (and a tampered copy
invalid); what `hookbench sign` produces, the library accepts. Versions are pinned in
requirements.txt. The binary comes from $HOOKBENCH_BIN (default: target/debug/hookbench).

Providers without an official Python library (GitHub, Shopify, Linear, Intercom, Zoom) are
covered by the Rust tests' published vectors instead.
"""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("HOOKBENCH_BIN", str(REPO / "target" / "debug" / "hookbench"))
URL = "https://hooks.example.com/in/provider?x=1"
BODY = b'{"id":"evt_1","type":"thing.created","data":{"amount":100,"note":"caf\\u00e9"}}'


def _run(args, body):
    assert Path(BIN).exists(), f"the hookbench binary is not at {BIN}: build it or set HOOKBENCH_BIN"
    with tempfile.NamedTemporaryFile(suffix=".body", delete=False) as f:
        f.write(body)
        path = f.name
    try:
        return subprocess.run([BIN, *args, "--body", "@" + path, "--json"], capture_output=True, timeout=60)
    finally:
        os.unlink(path)


def hb_sign(scheme, secret, body, url=URL, timestamp=None, msg_id=None):
    """Returns ({header name: value}, body bytes to send)."""
    args = ["sign", "--scheme", scheme, "--secret", secret, "--url", url]
    if timestamp is not None:
        args += ["--timestamp", str(timestamp)]
    if msg_id is not None:
        args += ["--id", msg_id]
    out = _run(args, body)
    assert out.returncode == 0, f"hookbench sign failed ({out.returncode}): {out.stderr.decode()}"
    signed = json.loads(out.stdout)
    headers = {h["name"]: h["value"] for h in signed["headers"]}
    sent = base64.b64decode(signed["body_base64"]) if signed.get("body_base64") else body
    return headers, sent


def hb_verify(scheme, secrets, headers, body, url=URL, now=None, method="POST"):
    """Returns (valid, verdict). Checks the exit status agrees with the verdict."""
    args = ["verify", "--scheme", scheme, "--url", url, "--method", method]
    for secret in secrets:
        args += ["--secret", secret]
    for name, value in headers.items():
        args += ["--header", f"{name}: {value}"]
    if now is not None:
        args += ["--now", str(now)]
    out = _run(args, body)
    assert out.returncode in (0, 1), f"hookbench verify usage error ({out.returncode}): {out.stderr.decode()}"
    verdict = json.loads(out.stdout)
    assert (out.returncode == 0) == verdict["valid"], "exit 0 exactly when valid"
    return verdict["valid"], verdict


def flipped(body):
    """The body with one byte changed inside the first JSON name, so it stays parseable."""
    return body[:3] + bytes([body[3] ^ 1]) + body[4:]


def now():
    return int(time.time())


# --- Stripe (stripe 16.1.0) -------------------------------------------------------------

STRIPE_SECRET = "whsec_hookbench_interop_stripe_3f9a"


def test_stripe_library_signature_is_valid_in_hookbench():
    import stripe

    t = now()
    header = stripe.WebhookSignature.generate_signature_header(BODY.decode(), STRIPE_SECRET, timestamp=t)
    valid, verdict = hb_verify("stripe", [STRIPE_SECRET], {"Stripe-Signature": header}, BODY, now=t)
    assert valid, verdict["reason"]
    valid, _ = hb_verify("stripe", [STRIPE_SECRET], {"Stripe-Signature": header}, flipped(BODY), now=t)
    assert not valid, "a tampered body must fail"


def test_hookbench_stripe_signature_is_accepted_by_the_library():
    import stripe

    headers, body = hb_sign("stripe", STRIPE_SECRET, BODY, timestamp=now())
    assert stripe.WebhookSignature.verify_header(body, headers["Stripe-Signature"], STRIPE_SECRET, tolerance=300)


# --- Standard Webhooks (standardwebhooks 1.1.0) and Svix (svix 2.9.1) --------------------

WHSEC = "whsec_" + base64.b64encode(bytes(range(32))).decode()


def test_standardwebhooks_library_signature_is_valid_in_hookbench():
    from standardwebhooks.webhooks import Webhook

    t = now()
    sig = Webhook(WHSEC).sign("msg_interop_1", datetime.fromtimestamp(t, tz=timezone.utc), BODY.decode())
    headers = {"webhook-id": "msg_interop_1", "webhook-timestamp": str(t), "webhook-signature": sig}
    valid, verdict = hb_verify("standard-webhooks", [WHSEC], headers, BODY, now=t)
    assert valid, verdict["reason"]
    assert not hb_verify("standard-webhooks", [WHSEC], headers, flipped(BODY), now=t)[0], "tampered body"


def test_hookbench_standard_webhooks_signature_is_accepted_by_the_library():
    from standardwebhooks.webhooks import Webhook

    headers, body = hb_sign("standard-webhooks", WHSEC, BODY, timestamp=now(), msg_id="msg_interop_2")
    Webhook(WHSEC).verify(body, headers)  # raises WebhookVerificationError when invalid


def test_svix_library_signature_is_valid_in_hookbench():
    from svix.webhooks import Webhook

    t = now()
    sig = Webhook(WHSEC).sign("msg_interop_3", datetime.fromtimestamp(t, tz=timezone.utc), BODY.decode())
    headers = {"svix-id": "msg_interop_3", "svix-timestamp": str(t), "svix-signature": sig}
    valid, verdict = hb_verify("svix", [WHSEC], headers, BODY, now=t)
    assert valid, verdict["reason"]
    assert not hb_verify("svix", [WHSEC], headers, flipped(BODY), now=t)[0], "tampered body"


def test_hookbench_svix_signature_is_accepted_by_the_library():
    from svix.webhooks import Webhook

    headers, body = hb_sign("svix", WHSEC, BODY, timestamp=now(), msg_id="msg_interop_4")
    Webhook(WHSEC).verify(body, headers)


# --- Slack (slack_sdk 3.47.0) -------------------------------------------------------------

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def test_slack_library_signature_is_valid_in_hookbench():
    from slack_sdk.signature import SignatureVerifier

    t = str(now())
    sig = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=t, body=BODY)
    headers = {"X-Slack-Request-Timestamp": t, "X-Slack-Signature": sig}
    valid, verdict = hb_verify("slack", [SLACK_SECRET], headers, BODY, now=int(t))
    assert valid, verdict["reason"]
    assert not hb_verify("slack", [SLACK_SECRET], headers, flipped(BODY), now=int(t))[0], "tampered body"


def test_hookbench_slack_signature_is_accepted_by_the_library():
    from slack_sdk.signature import SignatureVerifier

    headers, body = hb_sign("slack", SLACK_SECRET, BODY, timestamp=now())
    assert SignatureVerifier(SLACK_SECRET).is_valid(
        body=body, timestamp=headers["X-Slack-Request-Timestamp"], signature=headers["X-Slack-Signature"]
    )


# --- Twilio (twilio 9.13.0) ----------------------------------------------------------------

TWILIO_TOKEN = "12345"
FORM = b"CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212"
FORM_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"


def test_twilio_library_signature_is_valid_in_hookbench():
    from twilio.request_validator import RequestValidator

    sig = RequestValidator(TWILIO_TOKEN).compute_signature(TWILIO_URL, FORM_PARAMS)
    valid, verdict = hb_verify("twilio", [TWILIO_TOKEN], {"X-Twilio-Signature": sig}, FORM, url=TWILIO_URL)
    assert valid, verdict["reason"]
    tampered = FORM.replace(b"Digits=1234", b"Digits=1235")
    assert not hb_verify("twilio", [TWILIO_TOKEN], {"X-Twilio-Signature": sig}, tampered, url=TWILIO_URL)[0]


def test_twilio_library_sha256_signature_is_valid_in_hookbench():
    from twilio.request_validator import RequestValidator

    sig = RequestValidator("shared-key-secret").compute_signature(TWILIO_URL, FORM_PARAMS, "HMAC_SHA256")
    headers = {"X-Twilio-Signature": sig, "X-Twilio-Webhooks-Signature-Settings": "key=KS1,algorithm=HMAC_SHA256"}
    valid, verdict = hb_verify("twilio", ["shared-key-secret"], headers, FORM, url=TWILIO_URL)
    assert valid, verdict["reason"]


def test_twilio_library_json_webhook_is_valid_in_hookbench():
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TWILIO_TOKEN)
    url = "https://mycompany.com/hook?bodySHA256=" + validator.compute_hash(BODY.decode())
    sig = validator.compute_signature(url, {})
    valid, verdict = hb_verify("twilio", [TWILIO_TOKEN], {"X-Twilio-Signature": sig}, BODY, url=url)
    assert valid, verdict["reason"]
    valid, verdict = hb_verify("twilio", [TWILIO_TOKEN], {"X-Twilio-Signature": sig}, flipped(BODY), url=url)
    assert not valid and verdict["reason"]["code"] == "body_hash_mismatch", verdict["reason"]


def test_hookbench_twilio_signature_is_accepted_by_the_library():
    from twilio.request_validator import RequestValidator

    headers, _ = hb_sign("twilio", TWILIO_TOKEN, FORM, url=TWILIO_URL)
    assert RequestValidator(TWILIO_TOKEN).validate(TWILIO_URL, FORM_PARAMS, headers["X-Twilio-Signature"])
    assert headers["X-Twilio-Signature"] == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "Twilio's documented value"


# --- Paddle Billing (paddle-python-sdk 1.16.1) ---------------------------------------------

PADDLE_SECRET = "pdl_ntfset_01hookbenchinterop_abcdef"


class _PaddleRequest:
    def __init__(self, headers, body):
        self.headers = headers
        self.body = body


def test_paddle_library_signature_is_valid_in_hookbench():
    from paddle_billing.Notifications.PaddleSignature import PaddleSignature

    t = now()
    h1 = PaddleSignature.calculate_hmac(PADDLE_SECRET, f"{t}:".encode() + BODY).hexdigest()
    headers = {"Paddle-Signature": f"ts={t};h1={h1}"}
    valid, verdict = hb_verify("paddle", [PADDLE_SECRET], headers, BODY, now=t)
    assert valid, verdict["reason"]
    assert not hb_verify("paddle", [PADDLE_SECRET], headers, flipped(BODY), now=t)[0], "tampered body"


def test_hookbench_paddle_signature_is_accepted_by_the_library():
    from paddle_billing.Notifications import Secret, Verifier

    headers, body = hb_sign("paddle", PADDLE_SECRET, BODY, timestamp=now())
    assert Verifier().verify(_PaddleRequest(headers, body), Secret(PADDLE_SECRET)), "within its ±5 s"


# --- Square (squareup 46) ------------------------------------------------------------------

SQUARE_KEY = "sq0wsk_hookbench_interop"


def test_square_signature_is_valid_in_hookbench_and_the_library_accepts_hookbenchs():
    from square.utils.webhooks_helper import verify_signature

    headers, body = hb_sign("square", SQUARE_KEY, BODY, url=URL)
    sig = headers["x-square-hmacsha256-signature"]
    assert verify_signature(request_body=body.decode(), signature_header=sig, signature_key=SQUARE_KEY, notification_url=URL)
    # The library only verifies; its computation, spelled out as its source does, signs here.
    lib_sig = base64.b64encode(hmac.new(SQUARE_KEY.encode(), (URL + BODY.decode()).encode(), hashlib.sha256).digest()).decode()
    assert verify_signature(request_body=BODY.decode(), signature_header=lib_sig, signature_key=SQUARE_KEY, notification_url=URL)
    valid, verdict = hb_verify("square", [SQUARE_KEY], {"x-square-hmacsha256-signature": lib_sig}, BODY, url=URL)
    assert valid, verdict["reason"]
    assert not hb_verify("square", [SQUARE_KEY], {"x-square-hmacsha256-signature": lib_sig}, flipped(BODY), url=URL)[0]


# --- Discord (discord-interactions 0.4.0, PyNaCl 1.6.2) -------------------------------------


def test_discord_signature_made_with_pynacl_is_valid_in_hookbench():
    from discord_interactions import verify_key
    from nacl.signing import SigningKey

    key = SigningKey(bytes(range(32)))
    public = key.verify_key.encode().hex()
    t = str(now())
    sig = key.sign(t.encode() + BODY).signature.hex()
    assert verify_key(BODY, sig, t, public), "the library agrees with PyNaCl"
    headers = {"X-Signature-Ed25519": sig, "X-Signature-Timestamp": t}
    valid, verdict = hb_verify("discord", [public], headers, BODY, now=int(t))
    assert valid, verdict["reason"]
    assert not hb_verify("discord", [public], headers, flipped(BODY), now=int(t))[0], "tampered body"


def test_hookbench_discord_signature_is_accepted_by_the_library():
    from discord_interactions import verify_key
    from nacl.signing import SigningKey

    seed = bytes(range(32, 64))
    public = SigningKey(seed).verify_key.encode().hex()
    headers, body = hb_sign("discord", seed.hex(), BODY, timestamp=now())
    assert verify_key(body, headers["X-Signature-Ed25519"], headers["X-Signature-Timestamp"], public)


# --- SendGrid (sendgrid 6.12.5) -------------------------------------------------------------


def _p256_pair():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, base64.b64encode(private).decode(), base64.b64encode(public).decode()


SENDGRID_BODY = b'[{"email":"a@example.com","event":"delivered","sg_event_id":"e1"}]\r\n'


def test_sendgrid_signature_verified_by_the_library_is_valid_in_hookbench():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from sendgrid.helpers.eventwebhook import EventWebhook

    key, _, public = _p256_pair()
    t = str(now())
    sig = base64.b64encode(key.sign(t.encode() + SENDGRID_BODY, ec.ECDSA(hashes.SHA256()))).decode()
    assert EventWebhook(public).verify_signature(SENDGRID_BODY.decode(), sig, t), "the library agrees"
    headers = {"X-Twilio-Email-Event-Webhook-Signature": sig, "X-Twilio-Email-Event-Webhook-Timestamp": t}
    valid, verdict = hb_verify("sendgrid", [public], headers, SENDGRID_BODY, now=int(t))
    assert valid, verdict["reason"]
    assert not hb_verify("sendgrid", [public], headers, flipped(SENDGRID_BODY), now=int(t))[0], "tampered body"


def test_hookbench_sendgrid_signature_is_accepted_by_the_library():
    from sendgrid.helpers.eventwebhook import EventWebhook

    _, private, public = _p256_pair()
    headers, body = hb_sign("sendgrid", private, SENDGRID_BODY, timestamp=now())
    assert EventWebhook(public).verify_signature(
        body.decode(),
        headers["X-Twilio-Email-Event-Webhook-Signature"],
        headers["X-Twilio-Email-Event-Webhook-Timestamp"],
    )


# --- Mailgun (mailgun 1.10.0) ---------------------------------------------------------------

MAILGUN_KEY = "key-hookbench-interop-0123456789"


def test_mailgun_signature_is_valid_both_ways():
    from mailgun.security import SecurityGuard

    t = now()
    _, body = hb_sign("mailgun", MAILGUN_KEY, b'{"event":"delivered","id":"m1"}', timestamp=t, msg_id="tok" * 10)
    sig = json.loads(body)["signature"]
    assert SecurityGuard.verify_webhook(MAILGUN_KEY, sig["token"], sig["timestamp"], sig["signature"]), "library accepts"
    # The library only verifies; it hashes timestamp+token, which signs a body of our own here.
    token = "a" * 50
    lib_sig = hmac.new(MAILGUN_KEY.encode(), f"{t}{token}".encode(), hashlib.sha256).hexdigest()
    assert SecurityGuard.verify_webhook(MAILGUN_KEY, token, str(t), lib_sig)
    payload = json.dumps({"signature": {"timestamp": str(t), "token": token, "signature": lib_sig}, "event-data": {}}).encode()
    valid, verdict = hb_verify("mailgun", [MAILGUN_KEY], {}, payload, now=t)
    assert valid, verdict["reason"]
    assert not hb_verify("mailgun", [MAILGUN_KEY], {}, payload.replace(b"aaaa", b"aaab", 1), now=t)[0], "token changed"


# --- Failures explained through the CLI ------------------------------------------------------


def test_a_stale_stripe_request_is_invalid_with_the_skew_in_the_verdict():
    import stripe

    t = now()
    header = stripe.WebhookSignature.generate_signature_header(BODY.decode(), STRIPE_SECRET, timestamp=t - 1000)
    valid, verdict = hb_verify("stripe", [STRIPE_SECRET], {"Stripe-Signature": header}, BODY, now=t)
    assert not valid
    assert verdict["reason"]["code"] == "timestamp_too_old" and verdict["skew_secs"] == 1000, verdict


@pytest.mark.parametrize("scheme", ["stripe", "github", "standard-webhooks", "slack", "paddle"])
def test_the_cli_reports_a_missing_header_as_a_usage_free_invalid_verdict(scheme):
    valid, verdict = hb_verify(scheme, ["s3cret"], {}, BODY, now=now())
    assert not valid and verdict["reason"]["code"] == "header_missing", verdict["reason"]
