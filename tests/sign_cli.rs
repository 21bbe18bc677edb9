//! `oadr sign`, `oadr verify`, `oadr fingerprint` as a user runs them.

mod support;

use std::process::{Command, Output};

fn oadr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oadr"))
        .args(args)
        .output()
        .expect("run oadr")
}

fn fixture(rel: &str) -> String {
    support::root()
        .join("tests/fixtures")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn fingerprint_prints_exactly_what_openleadr_prints() {
    for name in ["ven-rsa", "vtn-rsa", "ven-ecdsa", "vtn-ecdsa"] {
        let cert = fixture(&format!("certs/{name}.crt"));
        let ours = oadr(&["fingerprint", &cert]);
        assert!(ours.status.success());
        let Some(python) = support::python() else {
            return;
        };
        let script = python.with_file_name("fingerprint");
        let theirs = Command::new(&script)
            .arg(&cert)
            .output()
            .expect("OpenLEADR fingerprint");
        assert!(theirs.status.success(), "{}", script.display());
        assert_eq!(ours.stdout, theirs.stdout, "{name}");
    }
}

#[test]
fn sign_then_verify_by_fingerprint_cert_and_refuse_tampering() {
    let dir = std::env::temp_dir().join(format!("oadr-sign-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let signed_path = dir.join("signed.xml");
    for (name, c14n) in [("ven-ecdsa", "exclusive"), ("ven-rsa", "inclusive")] {
        let (cert, key) = (
            fixture(&format!("certs/{name}.crt")),
            fixture(&format!("certs/{name}.key")),
        );
        let input = fixture("valid/oadrUpdateReport--openleadr-telemetry.xml");
        let out = oadr(&[
            "sign", "--cert", &cert, "--key", &key, "--c14n", c14n, &input,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&signed_path, &out.stdout).expect("write");
        let signed = signed_path.to_string_lossy().into_owned();

        let fp = String::from_utf8(oadr(&["fingerprint", &cert]).stdout).expect("utf-8");
        let fp = fp.trim();
        let by_fp = oadr(&["verify", "--fingerprint", fp, &signed]);
        assert!(
            by_fp.status.success(),
            "{}",
            String::from_utf8_lossy(&by_fp.stdout)
        );
        assert_eq!(String::from_utf8_lossy(&by_fp.stdout).trim(), fp);
        // A second verifier process has its own nonce cache: the pinned cert also accepts it.
        let by_cert = oadr(&["verify", "--cert", &cert, "--max-age", "5m", &signed]);
        assert!(by_cert.status.success());

        let other = fixture("certs/vtn-rsa.crt");
        let wrong = oadr(&["verify", "--cert", &other, &signed]);
        assert_eq!(wrong.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&wrong.stdout).contains("not trusted"));

        let text = String::from_utf8(out.stdout).expect("utf-8");
        let tampered = text.replacen("<ei:rID>", "<ei:rID>x", 1);
        assert_ne!(tampered, text);
        std::fs::write(&signed_path, tampered).expect("write");
        let bad = oadr(&["verify", "--fingerprint", fp, &signed]);
        assert_eq!(bad.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&bad.stdout).contains("altered"));
    }
    // Archived OpenLEADR capture: stale, so refused by default and accepted with --ignore-replay.
    let capture = fixture("signed/openleadr/oadrDistributeEvent--openleadr-rsa-one-event.xml");
    let vtn = fixture("certs/vtn-rsa.crt");
    let stale = oadr(&["verify", "--cert", &vtn, &capture]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&stale.stdout).contains("old"));
    let archived = oadr(&["verify", "--cert", &vtn, "--ignore-replay", &capture]);
    assert!(
        archived.status.success(),
        "{}",
        String::from_utf8_lossy(&archived.stdout)
    );
    // Trust by CA: a leaf issued by the test root verifies with --ca, a self-signed one does not.
    let leaf = oadr(&[
        "sign",
        "--cert",
        &fixture("sign-ca/leaf-rsa.crt"),
        "--key",
        &fixture("sign-ca/leaf-rsa.pkcs1.key"),
        &fixture("valid/oadrPoll--openleadr-one-event.xml"),
    ]);
    assert!(leaf.status.success());
    std::fs::write(&signed_path, &leaf.stdout).expect("write");
    let signed = signed_path.to_string_lossy().into_owned();
    let root = fixture("sign-ca/root-ca.crt");
    assert!(oadr(&["verify", "--ca", &root, &signed]).status.success());
    let other = fixture("sign-ca/other-ca.crt");
    assert_eq!(
        oadr(&["verify", "--ca", &other, &signed]).status.code(),
        Some(1)
    );
    // Usage errors exit 2.
    assert_eq!(
        oadr(&["verify", "--fingerprint", "nope", &capture])
            .status
            .code(),
        Some(2)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
