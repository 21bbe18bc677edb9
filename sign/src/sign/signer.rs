//! Building the signature: `ds:Signature` as the first child of `oadrPayload` (spec digest
//! §9), two references (`#oadrSignedObject` and the `ds:Object` holding `dsp:ReplayProtect`),
//! KeyInfo with the signer's certificate. Works on the bytes that will be sent: the signature
//! is spliced into the input text, nothing else is re-serialized.

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use roxmltree::Node;

use super::algorithms::SHA256_URI;
use super::backend::Backend;
use super::c14n::{self, Algorithm, Method};
use super::cert::Certificate;
use super::dom::{self, DSP_NS, DS_NS, OADR_NS};
use super::error::Error;
use super::keys::SigningKey;
use super::lex::{Bail, Fast};
use super::outline::Outline;
use super::stream_c14n::write_element;

/// Id of the signed object (the schema's comment and every implementation use it).
pub const SIGNED_OBJECT_ID: &str = "oadrSignedObject";
/// Id we give the `ds:Signature`.
pub const SIGNATURE_ID: &str = "oadrSignature";
/// Id we give the `ds:Object` holding ReplayProtect.
pub const REPLAY_PROTECT_ID: &str = "oadrReplayProtect";

/// Signs OpenADR payloads with one key and certificate.
#[derive(Debug)]
pub struct Signer {
    key: SigningKey,
    cert: Certificate,
    chain: Vec<Certificate>,
    method: Method,
    /// The `ds:X509Certificate` elements of KeyInfo, written once.
    key_info_certificates: String,
}

fn key_info_certificates(cert: &Certificate, chain: &[Certificate]) -> String {
    std::iter::once(cert)
        .chain(chain)
        .map(|c| format!("<ds:X509Certificate>{}</ds:X509Certificate>", c.to_base64()))
        .collect()
}

impl Signer {
    /// A signer for `cert` and its private `key`, using Exclusive C14N.
    pub fn new(cert: Certificate, key: SigningKey) -> Result<Self, Error> {
        if !key.matches(&cert) {
            return Err(Error::Key {
                reason: format!(
                    "the private key does not belong to certificate {}",
                    cert.fingerprint()
                ),
            });
        }
        Ok(Signer {
            key_info_certificates: key_info_certificates(&cert, &[]),
            key,
            cert,
            chain: Vec::new(),
            method: Method::exclusive(),
        })
    }

    /// A signer from PEM files' contents, with the default [`Backend`].
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, Error> {
        Self::from_pem_with(cert_pem, key_pem, Backend::default())
    }

    /// Like [`from_pem`](Self::from_pem), with the given backend.
    pub fn from_pem_with(cert_pem: &[u8], key_pem: &[u8], backend: Backend) -> Result<Self, Error> {
        let cert = Certificate::from_pem(cert_pem).map_err(|reason| Error::Key { reason })?;
        Self::new(cert, SigningKey::from_pem_with(key_pem, backend)?)
    }

    /// Use this canonicalization (Exclusive C14N is the default; OpenLEADR emits inclusive).
    pub fn with_canonicalization(mut self, algorithm: Algorithm) -> Self {
        self.method = match algorithm {
            Algorithm::Inclusive => Method::inclusive(),
            Algorithm::Exclusive => Method::exclusive(),
        };
        self
    }

    /// Also send these intermediate CA certificates in KeyInfo (after the signer's), for
    /// receivers that trust a root CA.
    pub fn with_chain(mut self, intermediates: Vec<Certificate>) -> Self {
        self.chain = intermediates;
        self.key_info_certificates = key_info_certificates(&self.cert, &self.chain);
        self
    }

    /// The signer's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// Sign an unsigned `oadrPayload` now, with a fresh random nonce.
    pub fn sign(&self, payload: &[u8]) -> Result<Vec<u8>, Error> {
        let mut bytes = [0u8; 16];
        self.key.random(&mut bytes)?;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let nonce: String = bytes
            .iter()
            .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
            .map(char::from)
            .collect();
        self.sign_with(payload, Utc::now(), &nonce)
    }

