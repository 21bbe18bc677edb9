//! The fast path of [`Verifier::verify`](super::Verifier::verify): the same checks as
//! [`super::verify`] (its module docs list them), over an [`Outline`] of the received text and
//! with canonicalization streamed from the text ([`super::stream_c14n`]) instead of a
//! roxmltree document. It only ever says "valid" or [`Bail`]: on a bail (anything unusual,
//! and every refusal) the complete path runs and produces the typed error with its element
//! path, so both paths refuse exactly the same messages with the same errors.
//!
//! What it accepts, the complete path accepts with the same result (the `verify` fuzz target
//! and `tests/sign_attacks.rs` check both paths); where the raw text and the parsed text
//! could differ (references, CDATA, comments, carriage returns), it bails.

use std::sync::Mutex;

use base64::Engine as _;
use chrono::{DateTime, Utc};

use super::algorithms::{Digest, SignatureMethod};
use super::c14n::{self, Method};
use super::cert::Certificate;
use super::cert_cache::CertificateCache;
use super::dom::{DSP_NS, DS_NS, OADR_NS};
use super::lex::{Bail, Fast};
use super::outline::{Outline, NONE};
use super::replay::MAX_NONCE_LEN;
use super::stream_c14n::write_element;
use super::verify::{Checked, Verified, VerifyOptions};

/// The fast check of `text`; `Ok(None)`: unsigned and signatures are optional.
pub(crate) fn check(
    text: &str,
    options: &VerifyOptions,
    certificates: &Mutex<CertificateCache>,
    now: DateTime<Utc>,
) -> Fast<Option<Checked>> {
    let o = Outline::scan(text)?;
    let root = 0;
    if !o.is(root, OADR_NS, "oadrPayload") || o.get(root).has_text {
        return Err(Bail);
    }
    let mut kids = o.children(root);
    let (signature, signed) = match (kids.next(), kids.next(), kids.next()) {
        (Some(s), None, _)
            if o.is(s, OADR_NS, "oadrSignedObject") && !options.require_signature =>
        {
            return Ok(None)
        }
        (Some(sig), Some(s), None)
            if o.is(sig, DS_NS, "Signature") && o.is(s, OADR_NS, "oadrSignedObject") =>
        {
            (sig, s)
        }
        _ => return Err(Bail),
    };
    for (i, e) in o.elements.iter().enumerate() {
        let i = i as u32;
        let stray_sig = e.local == "Signature" && e.ns == DS_NS && i != signature;
        let stray_obj = e.local == "oadrSignedObject" && e.ns == OADR_NS && i != signed;
        if stray_sig || stray_obj {
            return Err(Bail);
        }
    }

    // Signature: SignedInfo, SignatureValue, KeyInfo?, Object*.
    let mut parts = o.children(signature);
    let signed_info = parts
        .next()
        .filter(|n| o.is(*n, DS_NS, "SignedInfo"))
        .ok_or(Bail)?;
    let signature_value = parts
        .next()
        .filter(|n| o.is(*n, DS_NS, "SignatureValue"))
        .ok_or(Bail)?;
    let mut key_info = None;
    let mut objects = Vec::new();
    for n in parts {
        if o.is(n, DS_NS, "KeyInfo") && key_info.is_none() && objects.is_empty() {
            key_info = Some(n);
        } else if o.is(n, DS_NS, "Object") {
            objects.push(n);
        } else {
            return Err(Bail);
        }
    }

    // SignedInfo: CanonicalizationMethod, SignatureMethod, two References.
    let mut si = o.children(signed_info);
    let cm = si
        .next()
        .filter(|n| o.is(*n, DS_NS, "CanonicalizationMethod"))
        .ok_or(Bail)?;
    let sm = si
        .next()
        .filter(|n| o.is(*n, DS_NS, "SignatureMethod"))
        .ok_or(Bail)?;
    let info_c14n = c14n_method(&o, cm)?;
    if o.get(sm).first_child != NONE {
        return Err(Bail);
    }
    let method = SignatureMethod::from_uri(attr(&o, sm, "Algorithm")?, options.algorithms, "")
        .map_err(|_| Bail)?;
    let references = [si.next().ok_or(Bail)?, si.next().ok_or(Bail)?];
    if si.next().is_some() {
        return Err(Bail);
    }
    let mut plan = Vec::with_capacity(2);
    let mut replay_object = None;
    for r in references {
        let r = reference(&o, r, options)?;
        if r.target == signed {
            if plan.iter().any(|p: &Reference| p.target == signed) {
                return Err(Bail);
            }
        } else if o.is(r.target, DS_NS, "Object") && o.get(r.target).parent == signature {
            if replay_object.is_some() {
                return Err(Bail);
            }
            replay_object = Some(r.target);
        } else {
            return Err(Bail);
        }
        plan.push(r);
    }
    let object = replay_object.ok_or(Bail)?;
    if objects.iter().any(|n| *n != object) {
        return Err(Bail);
    }
    let (timestamp_text, nonce) = replay_protect(&o, object)?;
    let timestamp = DateTime::parse_from_rfc3339(timestamp_text)
        .map_err(|_| Bail)?
        .with_timezone(&Utc);

    // Trust, then the signature over SignedInfo, then the digests.
    let (signer, others) = key_info_certificates(&o, key_info.ok_or(Bail)?, certificates)?;
    options
        .trust
        .check(&signer, &others, now)
        .map_err(|_| Bail)?;
    let sig_value = base64(o.plain_text_lines(signature_value)?)?;
    let mut canonical = Vec::with_capacity(2048);
    write_element(&o, signed_info, &info_c14n, &mut canonical)?;
    signer
        .verify_with(options.backend, method, &canonical, &sig_value)
        .map_err(|_| Bail)?;
    for r in &plan {
        canonical.clear();
        write_element(&o, r.target, &r.c14n, &mut canonical)?;
        if ring::digest::digest(r.digest.ring(), &canonical).as_ref() != r.digest_value {
            return Err(Bail);
        }
    }
    let e = o.get(signed);
    Ok(Some(Checked {
        verified: Verified {
            fingerprint: signer.fingerprint(),
            certificate: signer,
            timestamp,
            nonce: nonce.to_owned(),
            signed_object: e.start..e.end,
        },
        timestamp,
        timestamp_text: timestamp_text.to_owned(),
    }))
}

