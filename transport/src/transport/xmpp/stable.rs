//! Keeping XML signatures valid through an XMPP server.
//!
//! XMPP servers parse stanzas and write them out again. Prosody (the test server) writes
//! every element without a prefix, with `xmlns='…'` where the namespace changes, and every
//! namespaced attribute as `xmlns:nsN='…' nsN:name='…'`. Inclusive C14N keeps prefixes, so a
//! payload signed with `oadr:`/`ei:`/`ds:` prefixes no longer verifies on the other side.
//!
//! Two steps make a signed `oadrPayload` survive:
//! - before signing, [`server_form`] rewrites the payload into exactly that form (default
//!   namespaces, one `ns1:` prefix per namespaced attribute), so the server's rewrite of the
//!   signed object is the identity under C14N;
//! - after receiving, [`restore_signature`] gives the `ds:Signature` subtree back the
//!   conventional `ds:`/`dsp:` prefixes that oadr's signer (and OpenLEADR's) write, which is
//!   the form `SignedInfo` and the ReplayProtect object were digested in.
//!
//! Payloads whose elements carry two or more namespaced attributes are refused by
//! [`server_form`]: a server may order their `nsN` prefixes either way.

use super::xml::{escape, parse_element, Element};
use super::XmppError;

const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";
const NS_DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const NS_DSP: &str = "http://openadr.org/oadr-2.0b/2012/07/xmldsig-properties";

/// The payload as an XMPP server writes it (see the module docs).
pub fn server_form(payload: &[u8]) -> Result<Vec<u8>, XmppError> {
    let text = super::xml::embeddable(payload)?;
    let root = parse_element(text.as_bytes(), &[])?;
    let mut out = String::with_capacity(payload.len() + payload.len() / 4);
    write_server(&root, "", &mut out, &format!("/{}", root.name))?;
    Ok(out.into_bytes())
}

fn write_server(
    el: &Element,
    parent_ns: &str,
    out: &mut String,
    path: &str,
) -> Result<(), XmppError> {
    out.push('<');
    out.push_str(&el.name);
    if el.ns != parent_ns {
        out.push_str(&format!(" xmlns='{}'", escape(&el.ns)));
    }
    let mut prefixed = 0;
    for ((k, v), ns) in el.attrs.iter().zip(&el.attr_ns) {
        let local = k.split_once(':').map_or(k.as_str(), |(_, l)| l);
        if ns.is_empty() {
            out.push_str(&format!(" {k}='{}'", escape(v)));
        } else if ns == NS_XML {
            out.push_str(&format!(" xml:{local}='{}'", escape(v)));
        } else {
            prefixed += 1;
            if prefixed > 1 {
                return Err(XmppError::Xml {
                    path: path.to_owned(),
                    message: "two namespaced attributes: no server-stable form".into(),
                });
            }
            out.push_str(&format!(
                " xmlns:ns1='{}' ns1:{local}='{}'",
                escape(ns),
                escape(v)
            ));
        }
    }
    if el.children.is_empty() && el.text.is_empty() {
        out.push_str("/>");
        return Ok(());
    }
    out.push('>');
    // Text and children interleave in the source; oadr payloads have either text or
    // children (whitespace between children aside), so text first keeps the meaning.
    if el.children.is_empty() {
        out.push_str(&escape(&el.text));
    }
    for c in &el.children {
        write_server(c, &el.ns, out, &format!("{path}/{}", c.name))?;
    }
    out.push_str(&format!("</{}>", el.name));
    Ok(())
}

/// Give the `Signature` child of `oadrPayload` its `ds:`/`dsp:` prefixes back (see the
/// module docs); everything else is left byte for byte. A payload without a signature is
/// returned unchanged.
pub fn restore_signature(payload: &[u8]) -> Result<Vec<u8>, XmppError> {
    let root = parse_element(payload, &[])?;
    let Some(sig) = root
        .children
        .iter()
        .find(|c| c.name == "Signature" && c.ns == NS_DS)
    else {
        return Ok(payload.to_vec());
    };
    let mut out = Vec::with_capacity(payload.len() + 512);
    out.extend_from_slice(&payload[..sig.span.start]);
    let mut s = String::new();
    write_prefixed(sig, true, false, &mut s);
    out.extend_from_slice(s.as_bytes());
    out.extend_from_slice(&payload[sig.span.end..]);
    Ok(out)
}