    /// Sign with a given ReplayProtect timestamp and nonce (tests, reproducible output).
    pub fn sign_with(
        &self,
        payload: &[u8],
        timestamp: DateTime<Utc>,
        nonce: &str,
    ) -> Result<Vec<u8>, Error> {
        if let Ok(signed) = self.sign_fast(payload, timestamp, nonce) {
            return signed;
        }
        self.sign_complete(payload, timestamp, nonce)
    }

    /// [`sign_with`](Self::sign_with) by the complete path (a roxmltree document).
    fn sign_complete(
        &self,
        payload: &[u8],
        timestamp: DateTime<Utc>,
        nonce: &str,
    ) -> Result<Vec<u8>, Error> {
        let doc = dom::parse_strict(payload)?;
        let root = doc.root_element();
        let signed = signed_object(root)?;
        if dom::id_of(signed).is_none() {
            let text = with_signed_object_id(doc.input_text(), signed)?;
            return self.sign_with(text.as_bytes(), timestamp, nonce);
        }
        if dom::id_of(signed) != Some(SIGNED_OBJECT_ID) {
            return Err(Error::structure(
                dom::path(signed),
                format!("Id must be {SIGNED_OBJECT_ID}"),
            ));
        }
        for n in doc.descendants().filter(|n| n.is_element() && *n != signed) {
            if dom::ids(n)
                .any(|id| [SIGNED_OBJECT_ID, SIGNATURE_ID, REPLAY_PROTECT_ID].contains(&id))
            {
                return Err(Error::structure(
                    dom::path(n),
                    "carries an Id the signature uses",
                ));
            }
        }

        let mut canonical = Vec::with_capacity(payload.len());
        c14n::write_subtree(signed, &self.method, &mut canonical);
        let object_digest = sha256_b64(&canonical);

        let context = Context::of(root);
        // Right after the start tag of oadrPayload: where its first child begins.
        let at = root
            .first_child()
            .map(|n| n.range().start)
            .ok_or_else(|| Error::structure("/oadrPayload", "empty"))?;
        self.assemble(payload, at, &object_digest, timestamp, nonce, |fragment| {
            context.canonical(fragment, &self.method)
        })
    }

    /// The fast path of [`sign_with`](Self::sign_with) (Exclusive C14N, a payload already
    /// carrying `Id="oadrSignedObject"`): the payload is outlined and its signed object
    /// canonicalized from the text, without a tree. Anything else is a [`Bail`], and the
    /// complete path runs (and reports errors with their element paths).
    fn sign_fast(
        &self,
        payload: &[u8],
        timestamp: DateTime<Utc>,
        nonce: &str,
    ) -> Fast<Result<Vec<u8>, Error>> {
        if self.method != Method::exclusive() {
            return Err(Bail);
        }
        let text = std::str::from_utf8(payload).map_err(|_| Bail)?;
        let o = Outline::scan(text)?;
        let root = 0;
        let mut kids = o.children(root);
        let (Some(signed), None) = (kids.next(), kids.next()) else {
            return Err(Bail);
        };
        if !o.is(root, OADR_NS, "oadrPayload") || !o.is(signed, OADR_NS, "oadrSignedObject") {
            return Err(Bail);
        }
        let reserved = [SIGNED_OBJECT_ID, SIGNATURE_ID, REPLAY_PROTECT_ID];
        let first_id = o.ids.iter().find(|(_, e)| *e == signed).map(|(v, _)| *v);
        if first_id != Some(SIGNED_OBJECT_ID)
            || o.ids
                .iter()
                .any(|(v, e)| *e != signed && reserved.contains(v))
        {
            return Err(Bail);
        }
        let mut canonical = Vec::with_capacity(payload.len());
        write_element(&o, signed, &self.method, &mut canonical)?;
        let object_digest = sha256_b64(&canonical);
        Ok(self.assemble(
            payload,
            o.get(root).head_end,
            &object_digest,
            timestamp,
            nonce,
            |fragment| Ok(exclusive_fragment(fragment)),
        ))
    }

