//! Verifying a signed `oadrPayload` on the received bytes.
//!
//! The structure is checked before anything is trusted, so that what is digested is what is
//! processed (the XML Signature Wrapping classes of Somorovsky et al. and McIntosh–Austel:
//! moved, duplicated or shadowed Ids, extra signed objects, payloads hidden in `ds:Object`):
//! - `oadrPayload` holds one `ds:Signature` first, then one `oadrSignedObject`, nothing else;
//!   no other `Signature` or `oadrSignedObject` exists anywhere in the document;
//! - SignedInfo has exactly two references, `#id` only; each Id resolves to exactly one
//!   element of the whole document; one reference selects *that* `oadrSignedObject`, the other
//!   a `ds:Object` child of *that* `Signature` whose only content is
//!   `SignatureProperties/SignatureProperty/dsp:ReplayProtect`; no unsigned `ds:Object`;
//! - each reference has no transform or one canonicalization transform, nothing else.
//!
//! Then: trust of the certificate, the SignatureValue over the canonical SignedInfo, the two
//! digests, and finally ReplayProtect (timestamp window and nonce cache), so a nonce is only
//! remembered for a message that is otherwise valid.

use std::sync::Mutex;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use roxmltree::Node;

use super::algorithms::{AlgorithmPolicy, Digest, SignatureMethod};
use super::backend::Backend;
use super::c14n::{self, Method};
use super::cert::{Certificate, Fingerprint};
use super::cert_cache::CertificateCache;
use super::dom::{self, DSP_NS, DS_NS, OADR_NS};
use super::error::Error;
use super::fast_verify;
use super::lex::Bail;
use super::replay::{NonceCache, ReplayWindow, DEFAULT_NONCE_CAPACITY, MAX_NONCE_LEN};
use super::trust::Trust;

/// Whether and how ReplayProtect is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Replay {
    /// Check the timestamp window and the nonce cache.
    Check(ReplayWindow),
    /// Do not check freshness or nonces (archived messages). ReplayProtect must still be
    /// present, well-formed and signed.
    Ignore,
}

/// What verification accepts.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Whom to trust.
    pub trust: Trust,
    /// ReplayProtect policy (default: checked with [`ReplayWindow::default`]).
    pub replay: Replay,
    /// Algorithms accepted (default: no SHA-1).
    pub algorithms: AlgorithmPolicy,
    /// Whether an unsigned payload is refused (default: yes).
    pub require_signature: bool,
    /// Capacity of the nonce cache.
    pub nonce_capacity: usize,
    /// Crypto backend for the signature value (default: [`Backend::default`]).
    pub backend: Backend,
}

impl VerifyOptions {
    /// Defaults for `trust`.
    pub fn new(trust: Trust) -> Self {
        VerifyOptions {
            trust,
            replay: Replay::Check(ReplayWindow::default()),
            algorithms: AlgorithmPolicy::default(),
            require_signature: true,
            nonce_capacity: DEFAULT_NONCE_CAPACITY,
            backend: Backend::default(),
        }
    }
}

/// A verified signature.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Verified {
    /// The signer's certificate.
    pub certificate: Certificate,
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// The ReplayProtect timestamp.
    pub timestamp: DateTime<Utc>,
    /// The ReplayProtect nonce.
    pub nonce: String,
    /// Byte range of the verified `oadrSignedObject` in the input.
    pub signed_object: std::ops::Range<usize>,
}

/// Verifies signed payloads and remembers nonces.
#[derive(Debug)]
pub struct Verifier {
    options: VerifyOptions,
    nonces: Mutex<NonceCache>,
    certificates: Mutex<CertificateCache>,
}

impl Verifier {
    /// A verifier with `options`.
    pub fn new(options: VerifyOptions) -> Self {
        let nonces = Mutex::new(NonceCache::new(options.nonce_capacity));
        Verifier {
            options,
            nonces,
            certificates: Mutex::default(),
        }
    }

    /// Verify `bytes` at time `now`. `Ok(None)`: unsigned, and signatures are not required.
    ///
    /// A fast path (an outline of the text and streamed canonicalization, no tree) handles
    /// the messages it recognises as valid; every other message, and every refusal, goes
    /// through the complete path on a roxmltree document, which makes the decision and names
    /// the element path of the error.
    pub fn verify(&self, bytes: &[u8], now: DateTime<Utc>) -> Result<Option<Verified>, Error> {
        let fast = std::str::from_utf8(bytes)
            .map_err(|_| Bail)
            .and_then(|text| fast_verify::check(text, &self.options, &self.certificates, now));
        match fast {
            Ok(checked) => self.remember(checked, now),
            Err(Bail) => self.verify_complete(bytes, now),
        }
    }

