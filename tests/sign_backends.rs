//! Every crypto backend of this build (ring; OpenSSL with the `openssl` feature) signs what
//! every other verifies, refuses what the others refuse, and signs what xmlsec1 verifies
//! (spec digest §9: RSA-SHA256 and ECDSA-SHA256 with raw r||s values). scripts/test.sh runs
//! this file with and without `--features openssl`.

mod support;

use std::process::Command;

use oadr::sign::{Backend, Error, Signer, SigningKey, Trust, Verifier, VerifyOptions};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(support::root().join("tests/fixtures").join(rel)).expect(rel)
}

fn payload() -> Vec<u8> {
    read("valid/oadrDistributeEvent--openleadr-one-event.xml")
}

fn signer(key: &str, backend: Backend) -> Signer {
    Signer::from_pem_with(
        &read(&format!("certs/vtn-{key}.crt")),
        &read(&format!("certs/vtn-{key}.key")),
        backend,
    )
    .expect("signer")
}

fn verifier(signer: &Signer, backend: Backend) -> Verifier {
    let mut options = VerifyOptions::new(Trust::Fingerprints(vec![signer
        .certificate()
        .fingerprint()]));
    options.backend = backend;
    Verifier::new(options)
}

#[test]
fn every_backend_verifies_what_every_backend_signs() {
    let now = chrono::Utc::now();
    for key in ["rsa", "ecdsa"] {
        for &by in Backend::available() {
            let s = signer(key, by);
            for &with in Backend::available() {
                let v = verifier(&s, with);
                let what = format!("{key} signed by {by:?}, verified with {with:?}");
                for _ in 0..3 {
                    let signed = s.sign(&payload()).expect("sign");
                    let got = v
                        .verify(&signed, now)
                        .unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(
                        got.map(|g| g.fingerprint),
                        Some(s.certificate().fingerprint()),
                        "{what}"
                    );
                    // One bit of the SignatureValue flipped: refused as a bad value.
                    let text = String::from_utf8(signed).expect("utf-8");
                    let at = text.find("<ds:SignatureValue>").expect("value") + 19;
                    let flipped = if &text[at..=at] == "A" { "B" } else { "A" };
                    let tampered = format!("{}{flipped}{}", &text[..at], &text[at + 1..]);
                    let err = verifier(&s, with).verify(tampered.as_bytes(), now);
                    assert!(
                        matches!(err, Err(Error::BadSignatureValue)),
                        "{what}: {err:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn bare_key_operations_agree_across_backends() {
    for key in ["rsa", "ecdsa"] {
        let cert = signer(key, Backend::Ring).certificate().clone();
        let message = b"<ds:SignedInfo>any bytes</ds:SignedInfo>";
        for &by in Backend::available() {
            let k =
                SigningKey::from_pem_with(&read(&format!("certs/vtn-{key}.key")), by).expect("key");
            assert!(k.matches(&cert), "{key} {by:?}");
            let sig = k.sign(message).expect("sign");
            for &with in Backend::available() {
                cert.verify_with(with, k.method(), message, &sig)
                    .unwrap_or_else(|e| panic!("{key} {by:?} -> {with:?}: {e}"));
                let other = cert.verify_with(with, k.method(), b"other bytes", &sig);
                assert!(matches!(other, Err(Error::BadSignatureValue)), "{other:?}");
                let short = cert.verify_with(with, k.method(), message, &sig[1..]);
                assert!(matches!(short, Err(Error::BadSignatureValue)), "{short:?}");
            }
        }
        // A key never matches the other kind's certificate.
        let other = if key == "rsa" { "ecdsa" } else { "rsa" };
        let other_cert = signer(other, Backend::Ring).certificate().clone();
        for &by in Backend::available() {
            let k =
                SigningKey::from_pem_with(&read(&format!("certs/vtn-{key}.key")), by).expect("key");
            assert!(!k.matches(&other_cert), "{key} {by:?}");
        }
    }
}

#[test]
fn xmlsec1_verifies_what_every_backend_signs() {
    let Some(xmlsec1) = support::tool("xmlsec1") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("oadr-sign-backends-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    for key in ["rsa", "ecdsa"] {
        for &by in Backend::available() {
            let file = dir.join(format!("{key}-{}.xml", by.name()));
            std::fs::write(&file, signer(key, by).sign(&payload()).expect("sign")).expect("write");
            let out = Command::new(&xmlsec1)
                .args(["--verify", "--id-attr:Id"])
                .arg("http://openadr.org/oadr-2.0b/2012/07:oadrSignedObject")
                .arg("--id-attr:Id")
                .arg("http://www.w3.org/2000/09/xmldsig#:Object")
                .arg("--pubkey-cert-pem")
                .arg(support::root().join(format!("tests/fixtures/certs/vtn-{key}.crt")))
                .arg(&file)
                .output()
                .expect("xmlsec1");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() && err.contains("SignedInfo References (ok/all): 2/2"),
                "{key} {by:?}: {err}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