    /// The signature (SignedInfo over the signed object's digest and a fresh ReplayProtect
    /// object, signed; KeyInfo), spliced into `payload` at `at`. `canonical` gives the
    /// canonical form of a fragment of the signature in place.
    fn assemble(
        &self,
        payload: &[u8],
        at: usize,
        object_digest: &str,
        timestamp: DateTime<Utc>,
        nonce: &str,
        canonical: impl Fn(&str) -> Result<Vec<u8>, Error>,
    ) -> Result<Vec<u8>, Error> {
        let object = replay_protect_object(timestamp, nonce);
        let replay_digest = sha256_b64(&canonical(&object)?);

        let alg = self.method.uri();
        let mut signed_info = String::with_capacity(1024);
        for piece in [
            "<ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"",
            alg,
            "\"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm=\"",
            self.key.method().uri(),
            "\"></ds:SignatureMethod>",
        ] {
            signed_info.push_str(piece);
        }
        reference(&mut signed_info, SIGNED_OBJECT_ID, alg, object_digest);
        reference(&mut signed_info, REPLAY_PROTECT_ID, alg, &replay_digest);
        signed_info.push_str("</ds:SignedInfo>");
        let signature_value = self.key.sign(&canonical(&signed_info)?)?;

        // The signed payload, written once into a buffer of its final size.
        let b64 = &base64::engine::general_purpose::STANDARD;
        let value_len = base64::encoded_len(signature_value.len(), true).unwrap_or(0);
        let head: [&str; 6] = [
            "<ds:Signature xmlns:ds=\"",
            DS_NS,
            "\" Id=\"",
            SIGNATURE_ID,
            "\">",
            &signed_info,
        ];
        let tail: [&str; 4] = [
            "</ds:SignatureValue><ds:KeyInfo><ds:X509Data>",
            &self.key_info_certificates,
            "</ds:X509Data></ds:KeyInfo>",
            &object,
        ];
        let len = payload.len()
            + head.iter().chain(&tail).map(|p| p.len()).sum::<usize>()
            + "<ds:SignatureValue>".len()
            + value_len
            + "</ds:Signature>".len();
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(&payload[..at]);
        for piece in head {
            out.extend_from_slice(piece.as_bytes());
        }
        out.extend_from_slice(b"<ds:SignatureValue>");
        let value_at = out.len();
        out.resize(value_at + value_len, 0);
        let written = b64
            .encode_slice(&signature_value, &mut out[value_at..])
            .map_err(|_| Error::Signing {
                reason: "internal: base64 buffer".into(),
            })?;
        out.truncate(value_at + written);
        for piece in tail {
            out.extend_from_slice(piece.as_bytes());
        }
        out.extend_from_slice(b"</ds:Signature>");
        out.extend_from_slice(&payload[at..]);
        Ok(out)
    }
}

/// The single `oadrSignedObject` child of an unsigned `oadrPayload`.
fn signed_object<'a, 'i>(root: Node<'a, 'i>) -> Result<Node<'a, 'i>, Error> {
    if !dom::is(root, OADR_NS, "oadrPayload") {
        return Err(Error::structure(dom::path(root), "not an oadr:oadrPayload"));
    }
    let mut signed = None;
    for child in dom::elements(root) {
        if dom::is(child, DS_NS, "Signature") {
            return Err(Error::structure(
                dom::path(child),
                "the payload is already signed",
            ));
        }
        if !dom::is(child, OADR_NS, "oadrSignedObject") || signed.is_some() {
            return Err(Error::structure(
                dom::path(child),
                "oadrPayload must hold exactly one oadrSignedObject",
            ));
        }
        signed = Some(child);
    }
    signed.ok_or_else(|| Error::structure("/oadrPayload", "no oadrSignedObject"))
}

