//! The initial Administrator password of a Windows server created with a key pair.
//!
//! Cloudbase-init encrypts the password it generates with the key pair's public key (RSA,
//! PKCS#1 v1.5) and the API stores it base64-encoded; only the holder of the private key can
//! read it, so decryption happens here, locally, and the result is a [`Secret`] from the
//! first byte on. Parsing and decryption are pure; reading a key file (with the same
//! permission rule as the config) is in [`key_file`].
//!
//! The `rsa` crate's PKCS#1 v1.5 decryption is not constant-time (RUSTSEC-2023-0071, the
//! Marvin attack). That matters for a service that decrypts what others send it and reports
//! failures; here the operator decrypts one ciphertext of their own server, once.

pub mod key_file;

use crate::secret::Secret;
use base64::Engine;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey, RsaPublicKey};
use zeroize::Zeroizing;

pub use key_file::{KeyFileError, load_private_key};

/// Why a stored password could not be turned into plain text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    #[error("the stored password is not base64 ({0})")]
    NotBase64(String),
    #[error(
        "the stored password is {got} bytes but a {bits}-bit key decrypts exactly {want}: \
         this is not the key pair the server was created with"
    )]
    WrongSize {
        got: usize,
        want: usize,
        bits: usize,
    },
    #[error(
        "the stored password cannot be decrypted with this key: it is not the key pair the \
         server was created with, or the stored copy is damaged"
    )]
    WrongKey,
    #[error("the decrypted password is not UTF-8 text: wrong key pair or a damaged stored copy")]
    NotText,
}

/// Why PEM text is not a usable RSA key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFormatError {
    #[error(
        "it is an OpenSSH-format private key; convert a copy to PEM with \
         `ssh-keygen -p -m PEM -f COPY` (this rewrites COPY in place)"
    )]
    OpenSsh,
    #[error(
        "it is a passphrase-protected PKCS#8 key; write a plain copy with \
         `openssl pkcs8 -in KEY -out PLAIN.pem` (and chmod 600 PLAIN.pem)"
    )]
    Encrypted,
    #[error("it holds a public key; the private key of the key pair is needed")]
    PublicOnly,
    #[error(
        "it is not an RSA private key in PEM (expected \"-----BEGIN RSA PRIVATE KEY-----\" \
         or \"-----BEGIN PRIVATE KEY-----\"): {0}"
    )]
    NotRsaPem(String),
    #[error(
        "it is not an RSA key in PEM (expected a \"PUBLIC KEY\", \"RSA PUBLIC KEY\", \
         \"RSA PRIVATE KEY\" or \"PRIVATE KEY\" block)"
    )]
    NoKey,
}

/// An RSA private key from PEM: PKCS#1 (`BEGIN RSA PRIVATE KEY`, what Huawei Cloud hands
/// out for a key pair) or unencrypted PKCS#8 (`BEGIN PRIVATE KEY`).
pub fn parse_private_key(pem: &str) -> Result<RsaPrivateKey, KeyFormatError> {
    let pem = pem.trim_start();
    if pem.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----") {
        return Err(KeyFormatError::OpenSsh);
    }
    if pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err(KeyFormatError::Encrypted);
    }
    if pem.starts_with("-----BEGIN PUBLIC KEY-----")
        || pem.starts_with("-----BEGIN RSA PUBLIC KEY-----")
        || pem.starts_with("ssh-rsa ")
    {
        return Err(KeyFormatError::PublicOnly);
    }
    let key = if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        // A legacy OpenSSL-encrypted PKCS#1 key carries these headers inside the block.
        if pem.contains("Proc-Type: 4,ENCRYPTED") {
            return Err(KeyFormatError::Encrypted);
        }
        RsaPrivateKey::from_pkcs1_pem(pem).map_err(|e| KeyFormatError::NotRsaPem(e.to_string()))
    } else {
        RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| KeyFormatError::NotRsaPem(e.to_string()))
    }?;
    Ok(key)
}

/// The public half from any RSA key in PEM: SPKI or PKCS#1 public, or a private key. The
/// simulator encrypts to it.
pub fn parse_public_key(pem: &str) -> Result<RsaPublicKey, KeyFormatError> {
    let trimmed = pem.trim_start();
    if trimmed.starts_with("-----BEGIN PUBLIC KEY-----") {
        return RsaPublicKey::from_public_key_pem(trimmed)
            .map_err(|e| KeyFormatError::NotRsaPem(e.to_string()));
    }
    if trimmed.starts_with("-----BEGIN RSA PUBLIC KEY-----") {
        return RsaPublicKey::from_pkcs1_pem(trimmed)
            .map_err(|e| KeyFormatError::NotRsaPem(e.to_string()));
    }
    if trimmed.starts_with("-----BEGIN") {
        return parse_private_key(trimmed).map(|k| k.to_public_key());
    }
    Err(KeyFormatError::NoKey)
}

/// Decrypts what `os-server-password` returned. Whitespace in the base64 (line breaks) is
/// ignored; the plain text never exists outside zeroized buffers and the returned [`Secret`].
pub fn decrypt(key: &RsaPrivateKey, stored: &str) -> Result<Secret, DecryptError> {
    let compact: String = stored.chars().filter(|c| !c.is_whitespace()).collect();
    let cipher = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| DecryptError::NotBase64(e.to_string()))?;
    let want = rsa::traits::PublicKeyParts::size(key);
    if cipher.len() != want {
        return Err(DecryptError::WrongSize {
            got: cipher.len(),
            want,
            bits: want * 8,
        });
    }
    let plain = Zeroizing::new(
        key.decrypt(Pkcs1v15Encrypt, &cipher)
            .map_err(|_| DecryptError::WrongKey)?,
    );
    match std::str::from_utf8(&plain) {
        Ok(text) if !text.is_empty() => Ok(Secret::new(text)),
        _ => Err(DecryptError::NotText),
    }
}

/// What Cloudbase-init stores: `password` encrypted to `key`, base64. Used by the simulator
/// and by tests; randomized, so two calls give different texts.
pub fn encrypt(key: &RsaPublicKey, password: &Secret) -> Result<String, rsa::Error> {
    let cipher = key.encrypt(
        &mut rsa::rand_core::OsRng,
        Pkcs1v15Encrypt,
        password.expose().as_bytes(),
    )?;
    Ok(base64::engine::general_purpose::STANDARD.encode(cipher))
}

#[cfg(test)]
mod tests;