fn write_prefixed(el: &Element, top: bool, dsp_declared: bool, out: &mut String) {
    let (prefix, declare) = match el.ns.as_str() {
        NS_DS => ("ds:", top.then(|| format!(" xmlns:ds=\"{NS_DS}\""))),
        NS_DSP => (
            "dsp:",
            (!dsp_declared).then(|| format!(" xmlns:dsp=\"{NS_DSP}\"")),
        ),
        _ => (
            "",
            (!el.ns.is_empty()).then(|| format!(" xmlns=\"{}\"", el.ns)),
        ),
    };
    out.push('<');
    out.push_str(prefix);
    out.push_str(&el.name);
    if let Some(d) = &declare {
        out.push_str(d);
    }
    for (k, v) in &el.attrs {
        out.push_str(&format!(" {k}=\"{}\"", escape(v)));
    }
    out.push('>');
    if el.children.is_empty() {
        out.push_str(&escape(&el.text));
    }
    let dsp = dsp_declared || el.ns == NS_DSP;
    for c in &el.children {
        write_prefixed(c, false, dsp, out);
    }
    out.push_str(&format!("</{prefix}{}>", el.name));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_form_is_a_fixed_point_and_keeps_meaning() {
        let src = br#"<?xml version="1.0"?><oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07"><oadr:oadrSignedObject oadr:Id="oadrSignedObject"><oadr:oadrCancelOpt xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110" ei:schemaVersion="2.0b"><ei:optID>a&amp;b</ei:optID></oadr:oadrCancelOpt></oadr:oadrSignedObject></oadr:oadrPayload>"#;
        let once = server_form(src).unwrap();
        let text = String::from_utf8(once.clone()).unwrap();
        assert!(text.starts_with("<oadrPayload xmlns='http://openadr.org/oadr-2.0b/2012/07'><oadrSignedObject xmlns:ns1='http://openadr.org/oadr-2.0b/2012/07' ns1:Id='oadrSignedObject'>"), "{text}");
        assert!(
            text.contains(
                "<optID xmlns='http://docs.oasis-open.org/ns/energyinterop/201110'>a&amp;b</optID>"
            ),
            "{text}"
        );
        assert_eq!(server_form(&once).unwrap(), once);
        let two = br#"<a xmlns:p="urn:p" p:x="1" p:y="2"/>"#;
        assert!(server_form(two).is_err());
    }

    #[test]
    fn restores_signature_prefixes_only() {
        let got = br#"<oadrPayload xmlns='urn:o'><Signature xmlns='http://www.w3.org/2000/09/xmldsig#' Id='s'><SignedInfo/><Object><ReplayProtect xmlns='http://openadr.org/oadr-2.0b/2012/07/xmldsig-properties'><nonce>n</nonce></ReplayProtect></Object></Signature><x  a='1'/></oadrPayload>"#;
        let fixed = String::from_utf8(restore_signature(got).unwrap()).unwrap();
        assert_eq!(
            fixed,
            "<oadrPayload xmlns='urn:o'><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"s\"><ds:SignedInfo></ds:SignedInfo><ds:Object><dsp:ReplayProtect xmlns:dsp=\"http://openadr.org/oadr-2.0b/2012/07/xmldsig-properties\"><dsp:nonce>n</dsp:nonce></dsp:ReplayProtect></ds:Object></ds:Signature><x  a='1'/></oadrPayload>"
        );
        let plain = b"<oadrPayload xmlns='urn:o'><x/></oadrPayload>";
        assert_eq!(restore_signature(plain).unwrap(), plain);
    }
}