/// The payload text with `oadr:Id="oadrSignedObject"` added to the signed object.
fn with_signed_object_id(text: &str, signed: Node<'_, '_>) -> Result<String, Error> {
    let qname = c14n::qname(signed);
    let Some((prefix, _)) = qname.split_once(':') else {
        return Err(Error::structure(
            dom::path(signed),
            "no Id, and unprefixed so an oadr:Id cannot be added",
        ));
    };
    let at = signed.range().start + 1 + qname.len();
    Ok(format!(
        "{} {prefix}:Id=\"{SIGNED_OBJECT_ID}\"{}",
        &text[..at],
        &text[at..]
    ))
}

/// Append a `ds:Reference` (in canonical form) to `out`.
fn reference(out: &mut String, id: &str, c14n: &str, digest: &str) {
    for piece in [
        "<ds:Reference URI=\"#",
        id,
        "\"><ds:Transforms><ds:Transform Algorithm=\"",
        c14n,
        "\"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"",
        SHA256_URI,
        "\"></ds:DigestMethod><ds:DigestValue>",
        digest,
        "</ds:DigestValue></ds:Reference>",
    ] {
        out.push_str(piece);
    }
}

fn replay_protect_object(timestamp: DateTime<Utc>, nonce: &str) -> String {
    let ts = timestamp.to_rfc3339_opts(SecondsFormat::Micros, true);
    // Text escaped as c14n escapes it, so that the fragment is already in canonical form.
    let mut escaped = Vec::new();
    c14n::escape_text(nonce, &mut escaped);
    let nonce = String::from_utf8_lossy(&escaped);
    format!(
        "<ds:Object Id=\"{REPLAY_PROTECT_ID}\"><ds:SignatureProperties>\
         <ds:SignatureProperty Target=\"#{SIGNATURE_ID}\"><dsp:ReplayProtect xmlns:dsp=\"{DSP_NS}\">\
         <dsp:timestamp>{ts}</dsp:timestamp><dsp:nonce>{nonce}</dsp:nonce></dsp:ReplayProtect>\
         </ds:SignatureProperty></ds:SignatureProperties></ds:Object>"
    )
}

fn escape(s: &str, out: &mut Vec<u8>) {
    for c in s.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '"' => out.extend_from_slice(b"&quot;"),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

fn sha256_b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(ring::digest::digest(&ring::digest::SHA256, data))
}

/// The namespace context (and `xml:*` attributes) of `oadrPayload`, so that fragments of the
/// signature can be canonicalized as they will be in place, without building the document.
struct Context {
    open: String,
}

impl Context {
    fn of(root: Node<'_, '_>) -> Self {
        let mut open = String::from("<w");
        let mut buf = Vec::new();
        for ns in root.namespaces().filter(|ns| ns.name() != Some("xml")) {
            match ns.name() {
                Some(p) => open.push_str(&format!(" xmlns:{p}=\"")),
                None => open.push_str(" xmlns=\""),
            }
            buf.clear();
            escape(ns.uri(), &mut buf);
            open.push_str(&String::from_utf8_lossy(&buf));
            open.push('"');
        }
        for a in root.attributes().filter(|a| a.namespace() == Some(XML_NS)) {
            buf.clear();
            escape(a.value(), &mut buf);
            open.push_str(&format!(
                " xml:{}=\"{}\"",
                a.name(),
                String::from_utf8_lossy(&buf)
            ));
        }
        open.push_str(&format!(
            "><ds:Signature xmlns:ds=\"{DS_NS}\" Id=\"{SIGNATURE_ID}\">"
        ));
        Context { open }
    }

    /// Canonical form of `fragment` as a child of our `ds:Signature` inside `oadrPayload`.
    fn canonical(&self, fragment: &str, method: &Method) -> Result<Vec<u8>, Error> {
        if *method == Method::exclusive() {
            return Ok(exclusive_fragment(fragment));
        }
        self.parsed_canonical(fragment, method)
    }

