//! Trust by fingerprint, pinned certificate and CA chain (webpki), and the key formats
//! (PKCS#8, PKCS#1 RSA, SEC1 EC), with the test hierarchy in `tests/fixtures/sign-ca/`.

mod support;

use chrono::{DateTime, Duration, Utc};
use oadr::sign::{Certificate, Error, Replay, Signer, SigningKey, Trust, Verifier, VerifyOptions};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(support::root().join("tests/fixtures").join(rel)).expect(rel)
}

fn cert(rel: &str) -> Certificate {
    Certificate::from_pem(&read(rel)).expect(rel)
}

fn payload() -> Vec<u8> {
    read("valid/oadrUpdateReport--openleadr-telemetry.xml")
}

fn signer(crt: &str, key: &str) -> Signer {
    Signer::from_pem(&read(crt), &read(key)).expect("signer")
}

fn check(trust: Trust, signed: &[u8], now: DateTime<Utc>) -> Result<(), Error> {
    let mut options = VerifyOptions::new(trust);
    options.replay = Replay::Ignore;
    Verifier::new(options).verify(signed, now).map(|_| ())
}

fn root() -> Trust {
    Trust::Ca(vec![cert("sign-ca/root-ca.crt")])
}

#[test]
fn ca_chain_with_intermediate_from_key_info() {
    let s = signer("sign-ca/leaf-ecdsa.crt", "sign-ca/leaf-ecdsa.sec1.key")
        .with_chain(vec![cert("sign-ca/intermediate.crt")]);
    let signed = s.sign(&payload()).expect("sign");
    check(root(), &signed, Utc::now()).expect("chains to root");
    // Without the intermediate the chain cannot be built.
    let bare = signer("sign-ca/leaf-ecdsa.crt", "sign-ca/leaf-ecdsa.key")
        .sign(&payload())
        .expect("sign");
    assert!(matches!(
        check(root(), &bare, Utc::now()),
        Err(Error::Untrusted { .. })
    ));
    // The intermediate alone as a trust anchor also works.
    check(
        Trust::Ca(vec![cert("sign-ca/intermediate.crt")]),
        &bare,
        Utc::now(),
    )
    .expect("intermediate anchor");
}

#[test]
fn ca_refuses_other_ca_self_signed_and_expired() {
    let direct = signer("sign-ca/leaf-rsa.crt", "sign-ca/leaf-rsa.pkcs1.key")
        .sign(&payload())
        .expect("sign");
    check(root(), &direct, Utc::now()).expect("leaf-rsa is issued by root");
    let other = signer("sign-ca/other-leaf.crt", "sign-ca/other-leaf.key")
        .sign(&payload())
        .expect("sign");
    assert!(matches!(
        check(root(), &other, Utc::now()),
        Err(Error::Untrusted { .. })
    ));
    let selfsigned = signer("certs/ven-rsa.crt", "certs/ven-rsa.key")
        .sign(&payload())
        .expect("sign");
    assert!(matches!(
        check(root(), &selfsigned, Utc::now()),
        Err(Error::Untrusted { .. })
    ));
    // 10000 days after generation the leaf has expired.
    let later = Utc::now() + Duration::days(10_001);
    let s = signer("sign-ca/leaf-rsa.crt", "sign-ca/leaf-rsa.key");
    let signed = s.sign_with(&payload(), later, "n").expect("sign");
    let err = check(root(), &signed, later).expect_err("expired");
    assert!(matches!(err, Error::Untrusted { .. }), "{err}");
    assert_eq!(err.response_code(), 463);
}

#[test]
fn pinned_certificate_and_fingerprint() {
    let s = signer("sign-ca/leaf-rsa.crt", "sign-ca/leaf-rsa.key");
    let signed = s.sign(&payload()).expect("sign");
    check(
        Trust::Certificates(vec![cert("sign-ca/leaf-rsa.crt")]),
        &signed,
        Utc::now(),
    )
    .expect("pinned");
    let fp = cert("sign-ca/leaf-rsa.crt").fingerprint();
    check(Trust::Fingerprints(vec![fp]), &signed, Utc::now()).expect("fingerprint");
    assert!(matches!(
        check(
            Trust::Certificates(vec![cert("sign-ca/leaf-ecdsa.crt")]),
            &signed,
            Utc::now()
        ),
        Err(Error::Untrusted { .. })
    ));
}

