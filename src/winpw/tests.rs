use super::*;
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey, LineEnding};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
use std::sync::OnceLock;

/// One 2048-bit key for every test: generating one takes a moment in a debug build.
fn key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap())
}

const PW: &str = "Kp7!init-Admin-Pw";

#[test]
fn round_trip_with_a_key_generated_here_in_both_pem_forms() {
    let stored = encrypt(&key().to_public_key(), &Secret::new(PW)).unwrap();
    let pkcs1 = key().to_pkcs1_pem(LineEnding::LF).unwrap();
    let pkcs8 = key().to_pkcs8_pem(LineEnding::CRLF).unwrap();
    assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    assert!(pkcs8.starts_with("-----BEGIN PRIVATE KEY-----"));
    for pem in [pkcs1.as_str(), pkcs8.as_str()] {
        let k = parse_private_key(pem).unwrap();
        assert_eq!(decrypt(&k, &stored).unwrap().expose(), PW);
    }
    // Randomized padding: the same password never gives the same stored text twice.
    assert_ne!(
        stored,
        encrypt(&key().to_public_key(), &Secret::new(PW)).unwrap()
    );
}

/// Interoperability: a ciphertext made by OpenSSL (`openssl pkeyutl -encrypt -pkeyopt
/// rsa_padding_mode:pkcs1`, base64 with line breaks every 64 characters) to a key made by
/// `openssl genrsa -traditional`. Both files exist only for this test.
#[test]
fn decrypts_what_openssl_encrypted() {
    let k = parse_private_key(include_str!("testdata/openssl-pkcs1.pem")).unwrap();
    let stored = include_str!("testdata/openssl-cipher.b64");
    assert!(stored.trim().contains('\n'), "the fixture has line breaks");
    assert_eq!(decrypt(&k, stored).unwrap().expose(), "Vx9#openssl-Init!pw");
}

#[test]
fn a_different_key_is_refused_not_misread() {
    let other = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
    let stored = encrypt(&key().to_public_key(), &Secret::new(PW)).unwrap();
    assert_eq!(
        decrypt(&other, &stored).unwrap_err(),
        DecryptError::WrongSize {
            got: 256,
            want: 128,
            bits: 1024
        }
    );
    let same_size = parse_private_key(include_str!("testdata/openssl-pkcs1.pem")).unwrap();
    assert_eq!(
        decrypt(&same_size, &stored).unwrap_err(),
        DecryptError::WrongKey
    );
}

#[test]
fn damaged_stored_text_gets_a_specific_error() {
    assert!(matches!(
        decrypt(key(), "not base64 at all!").unwrap_err(),
        DecryptError::NotBase64(_)
    ));
    // Valid base64 of the right length whose padding does not check out.
    let junk = base64::engine::general_purpose::STANDARD.encode([0x5a; 256]);
    assert_eq!(decrypt(key(), &junk).unwrap_err(), DecryptError::WrongKey);
    // Bytes that decrypt but are not text.
    let binary = key()
        .to_public_key()
        .encrypt(&mut rsa::rand_core::OsRng, Pkcs1v15Encrypt, &[0xff, 0xfe])
        .unwrap();
    let binary = base64::engine::general_purpose::STANDARD.encode(binary);
    assert_eq!(decrypt(key(), &binary).unwrap_err(), DecryptError::NotText);
}

#[test]
fn key_formats_that_cannot_work_say_what_to_do() {
    let public = key()
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    assert_eq!(
        parse_private_key(&public).unwrap_err(),
        KeyFormatError::PublicOnly
    );
    let ssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    let e = parse_private_key(ssh).unwrap_err();
    assert_eq!(e, KeyFormatError::OpenSsh);
    assert!(e.to_string().contains("ssh-keygen -p -m PEM"), "{e}");
    let enc = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHzBJBgkqhkiG9w0BBQ0w\n-----END ENCRYPTED PRIVATE KEY-----\n";
    assert_eq!(
        parse_private_key(enc).unwrap_err(),
        KeyFormatError::Encrypted
    );
    let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    assert_eq!(
        parse_private_key(legacy).unwrap_err(),
        KeyFormatError::Encrypted
    );
    assert!(matches!(
        parse_private_key("hello").unwrap_err(),
        KeyFormatError::NotRsaPem(_)
    ));
}

#[test]
fn the_public_half_comes_from_any_rsa_pem() {
    let want = key().to_public_key();
    let forms = [
        want.to_public_key_pem(LineEnding::LF).unwrap(),
        want.to_pkcs1_pem(LineEnding::LF).unwrap(),
        key().to_pkcs1_pem(LineEnding::LF).unwrap().to_string(),
        key().to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
    ];
    for pem in &forms {
        assert_eq!(parse_public_key(pem).unwrap(), want, "{pem}");
    }
    assert_eq!(
        parse_public_key("ssh-rsa AAAA").unwrap_err(),
        KeyFormatError::NoKey
    );
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_or_write_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let path = dir.join("kp.pem");
    std::fs::write(
        &path,
        key().to_pkcs1_pem(LineEnding::LF).unwrap().as_bytes(),
    )
    .unwrap();
    for (mode, access) in [
        (0o644, "readable"),
        (0o640, "readable"),
        (0o620, "writable"),
    ] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let e = load_private_key(&path).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "key file {p} is {access} by group or others (mode {mode:04o}) and holds a \
                 private key; run: chmod 600 {p}",
                p = path.display()
            )
        );
    }
    for mode in [0o600, 0o400] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        assert_eq!(&load_private_key(&path).unwrap(), key());
    }
    let missing = load_private_key(&dir.join("nope.pem"))
        .unwrap_err()
        .to_string();
    assert!(missing.starts_with("cannot read key file "), "{missing}");
    assert!(missing.contains("nope.pem"), "{missing}");
    std::fs::write(&path, "-----BEGIN PUBLIC KEY-----\n").unwrap();
    let public = load_private_key(&path).unwrap_err().to_string();
    assert!(public.contains("kp.pem: it holds a public key"), "{public}");
}