    /// Canonical form of `fragment`, by parsing it in its namespace context.
    fn parsed_canonical(&self, fragment: &str, method: &Method) -> Result<Vec<u8>, Error> {
        let text = format!("{}{fragment}</ds:Signature></w>", self.open);
        let doc = dom::parse_strict(text.as_bytes())?;
        let node = doc
            .root_element()
            .first_element_child()
            .and_then(|s| s.first_element_child())
            .ok_or_else(|| Error::Signing {
                reason: "internal: fragment did not parse".into(),
            })?;
        let mut out = Vec::with_capacity(fragment.len() + 256);
        c14n::write_subtree(node, method, &mut out);
        Ok(out)
    }
}

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Exclusive c14n (no prefix list) of a fragment of our signature. Our fragments are written
/// in canonical form (explicit end tags, sorted attributes, c14n text escaping, only `ds:`
/// names plus `dsp:` declared where used): exclusive c14n only adds the `ds` declaration to
/// the apex. Checked against the parsed path in the tests below.
fn exclusive_fragment(fragment: &str) -> Vec<u8> {
    let end = fragment.find([' ', '>']).unwrap_or(fragment.len());
    let mut out = Vec::with_capacity(fragment.len() + DS_NS.len() + 12);
    out.extend_from_slice(&fragment.as_bytes()[..end]);
    out.extend_from_slice(b" xmlns:ds=\"");
    out.extend_from_slice(DS_NS.as_bytes());
    out.push(b'"');
    out.extend_from_slice(&fragment.as_bytes()[end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_signs_the_same_bytes_as_the_complete_path() {
        let root =
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("tests/fixtures");
        let read = |rel: &str| std::fs::read(root.join(rel)).expect(rel);
        // RSA PKCS#1 v1.5 is deterministic: both paths must give identical output.
        let signer = Signer::from_pem(&read("certs/vtn-rsa.crt"), &read("certs/vtn-rsa.key"))
            .expect("signer");
        let ts = DateTime::from_timestamp(1_800_000_000, 0).expect("ts");
        let mut fast_taken = 0;
        for entry in std::fs::read_dir(root.join("valid")).expect("valid") {
            let payload = std::fs::read(entry.expect("entry").path()).expect("read");
            let Ok(complete) = signer.sign_complete(&payload, ts, "n1") else {
                continue;
            };
            if let Ok(Ok(fast)) = signer.sign_fast(&payload, ts, "n1") {
                assert_eq!(String::from_utf8(fast), String::from_utf8(complete.clone()));
                fast_taken += 1;
            }
            assert_eq!(signer.sign_with(&payload, ts, "n1").ok(), Some(complete));
        }
        assert!(fast_taken > 20, "fast path taken {fast_taken} times");
    }

    #[test]
    fn exclusive_fast_path_equals_parsed_canonicalization() {
        let payload = "<p:oadrPayload xmlns:p=\"http://openadr.org/oadr-2.0b/2012/07\" \
                       xmlns=\"urn:default\" xmlns:ds=\"urn:not-dsig\" xml:lang=\"en\"><x/></p:oadrPayload>";
        let doc = roxmltree::Document::parse(payload).unwrap();
        let ctx = Context::of(doc.root_element());
        let ts = DateTime::from_timestamp(1_800_000_000, 123_000).unwrap();
        let object = replay_protect_object(ts, "n<&>\"'\r");
        let signed_info = format!(
            "<ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"{0}\"></ds:CanonicalizationMethod>\
             <ds:SignatureMethod Algorithm=\"x\"></ds:SignatureMethod>{1}{1}</ds:SignedInfo>",
            c14n::EXC_C14N_URI,
            {
                let mut r = String::new();
                reference(&mut r, "a", c14n::EXC_C14N_URI, "AAAA");
                r
            },
        );
        for fragment in [object, signed_info] {
            let fast = ctx.canonical(&fragment, &Method::exclusive()).unwrap();
            let parsed = ctx
                .parsed_canonical(&fragment, &Method::exclusive())
                .unwrap();
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                String::from_utf8(parsed).unwrap()
            );
        }
    }
}