#[test]
fn key_formats_and_mismatch() {
    for key in ["sign-ca/leaf-rsa.key", "sign-ca/leaf-rsa.pkcs1.key"] {
        let k = SigningKey::from_pem(&read(key)).expect(key);
        assert!(k.matches(&cert("sign-ca/leaf-rsa.crt")), "{key}");
    }
    for key in ["sign-ca/leaf-ecdsa.key", "sign-ca/leaf-ecdsa.sec1.key"] {
        let k = SigningKey::from_pem(&read(key)).expect(key);
        assert!(k.matches(&cert("sign-ca/leaf-ecdsa.crt")), "{key}");
    }
    let mismatch = Signer::from_pem(
        &read("sign-ca/leaf-rsa.crt"),
        &read("sign-ca/leaf-ecdsa.key"),
    );
    assert!(matches!(mismatch, Err(Error::Key { .. })));
    assert!(SigningKey::from_pem(b"not a key").is_err());
    assert!(Certificate::from_pem(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    .is_err());
}

#[test]
fn unsigned_payload_is_accepted_only_when_signatures_are_optional() {
    let fp = cert("certs/ven-rsa.crt").fingerprint();
    let mut options = VerifyOptions::new(Trust::Fingerprints(vec![fp]));
    assert!(matches!(
        Verifier::new(options.clone()).verify(&payload(), Utc::now()),
        Err(Error::MissingSignature)
    ));
    options.require_signature = false;
    assert!(matches!(
        Verifier::new(options).verify(&payload(), Utc::now()),
        Ok(None)
    ));
}

#[test]
fn xmlsec1_accepts_the_chain_we_send() {
    let Some(xmlsec1) = support::tool("xmlsec1") else {
        return;
    };
    let s = signer("sign-ca/leaf-ecdsa.crt", "sign-ca/leaf-ecdsa.key")
        .with_chain(vec![cert("sign-ca/intermediate.crt")]);
    let path = std::env::temp_dir().join(format!("oadr-sign-chain-{}.xml", std::process::id()));
    std::fs::write(&path, s.sign(&payload()).expect("sign")).expect("write");
    let out = std::process::Command::new(xmlsec1)
        .args([
            "--verify",
            "--id-attr:Id",
            "http://openadr.org/oadr-2.0b/2012/07:oadrSignedObject",
        ])
        .args([
            "--id-attr:Id",
            "http://www.w3.org/2000/09/xmldsig#:Object",
            "--trusted-pem",
        ])
        .arg(support::root().join("tests/fixtures/sign-ca/root-ca.crt"))
        .arg(&path)
        .output()
        .expect("xmlsec1");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `Trust::AnyCertificate` (the VTN's `--accept-any`) trusts any signer, but the signature
/// must still verify: a tampered payload is refused, and the signer's fingerprint is known.
#[test]
fn any_certificate_still_checks_the_signature() {
    let s = signer("sign-ca/leaf-ecdsa.crt", "sign-ca/leaf-ecdsa.key");
    let signed = s.sign(&payload()).expect("sign");
    let mut options = VerifyOptions::new(Trust::AnyCertificate);
    options.replay = Replay::Ignore;
    let verified = Verifier::new(options.clone())
        .verify(&signed, Utc::now())
        .expect("any signer")
        .expect("a signature");
    assert_eq!(
        verified.fingerprint,
        cert("sign-ca/leaf-ecdsa.crt").fingerprint()
    );
    let text = String::from_utf8(signed).expect("utf-8");
    let tampered = text.replacen("<ei:venID>", "<ei:venID>x", 1);
    assert_ne!(tampered, text, "the payload carries a venID");
    assert!(Verifier::new(options)
        .verify(tampered.as_bytes(), Utc::now())
        .is_err());
}
