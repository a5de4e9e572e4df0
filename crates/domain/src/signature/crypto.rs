//! The primitives: HMACs, encodings, constant-time comparison and the public-key checks.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

use super::scheme::{Encoding, HmacAlgorithm};

/// A secret turned into what a scheme checks with.
#[derive(Clone)]
pub(crate) enum Key {
    Hmac(Vec<u8>),
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
}

impl Key {
    pub(crate) fn describe(&self) -> String {
        match self {
            Key::Hmac(bytes) => format!("HMAC key of {} bytes", bytes.len()),
            Key::Ed25519(k) => format!("Ed25519 public key {}", hex::encode(k.as_bytes())),
            Key::P256(_) => "ECDSA P-256 public key".to_owned(),
        }
    }
}

pub(crate) fn hmac(algorithm: HmacAlgorithm, key: &[u8], content: &[u8]) -> Vec<u8> {
    // `new_from_slice` accepts keys of any length for HMAC, so the error arm cannot be reached;
    // an empty result would simply never match.
    match algorithm {
        HmacAlgorithm::Sha1 => Hmac::<Sha1>::new_from_slice(key)
            .map(|mut m| {
                m.update(content);
                m.finalize().into_bytes().to_vec()
            })
            .unwrap_or_default(),
        HmacAlgorithm::Sha256 => Hmac::<Sha256>::new_from_slice(key)
            .map(|mut m| {
                m.update(content);
                m.finalize().into_bytes().to_vec()
            })
            .unwrap_or_default(),
        HmacAlgorithm::Sha512 => Hmac::<Sha512>::new_from_slice(key)
            .map(|mut m| {
                m.update(content);
                m.finalize().into_bytes().to_vec()
            })
            .unwrap_or_default(),
    }
}

pub(crate) fn encode(encoding: Encoding, bytes: &[u8]) -> String {
    match encoding {
        Encoding::Hex => hex::encode(bytes),
        Encoding::Base64 => BASE64.encode(bytes),
    }
}

pub(crate) fn hmac_encoded(algorithm: HmacAlgorithm, encoding: Encoding, key: &[u8], content: &[u8]) -> String {
    encode(encoding, &hmac(algorithm, key, content))
}

/// Compares two encoded signatures in constant time (for equal lengths; the length itself is
/// not secret).
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

/// Base64 decoding that also takes the URL-safe alphabet and missing padding, because people
/// paste keys from many places.
pub(crate) fn b64_decode_lenient(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let text = text.trim();
    BASE64
        .decode(text)
        .or_else(|_| STANDARD_NO_PAD.decode(text))
        .or_else(|_| URL_SAFE.decode(text))
        .or_else(|_| URL_SAFE_NO_PAD.decode(text))
        .ok()
}

pub(crate) fn b64_decode_strict(text: &str) -> Option<Vec<u8>> {
    BASE64.decode(text).ok()
}

pub(crate) fn ed25519_public_from_bytes(bytes: &[u8]) -> Result<ed25519_dalek::VerifyingKey, String> {
    let array: [u8; 32] = bytes
        .try_into()
        .map_err(|_| format!("an Ed25519 public key is 32 bytes, this one is {} bytes", bytes.len()))?;
    ed25519_dalek::VerifyingKey::from_bytes(&array)
        .map_err(|_| "these 32 bytes are not a valid Ed25519 point".to_owned())
}

/// An Ed25519 signing key from a 32-byte seed, or a 64-byte libsodium secret key (seed ‖ public).
pub(crate) fn ed25519_signing_from_bytes(bytes: &[u8]) -> Result<ed25519_dalek::SigningKey, String> {
    let seed: [u8; 32] = match bytes.len() {
        32 | 64 => bytes.get(..32).and_then(|s| s.try_into().ok()).ok_or("unreadable seed")?,
        n => {
            return Err(format!(
                "an Ed25519 private key is a 32-byte seed (or 64 bytes seed+public), this one is {n} bytes"
            ));
        }
    };
    Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
}

pub(crate) fn ed25519_verify(key: &ed25519_dalek::VerifyingKey, content: &[u8], signature: &[u8]) -> bool {
    match ed25519_dalek::Signature::from_slice(signature) {
        Ok(sig) => key.verify_strict(content, &sig).is_ok(),
        Err(_) => false,
    }
}

pub(crate) fn ed25519_sign(key: &ed25519_dalek::SigningKey, content: &[u8]) -> Vec<u8> {
    use ed25519_dalek::Signer;
    key.sign(content).to_bytes().to_vec()
}

/// Strips PEM armor if present and base64-decodes the rest.
fn der_from_text(text: &str) -> Option<Vec<u8>> {
    let body: String = text.lines().map(str::trim).filter(|l| !l.starts_with("-----")).collect::<Vec<_>>().concat();
    b64_decode_lenient(&body)
}

/// A P-256 public key from base64 DER SubjectPublicKeyInfo (SendGrid's verification key), with
/// or without PEM armor.
pub(crate) fn p256_public_from_text(text: &str) -> Result<p256::ecdsa::VerifyingKey, String> {
    use p256::pkcs8::DecodePublicKey;
    let der =
        der_from_text(text).ok_or("the verification key is not base64 (expected base64 DER SubjectPublicKeyInfo)")?;
    p256::ecdsa::VerifyingKey::from_public_key_der(&der)
        .map_err(|_| "the verification key decodes from base64 but is not a P-256 SubjectPublicKeyInfo".to_owned())
}

/// A P-256 private key from base64 DER PKCS#8, with or without PEM armor.
pub(crate) fn p256_signing_from_text(text: &str) -> Result<p256::ecdsa::SigningKey, String> {
    use p256::pkcs8::DecodePrivateKey;
    let der = der_from_text(text).ok_or("the private key is not base64 (expected base64 DER PKCS#8)")?;
    p256::ecdsa::SigningKey::from_pkcs8_der(&der)
        .map_err(|_| "the private key decodes from base64 but is not a P-256 PKCS#8 key".to_owned())
}

pub(crate) fn p256_verify(key: &p256::ecdsa::VerifyingKey, content: &[u8], der_signature: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier;
    match p256::ecdsa::Signature::from_der(der_signature) {
        Ok(sig) => key.verify(content, &sig).is_ok(),
        Err(_) => false,
    }
}

pub(crate) fn p256_sign(key: &p256::ecdsa::SigningKey, content: &[u8]) -> Vec<u8> {
    use p256::ecdsa::signature::Signer;
    let sig: p256::ecdsa::Signature = key.sign(content);
    sig.to_der().as_bytes().to_vec()
}