    /// [`verify`](Self::verify) by the complete path only (tests and fuzzing compare the two).
    #[doc(hidden)]
    pub fn verify_complete(
        &self,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Option<Verified>, Error> {
        let doc = dom::parse_strict(bytes)?;
        let checked = check(&doc, &self.options, &self.certificates, now)?;
        self.remember(checked, now)
    }

    /// The ReplayProtect checks of a message whose signature is valid.
    fn remember(
        &self,
        checked: Option<Checked>,
        now: DateTime<Utc>,
    ) -> Result<Option<Verified>, Error> {
        let Some(checked) = checked else {
            return Ok(None);
        };
        if let Replay::Check(window) = self.options.replay {
            window.check(checked.timestamp, &checked.timestamp_text, now)?;
            let expires = checked.timestamp + window.max_age;
            let mut cache = self.nonces.lock().unwrap_or_else(|p| p.into_inner());
            cache.insert(
                checked.verified.fingerprint,
                &checked.verified.nonce,
                expires,
                now,
            )?;
        }
        Ok(Some(checked.verified))
    }
}

/// A message whose structure, trust, signature and digests are valid.
pub(super) struct Checked {
    pub(super) verified: Verified,
    pub(super) timestamp: DateTime<Utc>,
    pub(super) timestamp_text: String,
}

fn check(
    doc: &roxmltree::Document<'_>,
    options: &VerifyOptions,
    certificates: &Mutex<CertificateCache>,
    now: DateTime<Utc>,
) -> Result<Option<Checked>, Error> {
    let root = doc.root_element();
    let (signature, signed) = envelope(root)?;
    let Some(signature) = signature else {
        return if options.require_signature {
            Err(Error::MissingSignature)
        } else {
            Ok(None)
        };
    };
    for n in doc.descendants().filter(|n| n.is_element()) {
        let stray_sig = dom::is(n, DS_NS, "Signature") && n != signature;
        let stray_obj = dom::is(n, OADR_NS, "oadrSignedObject") && n != signed;
        if stray_sig || stray_obj {
            return Err(Error::Wrapping {
                path: dom::path(n),
                uri: String::new(),
                reason: "a second Signature or oadrSignedObject in the document".into(),
            });
        }
    }

    let parts = SignatureParts::of(signature)?;
    let info = SignedInfo::of(parts.signed_info, options.algorithms)?;
    let mut replay_object = None;
    let mut plan = Vec::with_capacity(2);
    for r in &info.references {
        let target = resolve(doc, r)?;
        if target == signed {
            if plan.iter().any(|(_, t, _)| *t == signed) {
                return Err(wrapping(r, "a second reference to the signed object"));
            }
            plan.push((r, target, true));
        } else if dom::is(target, DS_NS, "Object") && target.parent() == Some(signature) {
            if replay_object.is_some() {
                return Err(wrapping(r, "a second reference to a ds:Object"));
            }
            replay_object = Some(target);
            plan.push((r, target, false));
        } else {
            return Err(wrapping(
                r,
                "selects neither the oadrSignedObject nor the ReplayProtect object",
            ));
        }
    }
    let Some(object) = replay_object else {
        return Err(Error::ReplayProtect {
            path: dom::path(parts.signed_info),
            reason: "no reference to the ds:Object holding ReplayProtect".into(),
        });
    };
    for other in &parts.objects {
        if *other != object {
            return Err(Error::Wrapping {
                path: dom::path(*other),
                uri: String::new(),
                reason: "a ds:Object that no reference signs".into(),
            });
        }
    }
    let replay = ReplayProtect::of(object)?;

    // Trust, then the signature over SignedInfo, then the digests.
    let (signer, others) = key_info(parts.key_info, certificates)?;
    options.trust.check(&signer, &others, now)?;
    let sig_value = base64_text(parts.signature_value)?;
    let mut canonical = Vec::with_capacity(2048);
    c14n::write_subtree(parts.signed_info, &info.c14n, &mut canonical);
    signer.verify_with(options.backend, info.method, &canonical, &sig_value)?;
    for (r, target, is_signed_object) in plan {
        canonical.clear();
        c14n::write_subtree(target, &r.c14n, &mut canonical);
        let digest = ring::digest::digest(r.digest.ring(), &canonical);
        if digest.as_ref() != r.digest_value.as_slice() {
            return Err(if is_signed_object {
                Error::SignedObjectTampered
            } else {
                Error::ReplayProtectTampered {
                    path: dom::path(target),
                }
            });
        }
    }
    Ok(Some(Checked {
        verified: Verified {
            fingerprint: signer.fingerprint(),
            certificate: signer,
            timestamp: replay.timestamp,
            nonce: replay.nonce,
            signed_object: signed.range(),
        },
        timestamp: replay.timestamp,
        timestamp_text: replay.timestamp_text,
    }))
}

/// `oadrPayload` = `Signature`? `oadrSignedObject`, nothing else.
fn envelope<'a, 'i>(root: Node<'a, 'i>) -> Result<(Option<Node<'a, 'i>>, Node<'a, 'i>), Error> {
    if !dom::is(root, OADR_NS, "oadrPayload") {
        return Err(Error::structure(dom::path(root), "not an oadr:oadrPayload"));
    }
    if dom::has_text(root) {
        return Err(Error::structure("/oadrPayload", "text content"));
    }
    let children: Vec<_> = dom::elements(root).collect();
    match children.as_slice() {
        [s] if dom::is(*s, OADR_NS, "oadrSignedObject") => Ok((None, *s)),
        [sig, s]
            if dom::is(*sig, DS_NS, "Signature") && dom::is(*s, OADR_NS, "oadrSignedObject") =>
        {
            Ok((Some(*sig), *s))
        }
        _ => Err(Error::structure(
            "/oadrPayload",
            "must hold an optional ds:Signature followed by exactly one oadrSignedObject",
        )),
    }
}

struct SignatureParts<'a, 'i> {
    signed_info: Node<'a, 'i>,
    signature_value: Node<'a, 'i>,
    key_info: Option<Node<'a, 'i>>,
    objects: Vec<Node<'a, 'i>>,
}

impl<'a, 'i> SignatureParts<'a, 'i> {
    fn of(signature: Node<'a, 'i>) -> Result<Self, Error> {
        let mut it = dom::elements(signature).peekable();
        let mut next_named = |name: &str| -> Result<Node<'a, 'i>, Error> {
            it.next()
                .filter(|n| dom::is(*n, DS_NS, name))
                .ok_or_else(|| Error::MissingElement {
                    path: format!("{}/{name}", dom::path(signature)),
                })
        };
        let signed_info = next_named("SignedInfo")?;
        let signature_value = next_named("SignatureValue")?;
        let mut key_info = None;
        let mut objects = Vec::new();
        for n in dom::elements(signature).skip(2) {
            if dom::is(n, DS_NS, "KeyInfo") && key_info.is_none() && objects.is_empty() {
                key_info = Some(n);
            } else if dom::is(n, DS_NS, "Object") {
                objects.push(n);
            } else {
                return Err(Error::structure(dom::path(n), "unexpected in ds:Signature"));
            }
        }
        Ok(SignatureParts {
            signed_info,
            signature_value,
            key_info,
            objects,
        })
    }
}

struct Reference<'a, 'i> {
    node: Node<'a, 'i>,
    uri: &'a str,
    c14n: Method,
    digest: Digest,
    digest_value: Vec<u8>,
}

struct SignedInfo<'a, 'i> {
    c14n: Method,
    method: SignatureMethod,
    references: Vec<Reference<'a, 'i>>,
}

impl<'a, 'i> SignedInfo<'a, 'i> {
    fn of(node: Node<'a, 'i>, policy: AlgorithmPolicy) -> Result<Self, Error> {
        let children: Vec<_> = dom::elements(node).collect();
        let [cm, sm, refs @ ..] = children.as_slice() else {
            return Err(Error::MissingElement {
                path: format!("{}/SignatureMethod", dom::path(node)),
            });
        };
        if !dom::is(*cm, DS_NS, "CanonicalizationMethod") || !dom::is(*sm, DS_NS, "SignatureMethod")
        {
            return Err(Error::structure(
                dom::path(node),
                "must start with CanonicalizationMethod, SignatureMethod",
            ));
        }
        let c14n = c14n_method(*cm)?;
        if dom::elements(*sm).next().is_some() {
            return Err(Error::structure(
                dom::path(*sm),
                "parameters (HMACOutputLength) are not supported",
            ));
        }
        // The element path is built only for the error (it walks the siblings).
        let uri = algorithm(*sm)?;
        let method = SignatureMethod::from_uri(uri, policy, "")
            .or_else(|_| SignatureMethod::from_uri(uri, policy, &dom::path(*sm)))?;
        if refs.len() != 2 || !refs.iter().all(|r| dom::is(*r, DS_NS, "Reference")) {
            return Err(Error::ReferenceCount {
                path: dom::path(node),
                found: refs
                    .iter()
                    .filter(|r| dom::is(**r, DS_NS, "Reference"))
                    .count(),
            });
        }
        let references = refs
            .iter()
            .map(|r| reference(*r, policy))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SignedInfo {
            c14n,
            method,
            references,
        })
    }
}