struct Reference {
    target: u32,
    c14n: Method,
    digest: Digest,
    digest_value: Vec<u8>,
}

/// `URI="#id"`, an optional single c14n Transform, DigestMethod, DigestValue.
fn reference(o: &Outline<'_>, node: u32, options: &VerifyOptions) -> Fast<Reference> {
    if !o.is(node, DS_NS, "Reference") {
        return Err(Bail);
    }
    let uri = o.attribute(node, "URI").unwrap_or("");
    let id = uri
        .strip_prefix('#')
        .filter(|id| !id.is_empty() && !id.contains(['(', '&']))
        .ok_or(Bail)?;
    let mut target = NONE;
    for (value, element) in &o.ids {
        if *value == id && *element != target {
            if target != NONE {
                return Err(Bail);
            }
            target = *element;
        }
    }
    if target == NONE {
        return Err(Bail);
    }
    let mut children = o.children(node).peekable();
    let mut c14n = Method::inclusive();
    if let Some(t) = children.next_if(|n| o.is(*n, DS_NS, "Transforms")) {
        let mut transforms = o.children(t);
        match (transforms.next(), transforms.next()) {
            (Some(one), None) if o.is(one, DS_NS, "Transform") => c14n = c14n_method(o, one)?,
            (None, _) => {}
            _ => return Err(Bail),
        }
    }
    c14n.with_comments = false;
    let dm = children
        .next()
        .filter(|n| o.is(*n, DS_NS, "DigestMethod"))
        .ok_or(Bail)?;
    let digest =
        Digest::from_uri(attr(o, dm, "Algorithm")?, options.algorithms, "").map_err(|_| Bail)?;
    let dv = children
        .next()
        .filter(|n| o.is(*n, DS_NS, "DigestValue"))
        .ok_or(Bail)?;
    if children.next().is_some() {
        return Err(Bail);
    }
    Ok(Reference {
        target,
        c14n,
        digest,
        digest_value: base64(o.plain_text_lines(dv)?)?,
    })
}

