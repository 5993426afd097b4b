//! The cryptography the three providers' protocols share: RSA SHA256withRSA (PKCS#1 v1.5)
//! signatures over strings, PEM keys, and AEAD_AES_256_GCM for WeChat Pay's encrypted resources.
//! Private-key operations go through aws-lc-rs (constant-time; the `rsa` crate has an open timing
//! advisory). Private keys never appear in `Debug` output or logs.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::Rng;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("not a PEM {0} key")]
    NotPem(&'static str),
    #[error("the key is not a usable RSA {0} key")]
    BadKey(&'static str),
    #[error("RSA key generation failed")]
    Generate,
    #[error("signing failed")]
    Sign,
    #[error("the AEAD key must be 32 bytes and the nonce 12")]
    AeadParameters,
    #[error("the ciphertext does not decrypt under this key (wrong key, nonce, associated data or tampered)")]
    Decrypt,
}

/// A merchant's or platform's RSA private key.
pub struct PrivateKey {
    pair: KeyPair,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

impl PrivateKey {
    /// `-----BEGIN PRIVATE KEY-----` (PKCS#8) or `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1); bare
    /// base64 (as provider consoles hand it out) is read as PKCS#8, then PKCS#1.
    pub fn from_pem(pem: &str) -> Result<PrivateKey, CryptoError> {
        let der = pem_body(pem).ok_or(CryptoError::NotPem("private"))?;
        let pair = KeyPair::from_pkcs8(&der)
            .or_else(|_| KeyPair::from_der(&der))
            .map_err(|_| CryptoError::BadKey("private"))?;
        Ok(PrivateKey { pair })
    }

    /// SHA256withRSA over `message`, base64 (no line breaks) as every provider expects.
    pub fn sign(&self, message: &[u8]) -> Result<String, CryptoError> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut signature).map_err(|_| CryptoError::Sign)?;
        Ok(BASE64.encode(signature))
    }

    /// The matching public key.
    pub fn public_key(&self) -> Result<PublicKey, CryptoError> {
        let der = self.pair.public_key().as_der().map_err(|_| CryptoError::BadKey("public"))?;
        Ok(PublicKey { der: der.as_ref().to_vec() })
    }
}

/// An RSA public key that verifies SHA256withRSA signatures.
#[derive(Clone)]
pub struct PublicKey {
    /// SubjectPublicKeyInfo or PKCS#1 DER; aws-lc-rs accepts both.
    der: Vec<u8>,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({} bytes)", self.der.len())
    }
}

impl PublicKey {
    pub fn from_pem(pem: &str) -> Result<PublicKey, CryptoError> {
        let der = pem_body(pem).ok_or(CryptoError::NotPem("public"))?;
        let key = PublicKey { der };
        // Reject something that cannot be a 2048-bit key now rather than at the first notification.
        if key.der.len() < 128 {
            return Err(CryptoError::BadKey("public"));
        }
        Ok(key)
    }

    /// Whether `signature_base64` is this key's SHA256withRSA signature of `message`.
    pub fn verify(&self, message: &[u8], signature_base64: &str) -> bool {
        let Ok(signature) = BASE64.decode(signature_base64.trim()) else {
            return false;
        };
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.der).verify(message, &signature).is_ok()
    }

    pub fn to_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.der)
    }
}

/// A fresh 2048-bit key pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM).
pub fn generate_key_pair() -> Result<(String, String), CryptoError> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| CryptoError::Generate)?;
    let private = pair.as_der().map_err(|_| CryptoError::Generate)?;
    let public = pair.public_key().as_der().map_err(|_| CryptoError::Generate)?;
    Ok((pem_encode("PRIVATE KEY", private.as_ref()), pem_encode("PUBLIC KEY", public.as_ref())))
}

/// AEAD_AES_256_GCM as WeChat Pay uses it: key = the 32-character API v3 key, nonce = 12 ASCII
/// characters; the result is base64(ciphertext ‖ tag).
pub fn aes_gcm_encrypt(key: &[u8], nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<String, CryptoError> {
    let sealing = aead_key(key)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::AeadParameters)?;
    let mut buffer = plaintext.to_vec();
    sealing.seal_in_place_append_tag(nonce, Aad::from(aad), &mut buffer).map_err(|_| CryptoError::AeadParameters)?;
    Ok(BASE64.encode(buffer))
}

pub fn aes_gcm_decrypt(key: &[u8], nonce: &[u8], aad: &[u8], ciphertext_base64: &str) -> Result<Vec<u8>, CryptoError> {
    let opening = aead_key(key)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::AeadParameters)?;
    let mut buffer = BASE64.decode(ciphertext_base64.trim()).map_err(|_| CryptoError::Decrypt)?;
    let plain = opening.open_in_place(nonce, Aad::from(aad), &mut buffer).map_err(|_| CryptoError::Decrypt)?;
    Ok(plain.to_vec())
}

fn aead_key(key: &[u8]) -> Result<LessSafeKey, CryptoError> {
    let unbound = UnboundKey::new(&AES_256_GCM, key).map_err(|_| CryptoError::AeadParameters)?;
    Ok(LessSafeKey::new(unbound))
}

/// Random letters and digits (nonces, trade numbers, share codes).
pub fn random_token(length: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..length).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = BASE64.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// The DER inside a PEM block, or bare base64.
fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem.lines().map(str::trim).filter(|line| !line.starts_with("-----")).collect();
    BASE64.decode(body).ok().filter(|der| !der.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_round_trip_and_tamper() {
        let (private, public) = generate_key_pair().unwrap();
        let private = PrivateKey::from_pem(&private).unwrap();
        let public = PublicKey::from_pem(&public).unwrap();
        let signature = private.sign("a=1&b=2".as_bytes()).unwrap();
        assert!(public.verify(b"a=1&b=2", &signature));
        assert!(!public.verify(b"a=1&b=3", &signature));
        assert!(!public.verify(b"a=1&b=2", "not base64!"));
        assert_eq!(private.public_key().unwrap().to_pem(), public.to_pem());
        assert_eq!(format!("{private:?}"), "PrivateKey(<redacted>)");
    }

    #[test]
    fn aes_gcm_round_trip_and_wrong_aad() {
        let key = b"0123456789abcdef0123456789abcdef";
        let sealed = aes_gcm_encrypt(key, b"nonce1234567", b"transaction", "{\"x\":1}".as_bytes()).unwrap();
        assert_eq!(aes_gcm_decrypt(key, b"nonce1234567", b"transaction", &sealed).unwrap(), b"{\"x\":1}");
        assert!(aes_gcm_decrypt(key, b"nonce1234567", b"other", &sealed).is_err());
        assert!(aes_gcm_encrypt(b"short", b"nonce1234567", b"", b"x").is_err());
    }
}