fn reference<'a, 'i>(
    node: Node<'a, 'i>,
    policy: AlgorithmPolicy,
) -> Result<Reference<'a, 'i>, Error> {
    let uri = node.attribute("URI").unwrap_or("");
    let mut children = dom::elements(node).peekable();
    let mut c14n = Method::inclusive();
    if let Some(t) = children.next_if(|n| dom::is(*n, DS_NS, "Transforms")) {
        let transforms: Vec<_> = dom::elements(t).collect();
        match transforms.as_slice() {
            [one] if dom::is(*one, DS_NS, "Transform") => {
                c14n = c14n_method(*one).map_err(|_| Error::UnexpectedTransform {
                    path: dom::path(*one),
                    uri: one.attribute("Algorithm").unwrap_or("").to_owned(),
                })?;
            }
            [] => {}
            [_, second, ..] => {
                return Err(Error::UnexpectedTransform {
                    path: dom::path(*second),
                    uri: second.attribute("Algorithm").unwrap_or("").to_owned(),
                })
            }
            [other] => return Err(Error::structure(dom::path(*other), "not a ds:Transform")),
        }
    }
    // `#id` node-sets never contain comments (XML-DSig §4.3.3.3).
    c14n.with_comments = false;
    let dm = children
        .next()
        .filter(|n| dom::is(*n, DS_NS, "DigestMethod"))
        .ok_or_else(|| Error::MissingElement {
            path: format!("{}/DigestMethod", dom::path(node)),
        })?;
    let digest_uri = algorithm(dm)?;
    let digest = Digest::from_uri(digest_uri, policy, "")
        .or_else(|_| Digest::from_uri(digest_uri, policy, &dom::path(dm)))?;
    let dv = children
        .next()
        .filter(|n| dom::is(*n, DS_NS, "DigestValue"))
        .ok_or_else(|| Error::MissingElement {
            path: format!("{}/DigestValue", dom::path(node)),
        })?;
    if let Some(extra) = children.next() {
        return Err(Error::structure(
            dom::path(extra),
            "unexpected in ds:Reference",
        ));
    }
    Ok(Reference {
        node,
        uri,
        c14n,
        digest,
        digest_value: base64_text(dv)?,
    })
}