/// An attribute whose raw value is its parsed value (no references, no whitespace to
/// normalize).
fn attr<'a>(o: &Outline<'a>, node: u32, name: &str) -> Fast<&'a str> {
    o.attribute(node, name)
        .filter(|v| !v.contains(['&', '\t', '\n', '\r']))
        .ok_or(Bail)
}

fn c14n_method(o: &Outline<'_>, node: u32) -> Fast<Method> {
    let mut method = Method::from_uri(attr(o, node, "Algorithm")?).ok_or(Bail)?;
    for child in o.children(node) {
        if !o.is(child, c14n::EXC_C14N_URI, "InclusiveNamespaces")
            || method.algorithm != c14n::Algorithm::Exclusive
        {
            return Err(Bail);
        }
        let list = o.attribute(child, "PrefixList").unwrap_or("");
        if list.contains('&') {
            return Err(Bail);
        }
        method.inclusive_prefixes = list.split_ascii_whitespace().map(str::to_owned).collect();
    }
    Ok(method)
}

/// The only element child of `node`, `{ns}name`, with no text beside it.
fn only(o: &Outline<'_>, node: u32, ns: &str, name: &str) -> Fast<u32> {
    let mut kids = o.children(node);
    match (kids.next(), kids.next()) {
        (Some(k), None) if o.is(k, ns, name) && !o.get(node).has_text => Ok(k),
        _ => Err(Bail),
    }
}

/// The trimmed timestamp and nonce texts of the ReplayProtect object.
fn replay_protect<'a>(o: &Outline<'a>, object: u32) -> Fast<(&'a str, &'a str)> {
    let props = only(o, object, DS_NS, "SignatureProperties")?;
    let prop = only(o, props, DS_NS, "SignatureProperty")?;
    let rp = only(o, prop, DSP_NS, "ReplayProtect")?;
    let mut kids = o.children(rp);
    let (Some(ts), Some(nonce), None) = (kids.next(), kids.next(), kids.next()) else {
        return Err(Bail);
    };
    if !o.is(ts, DSP_NS, "timestamp") || !o.is(nonce, DSP_NS, "nonce") {
        return Err(Bail);
    }
    let ts = o.plain_text(ts)?.trim();
    let nonce = o.plain_text(nonce)?.trim();
    if nonce.is_empty() || nonce.len() > MAX_NONCE_LEN {
        return Err(Bail);
    }
    Ok((ts, nonce))
}

/// The signer's certificate (first `X509Certificate` of the `X509Data`s) and the others.
fn key_info_certificates(
    o: &Outline<'_>,
    key_info: u32,
    cache: &Mutex<CertificateCache>,
) -> Fast<(Certificate, Vec<Certificate>)> {
    let mut signer = None;
    let mut others = Vec::new();
    for data in o.children(key_info).filter(|n| o.is(*n, DS_NS, "X509Data")) {
        for c in o
            .children(data)
            .filter(|n| o.is(*n, DS_NS, "X509Certificate"))
        {
            let text = o.plain_text_lines(c)?;
            let cert = cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_or_parse(text, Certificate::from_base64)
                .map_err(|_| Bail)?;
            if signer.is_none() {
                signer = Some(cert);
            } else {
                others.push(cert);
            }
        }
    }
    Ok((signer.ok_or(Bail)?, others))
}

fn base64(text: &str) -> Fast<Vec<u8>> {
    let engine = &base64::engine::general_purpose::STANDARD;
    if !text.bytes().any(super::lex::is_space_byte) {
        return engine.decode(text).map_err(|_| Bail);
    }
    let mut compact = text.as_bytes().to_vec();
    compact.retain(|c| !c.is_ascii_whitespace());
    engine.decode(compact).map_err(|_| Bail)
}

#[cfg(test)]
mod tests {
    use super::super::stream_c14n::tests::agree;
    use super::super::trust::Trust;
    use super::super::verify::Replay;
    use super::super::{Signer, Verifier};
    use super::*;
    use std::path::{Path, PathBuf};

