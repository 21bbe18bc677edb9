//! The attack corpus `tests/fixtures/sign-attacks/`: one file per attack, named for what it
//! tries; `EXPECTED` lists the refusal (error variant) of each. The wrapping cases follow the
//! published XML Signature Wrapping classes (McIntosh & Austel 2005; Somorovsky et al., "On
//! Breaking SAML", 2012: XSW1–XSW8 move, duplicate or shadow the signed element and its Id).
//!
//! Every file derives from `valid-baseline.xml` (an oadrDistributeEvent signed by the
//! test VTN RSA key at 2026-01-01T00:00:00Z), which must verify, so each refusal is caused by
//! the attack and not by something else. Regenerate with
//! `cargo test --test sign_attacks -- --ignored regenerate`.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use oadr::sign::{Certificate, Signer, Trust, Verifier, VerifyOptions};

const NONCE: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .expect("t0")
        .with_timezone(&Utc)
}

fn dir() -> PathBuf {
    support::root().join("tests/fixtures/sign-attacks")
}

fn certs(name: &str) -> (Vec<u8>, Vec<u8>) {
    let base = support::root().join("tests/fixtures/certs");
    (
        std::fs::read(base.join(format!("{name}.crt"))).expect("cert"),
        std::fs::read(base.join(format!("{name}.key"))).expect("key"),
    )
}

fn trusted() -> Certificate {
    Certificate::from_pem(&certs("vtn-rsa").0).expect("vtn-rsa")
}

fn verifier() -> Verifier {
    Verifier::new(VerifyOptions::new(Trust::Fingerprints(vec![
        trusted().fingerprint()
    ])))
}

/// The error variant name of a refusal ("ok" when accepted).
fn outcome(bytes: &[u8]) -> String {
    match verifier().verify(bytes, t0() + Duration::seconds(1)) {
        Ok(Some(_)) => "ok".into(),
        Ok(None) => "unsigned-accepted".into(),
        Err(e) => {
            let debug = format!("{e:?}");
            debug
                .split(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap_or("")
                .to_owned()
        }
    }
}

fn expected() -> BTreeMap<String, (String, String)> {
    std::fs::read_to_string(dir().join("EXPECTED"))
        .expect("EXPECTED")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.splitn(3, '\t');
            let file = parts.next().unwrap_or("").to_owned();
            let refusal = parts.next().unwrap_or("").to_owned();
            let why = parts.next().unwrap_or("").to_owned();
            (file, (refusal, why))
        })
        .collect()
}