fn algorithm<'a>(node: Node<'a, '_>) -> Result<&'a str, Error> {
    node.attribute("Algorithm")
        .ok_or_else(|| Error::MissingElement {
            path: format!("{}/@Algorithm", dom::path(node)),
        })
}

/// A c14n method from a CanonicalizationMethod or Transform element (with an optional
/// `ec:InclusiveNamespaces PrefixList` for exclusive c14n).
fn c14n_method(node: Node<'_, '_>) -> Result<Method, Error> {
    let uri = algorithm(node)?;
    let mut method = Method::from_uri(uri).ok_or_else(|| Error::UnsupportedAlgorithm {
        path: dom::path(node),
        uri: uri.to_owned(),
    })?;
    for child in dom::elements(node) {
        let is_inclusive_ns = dom::is(child, c14n::EXC_C14N_URI, "InclusiveNamespaces");
        if !is_inclusive_ns || method.algorithm != c14n::Algorithm::Exclusive {
            return Err(Error::structure(
                dom::path(child),
                "unexpected c14n parameter",
            ));
        }
        let list = child.attribute("PrefixList").unwrap_or("");
        method.inclusive_prefixes = list.split_ascii_whitespace().map(str::to_owned).collect();
    }
    Ok(method)
}

fn wrapping(r: &Reference<'_, '_>, reason: &str) -> Error {
    Error::Wrapping {
        path: dom::path(r.node),
        uri: r.uri.to_owned(),
        reason: reason.to_owned(),
    }
}

