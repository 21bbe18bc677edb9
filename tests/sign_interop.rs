//! Interop both ways (issue 4): messages signed by OpenLEADR 0.5.36 verify with oadr, and
//! messages signed by oadr (RSA and ECDSA, exclusive and inclusive c14n) verify with OpenLEADR
//! (its schema check, `validate_xml_signature` with the signer's fingerprint, and
//! `parse_message`) and with `xmlsec1 --verify`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use oadr::sign::c14n::Algorithm;
use oadr::sign::{Certificate, Fingerprint, Replay, Signer, Trust, Verifier, VerifyOptions};

fn fixture(rel: &str) -> PathBuf {
    support::root().join("tests/fixtures").join(rel)
}

fn files(dir: &str) -> Vec<PathBuf> {
    support::fixture_files(dir)
}

fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&std::fs::read(fixture(&format!("certs/{name}.crt"))).expect("cert"))
        .expect("parse cert")
}

/// `FINGERPRINTS` as printed by OpenLEADR's `fingerprint` script when the certs were made.
fn openleadr_fingerprints() -> Vec<(String, Fingerprint)> {
    std::fs::read_to_string(fixture("certs/FINGERPRINTS"))
        .expect("FINGERPRINTS")
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(f, fp)| (f.to_owned(), fp.parse().expect("fingerprint")))
        .collect()
}

#[test]
fn our_fingerprints_equal_openleadrs() {
    for (file, fp) in openleadr_fingerprints() {
        assert_eq!(
            cert(file.trim_end_matches(".crt")).fingerprint(),
            fp,
            "{file}"
        );
    }
}

#[test]
fn openleadr_signed_messages_verify() {
    let all: Vec<Fingerprint> = openleadr_fingerprints()
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    let mut options = VerifyOptions::new(Trust::Fingerprints(all.clone()));
    options.replay = Replay::Ignore; // archived captures
    let verifier = Verifier::new(options);
    let signed = files("signed/openleadr");
    assert!(signed.len() >= 100, "OpenLEADR captures missing");
    for file in &signed {
        let bytes = std::fs::read(file).expect("read");
        let v = verifier
            .verify(&bytes, chrono::Utc::now())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            .expect("signed");
        let name = file.to_string_lossy();
        assert_eq!(v.certificate.is_rsa(), name.contains("-rsa-"), "{name}");
        // One flipped character inside the signed object must be refused.
        let text = String::from_utf8(bytes).expect("utf-8");
        let at = text.find("schemaVersion=\"2.0b\"").expect("schemaVersion");
        let tampered = format!("{}2.0c{}", &text[..at + 15], &text[at + 19..]);
        assert!(
            verifier
                .verify(tampered.as_bytes(), chrono::Utc::now())
                .is_err(),
            "{name}: tampered copy verified"
        );
    }
}

struct Signed {
    path: PathBuf,
    cert: PathBuf,
    fingerprint: Fingerprint,
}

/// Sign every valid fixture, rotating key (RSA, ECDSA) and c14n (exclusive, inclusive).
fn sign_valid_fixtures(out_dir: &Path) -> Vec<Signed> {
    let combos = [
        ("ven-rsa", Algorithm::Exclusive),
        ("ven-ecdsa", Algorithm::Exclusive),
        ("vtn-rsa", Algorithm::Inclusive),
        ("vtn-ecdsa", Algorithm::Inclusive),
    ];
    let mut inputs = files("valid");
    // The c14n hard case (default namespace on oadrPayload, unused prefix, comment, entity
    // reference, whitespace), with the signed object's Id the signature uses.
    let hard = std::fs::read_to_string(fixture("c14n/openadr-payload.xml"))
        .expect("hard case")
        .replace("oadr:Id=\"target\"", "oadr:Id=\"oadrSignedObject\"");
    let hard_path = out_dir.join("hard-case-input.xml");
    std::fs::write(&hard_path, hard).expect("write");
    inputs.push(hard_path);
    let mut out = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let (name, c14n) = combos[i % combos.len()];
        let cert_path = fixture(&format!("certs/{name}.crt"));
        let signer = Signer::from_pem(
            &std::fs::read(&cert_path).expect("cert"),
            &std::fs::read(fixture(&format!("certs/{name}.key"))).expect("key"),
        )
        .expect("signer")
        .with_canonicalization(c14n);
        let bytes = std::fs::read(input).expect("read");
        let signed = signer
            .sign(&bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", input.display()));
        let path = out_dir.join(input.file_name().expect("name"));
        std::fs::write(&path, signed).expect("write");
        out.push(Signed {
            path,
            cert: cert_path,
            fingerprint: signer.certificate().fingerprint(),
        });
    }
    out
}

#[test]
fn oadr_signed_messages_verify_in_openleadr_xmlsec1_and_oadr() {
    let xmlsec1 = support::tool("xmlsec1");
    let python = support::python();
    let dir = std::env::temp_dir().join(format!("oadr-sign-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let signed = sign_valid_fixtures(&dir);

    for s in &signed {
        let mut options = VerifyOptions::new(Trust::Fingerprints(vec![s.fingerprint]));
        options.replay = Replay::Ignore;
        let bytes = std::fs::read(&s.path).expect("read");
        Verifier::new(options)
            .verify(&bytes, chrono::Utc::now())
            .unwrap_or_else(|e| panic!("oadr: {}: {e}", s.path.display()));
    }
    if let Some(xmlsec1) = &xmlsec1 {
        for s in &signed {
            let out = Command::new(xmlsec1)
                .args(["--verify", "--id-attr:Id"])
                .arg("http://openadr.org/oadr-2.0b/2012/07:oadrSignedObject")
                .arg("--id-attr:Id")
                .arg("http://www.w3.org/2000/09/xmldsig#:Object")
                .arg("--pubkey-cert-pem")
                .arg(&s.cert)
                .arg(&s.path)
                .output()
                .expect("run xmlsec1");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() && err.contains("SignedInfo References (ok/all): 2/2"),
                "xmlsec1 refused {}: {err}",
                s.path.display()
            );
        }
    }
    if let Some(python) = &python {
        let script = support::root().join("tests/support/openleadr_verify.py");
        let mut cmd = Command::new(python);
        cmd.arg(script);
        for s in &signed {
            cmd.arg(&s.path).arg(s.fingerprint.to_string());
        }
        let out = cmd.output().expect("run OpenLEADR");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "OpenLEADR refused:\n{}\n{}",
            stdout
                .lines()
                .filter(|l| l.starts_with("fail"))
                .collect::<Vec<_>>()
                .join("\n"),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            stdout.lines().filter(|l| l.starts_with("ok ")).count(),
            signed.len()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