#[test]
fn every_attack_is_refused_as_expected() {
    let expected = expected();
    assert!(expected.len() >= 30, "attack corpus incomplete");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    on_disk.sort();
    assert_eq!(
        on_disk,
        expected.keys().cloned().collect::<Vec<_>>(),
        "EXPECTED and the files differ"
    );
    let mut wrong = Vec::new();
    for (file, (refusal, why)) in &expected {
        let bytes = std::fs::read(dir().join(file)).expect("read");
        let got = outcome(&bytes);
        if &got != refusal {
            wrong.push(format!("{file}: expected {refusal}, got {got} ({why})"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_replayed_message_is_refused_the_second_time() {
    let bytes = std::fs::read(dir().join("valid-baseline.xml")).expect("baseline");
    let v = verifier();
    let now = t0() + Duration::seconds(1);
    assert!(v.verify(&bytes, now).is_ok());
    let again = v.verify(&bytes, now + Duration::seconds(1)).map(|_| ());
    assert!(
        matches!(again, Err(oadr::sign::Error::NonceReused { .. })),
        "{again:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Generator

fn sign(name: &str, payload: &[u8], at: DateTime<Utc>) -> String {
    let (cert, key) = certs(name);
    let signed = Signer::from_pem(&cert, &key)
        .expect("signer")
        .sign_with(payload, at, NONCE)
        .expect("sign");
    String::from_utf8(signed).expect("utf-8")
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let a = s.find(start).expect(start);
    let b = a + s[a..].find(end).expect(end) + end.len();
    &s[a..b]
}

fn replace_once(s: &str, from: &str, to: &str) -> String {
    assert!(s.contains(from), "{from} not found");
    s.replacen(from, to, 1)
}

#[test]
#[ignore = "regenerates tests/fixtures/sign-attacks"]
fn regenerate() {
    let payload = std::fs::read(
        support::root().join("tests/fixtures/valid/oadrDistributeEvent--openleadr-one-event.xml"),
    )
    .expect("payload");
    let base = sign("vtn-rsa", &payload, t0());
    let sig = between(&base, "<ds:Signature", "</ds:Signature>").to_owned();
    let so = between(&base, "<oadr:oadrSignedObject", "</oadr:oadrSignedObject>").to_owned();
    let evil = replace_once(&so, "event-simple-convenience", "evil-event");
    let evil_no_id = replace_once(&evil, " oadr:Id=\"oadrSignedObject\"", "");
    let obj_end = "</ds:Object></ds:Signature>";
    let first_transform = "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>";
    let first_ref = between(
        &base,
        "<ds:Reference URI=\"#oadrSignedObject\"",
        "</ds:Reference>",
    )
    .to_owned();
    let second_ref = between(
        &base,
        "<ds:Reference URI=\"#oadrReplayProtect\"",
        "</ds:Reference>",
    )
    .to_owned();
    let sig_value = between(&base, "<ds:SignatureValue>", "</ds:SignatureValue>").to_owned();
    let key_info = between(&base, "<ds:KeyInfo>", "</ds:KeyInfo>").to_owned();
    let trusted_cert = trusted().to_base64();

    let mut cases: Vec<(&str, String, &str, &str)> = vec![
        ("valid-baseline.xml", base.clone(), "ok", "the untouched signed message"),
        ("missing-signature.xml", base.replace(&sig, ""), "MissingSignature", "signature stripped"),
        ("tampered-signed-object-text.xml", base.replace(&so, &evil), "SignedObjectTampered", "eventID changed"),
        (
            "tampered-signed-object-attribute.xml",
            replace_once(&base, "<oadr:oadrDistributeEvent ", "<oadr:oadrDistributeEvent extra=\"1\" "),
            "SignedObjectTampered",
            "attribute added to the signed payload",
        ),
        (
            "tampered-replay-protect-nonce.xml",
            replace_once(&base, NONCE, "ffffffffffffffffffffffffffffffff"),
            "ReplayProtectTampered",
            "nonce replaced to get past the nonce cache",
        ),
        (
            "tampered-replay-protect-timestamp.xml",
            replace_once(&base, "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:01.000000Z"),
            "ReplayProtectTampered",
            "timestamp refreshed",
        ),
        (
            "tampered-signed-info-digest-value.xml",
            base.replacen("<ds:DigestValue>", "<ds:DigestValue>AAAA", 1),
            "BadSignatureValue",
            "DigestValue edited to match a changed object",
        ),
        (
            "tampered-signature-value.xml",
            replace_once(&base, &sig_value, &sig_value.replacen("<ds:SignatureValue>", "<ds:SignatureValue>AAAA", 1)),
            "BadSignatureValue",
            "SignatureValue edited",
        ),
        (
            "xsw1-original-moved-into-object-evil-at-root.xml",
            replace_once(&base.replace(&so, &evil_no_id), obj_end, &format!("</ds:Object><ds:Object>{so}</ds:Object></ds:Signature>")),
            "Wrapping",
            "XSW1/2: signed original hidden in a new ds:Object, unsigned evil object processed",
        ),
        (
            "xsw-duplicated-id-evil-first.xml",
            replace_once(&base.replace(&so, &evil), obj_end, &format!("</ds:Object><ds:Object>{so}</ds:Object></ds:Signature>")),
            "Wrapping",
            "XSW3/4: evil object carries the same Id as the moved original",
        ),
        (
            "xsw-original-in-keyinfo.xml",
            replace_once(&base.replace(&so, &evil), "</ds:KeyInfo>", &format!("{so}</ds:KeyInfo>")),
            "Wrapping",
            "XSW5–7: original shadowed inside KeyInfo",
        ),
        (
            "xsw-id-moved-to-inner-element.xml",
            replace_once(&base.replace(&so, &evil_no_id), "<oadr:oadrDistributeEvent ", "<oadr:oadrDistributeEvent Id=\"oadrSignedObject\" "),
            "Wrapping",
            "the Id is put on an element inside the processed object",
        ),
        (
            "xsw-unqualified-id-shadow-on-keyinfo.xml",
            replace_once(&base, "<ds:KeyInfo>", "<ds:KeyInfo Id=\"oadrSignedObject\">"),
            "Wrapping",
            "a second element with the same Id in another attribute spelling",
        ),
        (
            "xsw-extra-object-with-payload.xml",
            replace_once(&base, obj_end, &format!("</ds:Object><ds:Object>{}</ds:Object></ds:Signature>", between(&evil, "<oadr:oadrDistributeEvent", "</oadr:oadrDistributeEvent>"))),
            "Wrapping",
            "an unsigned ds:Object carrying a payload",
        ),
        (
            "xsw-payload-beside-replay-protect.xml",
            replace_once(&base, "</dsp:ReplayProtect>", &format!("</dsp:ReplayProtect>{}", between(&evil, "<oadr:oadrDistributeEvent", "</oadr:oadrDistributeEvent>"))),
            "Wrapping",
            "a payload smuggled into the signed ReplayProtect object",
        ),
        (
            "xsw-extra-signed-object-at-root.xml",
            replace_once(&base, "</oadr:oadrPayload>", &format!("{evil_no_id}</oadr:oadrPayload>")),
            "Structure",
            "a second oadrSignedObject after the signed one",
        ),
        (
            "xsw8-signature-after-signed-object.xml",
            base.replace(&sig, "").replace("</oadr:oadrPayload>", &format!("{sig}</oadr:oadrPayload>")),
            "Structure",
            "Signature moved after the signed object",
        ),
        ("two-signatures.xml", base.replace(&sig, &format!("{sig}{sig}")), "Structure", "the Signature duplicated"),
        (
            "signature-nested-in-object.xml",
            replace_once(&base, obj_end, &format!("</ds:Object><ds:Object>{sig}</ds:Object></ds:Signature>")),
            "Wrapping",
            "a second Signature nested in an unsigned Object",
        ),
        (
            "weak-digest-sha1.xml",
            base.replacen("http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2000/09/xmldsig#sha1", 1),
            "WeakAlgorithm",
            "SHA-1 digest",
        ),
        (
            "weak-signature-rsa-sha1.xml",
            replace_once(&base, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2000/09/xmldsig#rsa-sha1"),
            "WeakAlgorithm",
            "RSA-SHA1 signature method",
        ),
        (
            "md5-digest.xml",
            base.replacen("http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2001/04/xmldsig-more#md5", 1),
            "UnsupportedAlgorithm",
            "MD5 digest",
        ),
        (
            "hmac-signature-method.xml",
            replace_once(&base, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2000/09/xmldsig#hmac-sha1"),
            "UnsupportedAlgorithm",
            "HMAC (key confusion)",
        ),
        (
            "transform-enveloped-signature.xml",
            base.replacen(first_transform, "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>", 1),
            "UnexpectedTransform",
            "enveloped-signature transform",
        ),
        (
            "transform-xpath.xml",
            base.replacen(first_transform, "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>not(ancestor-or-self::oadr:oadrEvent)</ds:XPath></ds:Transform>", 1),
            "UnexpectedTransform",
            "XPath filter that would exclude the events from the digest",
        ),
        (
            "transform-xslt.xml",
            base.replacen(first_transform, "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"/>", 1),
            "UnexpectedTransform",
            "XSLT transform",
        ),
        (
            "two-transforms.xml",
            base.replacen(first_transform, &format!("<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>{first_transform}"), 1),
            "UnexpectedTransform",
            "a transform chain",
        ),
        (
            "reference-uri-empty.xml",
            replace_once(&base, "URI=\"#oadrSignedObject\"", "URI=\"\""),
            "Wrapping",
            "whole-document reference",
        ),
        (
            "reference-uri-xpointer.xml",
            replace_once(&base, "URI=\"#oadrSignedObject\"", "URI=\"#xpointer(/)\""),
            "Wrapping",
            "XPointer reference",
        ),
        (
            "reference-uri-external.xml",
            replace_once(&base, "URI=\"#oadrSignedObject\"", "URI=\"http://127.0.0.1/payload.xml\""),
            "Wrapping",
            "external reference (SSRF)",
        ),
        (
            "three-references.xml",
            replace_once(&base, &second_ref, &format!("{second_ref}{second_ref}")),
            "ReferenceCount",
            "an extra reference",
        ),
        ("one-reference.xml", replace_once(&base, &second_ref, ""), "ReferenceCount", "ReplayProtect not referenced"),
        (
            "both-references-to-signed-object.xml",
            replace_once(&base, &second_ref, &first_ref),
            "Wrapping",
            "ReplayProtect reference replaced by a second signed-object reference",
        ),
        (
            "certificate-swapped-for-trusted.xml",
            {
                let other = sign("ven-rsa", &payload, t0());
                let theirs = between(&other, "<ds:X509Certificate>", "</ds:X509Certificate>").to_owned();
                replace_once(&other, &theirs, &format!("<ds:X509Certificate>{trusted_cert}</ds:X509Certificate>"))
            },
            "BadSignatureValue",
            "signed by an untrusted key, trusted certificate pasted into KeyInfo",
        ),
        ("missing-key-info.xml", replace_once(&base, &key_info, ""), "MissingElement", "no certificate"),
        (
            "replay-protect-missing-nonce.xml",
            replace_once(&base, &format!("<dsp:nonce>{NONCE}</dsp:nonce>"), ""),
            "ReplayProtect",
            "nonce removed",
        ),
        (
            "doctype-with-entity.xml",
            replace_once(&base, "<oadr:oadrPayload", "<!DOCTYPE oadrPayload [<!ENTITY e \"x\">]><oadr:oadrPayload"),
            "Xml",
            "a DTD (could declare Ids or defaults)",
        ),
        (
            "payload-not-utf8.xml",
            replace_once(&base, "VTN-FIXTURES", "VTN-FIXTURES\u{FFFD}"),
            "Xml",
            "bytes that are not UTF-8 (written below)",
        ),
    ];
    cases.push((
        "untrusted-certificate.xml",
        sign("ven-ecdsa", &payload, t0()),
        "Untrusted",
        "valid signature by a key that is not trusted",
    ));
    cases.push((
        "expired-timestamp.xml",
        sign("vtn-rsa", &payload, t0() - Duration::minutes(10)),
        "Expired",
        "signed 10 minutes before the verification time",
    ));
    cases.push((
        "timestamp-from-the-future.xml",
        sign("vtn-rsa", &payload, t0() + Duration::minutes(10)),
        "FromTheFuture",
        "signed 10 minutes after the verification time",
    ));

    let d = dir();
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    let mut listing = String::from(
        "# file\texpected refusal (oadr::sign::Error variant, or ok)\twhat it tries\n",
    );
    for (file, text, refusal, why) in &cases {
        let mut bytes = text.clone().into_bytes();
        if *file == "payload-not-utf8.xml" {
            // U+FFFD (EF BF BD) becomes a lone 0xFF byte.
            let at = text.find('\u{FFFD}').expect("marker");
            bytes.splice(at..at + 3, [0xFF]);
        }
        std::fs::write(d.join(file), bytes).expect("write");
        listing.push_str(&format!("{file}\t{refusal}\t{why}\n"));
    }
    std::fs::write(d.join("EXPECTED"), listing).expect("EXPECTED");
}