    fn files(dir: &str) -> Vec<PathBuf> {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .join("tests/fixtures")
            .join(dir);
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .expect("fixtures")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            .collect();
        v.sort();
        v
    }

    fn certs(name: &str) -> (Vec<u8>, Vec<u8>) {
        let base =
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("tests/fixtures/certs");
        (
            std::fs::read(base.join(format!("{name}.crt"))).expect("cert"),
            std::fs::read(base.join(format!("{name}.key"))).expect("key"),
        )
    }

    /// The fast path's verdict on `bytes`, checked against the complete path: whatever it
    /// accepts, the complete path accepts with the same result.
    fn both(options: &VerifyOptions, bytes: &[u8], now: DateTime<Utc>) -> Fast<()> {
        let text = std::str::from_utf8(bytes).map_err(|_| Bail)?;
        let fast = check(text, options, &Mutex::default(), now)?;
        // ReplayProtect freshness and nonces are checked after either path.
        let mut options = options.clone();
        options.replay = Replay::Ignore;
        let complete = Verifier::new(options)
            .verify_complete(bytes, now)
            .expect("the complete path accepts what the fast path accepts");
        let (Some(f), Some(c)) = (fast.map(|f| f.verified), complete) else {
            panic!("signed by one path, unsigned by the other");
        };
        assert_eq!(
            (f.fingerprint, f.timestamp, f.nonce, f.signed_object),
            (c.fingerprint, c.timestamp, c.nonce, c.signed_object)
        );
        Ok(())
    }

    #[test]
    fn takes_the_signed_messages_of_oadr_and_openleadr() {
        let now = Utc::now();
        for key in ["rsa", "ecdsa"] {
            let (crt, k) = certs(&format!("vtn-{key}"));
            for algorithm in [c14n::Algorithm::Exclusive, c14n::Algorithm::Inclusive] {
                let signer = Signer::from_pem(&crt, &k)
                    .expect("signer")
                    .with_canonicalization(algorithm);
                let options = VerifyOptions::new(Trust::Fingerprints(vec![signer
                    .certificate()
                    .fingerprint()]));
                for file in files("valid") {
                    let payload = std::fs::read(&file).expect("read");
                    let Ok(signed) = signer.sign(&payload) else {
                        continue; // not an oadrPayload
                    };
                    both(&options, &signed, now)
                        .unwrap_or_else(|_| panic!("bailed on {} ({key})", file.display()));
                }
            }
        }
        let mut options = VerifyOptions::new(Trust::AnyCertificate);
        options.replay = Replay::Ignore;
        let captures = files("signed/openleadr");
        assert!(captures.len() >= 100);
        for file in captures {
            let bytes = std::fs::read(&file).expect("read");
            both(&options, &bytes, now).unwrap_or_else(|_| panic!("bailed on {}", file.display()));
        }
    }

    #[test]
    fn leaves_every_attack_to_the_complete_path() {
        let (crt, _) = certs("vtn-rsa");
        let cert = Certificate::from_pem(&crt).expect("cert");
        let options = VerifyOptions::new(Trust::Fingerprints(vec![cert.fingerprint()]));
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:01Z")
            .expect("t")
            .with_timezone(&Utc);
        for file in files("sign-attacks") {
            let bytes = std::fs::read(&file).expect("read");
            let verdict = both(&options, &bytes, now);
            let name = file.file_name().expect("name").to_string_lossy();
            // Only freshness (checked after either path) is left of these three.
            let fresh_only = [
                "valid-baseline",
                "expired-timestamp",
                "timestamp-from-the-future",
            ];
            assert_eq!(
                verdict.is_ok(),
                fresh_only.iter().any(|f| name == format!("{f}.xml")),
                "{name}"
            );
        }
    }

    #[test]
    fn streamed_c14n_agrees_on_every_fixture() {
        for dir in ["c14n", "valid", "sign-attacks"] {
            for file in files(dir) {
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                agree(&text);
            }
        }
    }
}
