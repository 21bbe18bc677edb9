//! Signature verification on arbitrary bytes must never panic, and must never accept what it
//! cannot have verified. Seeds: the attack corpus and OpenLEADR-signed captures (fingerprints of
//! the test certificates are trusted, so mutations reach the digest and signature checks).
//! Also canonicalizes every input that parses, with both algorithms. The fast paths are checked
//! against the complete ones: `verify` (fast path first) and `verify_complete` (roxmltree
//! only) give the same verdict and the same result, and the streamed c14n of
//! `#oadrSignedObject` equals the tree c14n wherever it does not leave the input to it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oadr::sign::c14n::{self, Method};
use oadr::sign::{Fingerprint, Trust, Verifier, VerifyOptions};

const TRUSTED: [&str; 4] = [
    "E1:88:78:A2:50:89:A8:08:9D:6E", // vtn-rsa
    "FF:B3:02:4F:4D:6B:9E:E3:2A:38", // ven-rsa
    "40:69:10:91:E0:6B:1E:F2:9B:61", // vtn-ecdsa
    "48:73:C9:C3:6A:4A:4F:16:55:F9", // ven-ecdsa
];

fuzz_target!(|data: &[u8]| {
    let trusted: Vec<Fingerprint> = TRUSTED.iter().filter_map(|f| f.parse().ok()).collect();
    // The attack corpus is signed at 2026-01-01T00:00:00Z.
    let now = chrono::DateTime::from_timestamp(1_767_225_601, 0).unwrap_or_default();
    let options = VerifyOptions::new(Trust::Fingerprints(trusted));
    let verifier = Verifier::new(options.clone());
    let verdict = verifier.verify(data, now);
    let complete = Verifier::new(options).verify_complete(data, now);
    match (&verdict, &complete) {
        (Ok(Some(a)), Ok(Some(b))) => assert_eq!(
            (a.fingerprint, &a.nonce, a.timestamp, &a.signed_object),
            (b.fingerprint, &b.nonce, b.timestamp, &b.signed_object)
        ),
        (Ok(None), Ok(None)) => {}
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("fast and complete paths disagree: {verdict:?} vs {complete:?}"),
    }
    if let Ok(Some(v)) = verdict {
        // Whatever verifies is well-formed, names a trusted signer and a signed object in range.
        assert!(TRUSTED.contains(&v.fingerprint.to_string().as_str()));
        assert!(v.signed_object.end <= data.len());
        // Replaying it to the same verifier must fail.
        assert!(verifier.verify(data, now).is_err());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = c14n::canonicalize_document(text, &Method::inclusive().with_comments());
        let _ = c14n::canonicalize_document(text, &Method::exclusive());
        for method in [Method::exclusive(), Method::inclusive()] {
            let tree = c14n::canonicalize_id(text, "oadrSignedObject", &method);
            if let Some(streamed) =
                c14n::canonicalize_id_streamed(text, "oadrSignedObject", &method)
            {
                assert_eq!(tree.ok(), Some(streamed), "{method:?}");
            }
        }
    }
});