/// The one element of the document whose Id is the reference's `#id`.
fn resolve<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
    r: &Reference<'a, 'i>,
) -> Result<Node<'a, 'i>, Error> {
    let Some(id) = r
        .uri
        .strip_prefix('#')
        .filter(|id| !id.is_empty() && !id.contains('('))
    else {
        return Err(wrapping(
            r,
            "only same-document #Id references are accepted",
        ));
    };
    let mut found = doc
        .descendants()
        .filter(|n| n.is_element() && dom::ids(*n).any(|v| v == id));
    let target = found
        .next()
        .ok_or_else(|| wrapping(r, "no element carries this Id"))?;
    if let Some(second) = found.next() {
        return Err(wrapping(
            r,
            &format!(
                "Id carried by more than one element ({} and {})",
                dom::path(target),
                dom::path(second)
            ),
        ));
    }
    Ok(target)
}

fn text_of(node: Node<'_, '_>) -> Result<String, Error> {
    if dom::elements(node).next().is_some() {
        return Err(Error::structure(
            dom::path(node),
            "element content where text is expected",
        ));
    }
    Ok(node
        .children()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect())
}

fn base64_text(node: Node<'_, '_>) -> Result<Vec<u8>, Error> {
    let mut text = text_of(node)?.into_bytes();
    text.retain(|c| !c.is_ascii_whitespace());
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| Error::Base64 {
            path: dom::path(node),
        })
}

/// The signer's certificate (first `X509Certificate`) and the others (intermediates).
fn key_info(
    node: Option<Node<'_, '_>>,
    cache: &Mutex<CertificateCache>,
) -> Result<(Certificate, Vec<Certificate>), Error> {
    let missing = || Error::MissingElement {
        path: "/oadrPayload/Signature/KeyInfo/X509Data/X509Certificate".into(),
    };
    let node = node.ok_or_else(missing)?;
    let mut certs = Vec::new();
    for data in dom::elements(node).filter(|n| dom::is(*n, DS_NS, "X509Data")) {
        for c in dom::elements(data).filter(|n| dom::is(*n, DS_NS, "X509Certificate")) {
            let text = text_of(c)?;
            let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
            let cert = cache
                .get_or_parse(&text, Certificate::from_base64)
                .map_err(|reason| Error::Certificate {
                    path: dom::path(c),
                    reason,
                })?;
            certs.push(cert);
        }
    }
    if certs.is_empty() {
        return Err(missing());
    }
    let signer = certs.remove(0);
    Ok((signer, certs))
}

fn only<'a, 'i>(n: Node<'a, 'i>, ns: &str, name: &str) -> Result<Node<'a, 'i>, Error> {
    let kids: Vec<_> = dom::elements(n).collect();
    match kids.as_slice() {
        [k] if dom::is(*k, ns, name) && !dom::has_text(n) => Ok(*k),
        _ => Err(Error::Wrapping {
            path: dom::path(n),
            uri: String::new(),
            reason: format!("must hold exactly one {name} and nothing else"),
        }),
    }
}

struct ReplayProtect {
    timestamp: DateTime<Utc>,
    timestamp_text: String,
    nonce: String,
}

impl ReplayProtect {
    /// `ds:Object/SignatureProperties/SignatureProperty/dsp:ReplayProtect(timestamp, nonce)`,
    /// and nothing else in the object.
    fn of(object: Node<'_, '_>) -> Result<Self, Error> {
        let bad = |n: Node<'_, '_>, reason: &str| Error::ReplayProtect {
            path: dom::path(n),
            reason: reason.to_owned(),
        };
        let props = only(object, DS_NS, "SignatureProperties")?;
        let prop = only(props, DS_NS, "SignatureProperty")?;
        let rp = only(prop, DSP_NS, "ReplayProtect")?;
        let kids: Vec<_> = dom::elements(rp).collect();
        let [ts, nonce] = kids.as_slice() else {
            return Err(bad(rp, "must hold timestamp and nonce"));
        };
        if !dom::is(*ts, DSP_NS, "timestamp") || !dom::is(*nonce, DSP_NS, "nonce") {
            return Err(bad(rp, "must hold timestamp and nonce"));
        }
        let timestamp_text = text_of(*ts)?.trim().to_owned();
        let timestamp = DateTime::parse_from_rfc3339(&timestamp_text)
            .map_err(|e| bad(*ts, &format!("not an xs:dateTime with zone: {e}")))?
            .with_timezone(&Utc);
        let nonce_text = text_of(*nonce)?.trim().to_owned();
        if nonce_text.is_empty() || nonce_text.len() > MAX_NONCE_LEN {
            return Err(bad(*nonce, "empty or longer than 256 bytes"));
        }
        Ok(ReplayProtect {
            timestamp,
            timestamp_text,
            nonce: nonce_text,
        })
    }
}
