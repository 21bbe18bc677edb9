//! The XML side of an XMPP stream (RFC 6120 §4, §11): cutting the byte stream into the
//! stream header and top-level stanzas, a small element tree for stanzas, and extracting a
//! payload element's exact bytes.
//!
//! Stanzas are framed by scanning with quick-xml over the bytes received so far, so a
//! stanza is handed on only once complete and its bytes are never re-serialised: an
//! `oadrPayload` inside an IQ reaches the codec and the signature check exactly as the peer
//! wrote it ([`Element::payload_bytes`]).

use super::XmppError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::ops::Range;

/// Namespace of stream-level elements.
pub const NS_STREAM: &str = "http://etherx.jabber.org/streams";
/// Default namespace of client streams.
pub const NS_CLIENT: &str = "jabber:client";

/// A namespace declaration: prefix (`None` for the default namespace) and URI.
pub type NsDecl = (Option<String>, String);

/// One unit read from the stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// The peer's `<stream:stream>` start tag.
    Header(Element),
    /// A complete top-level element (stanza, features, SASL or TLS negotiation).
    Stanza(Element),
    /// `</stream:stream>`: the peer closed the stream.
    End,
}

/// Cuts received bytes into [`Frame`]s.
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    header: Option<Vec<NsDecl>>,
    max: usize,
}

/// What a scan of the buffered bytes found.
enum Scan {
    NeedMore,
    Header(Range<usize>),
    Stanza(Range<usize>),
    End(usize),
}

impl Framer {
    /// A framer that refuses any stanza larger than `max` bytes.
    pub fn new(max: usize) -> Framer {
        Framer {
            buf: Vec::new(),
            header: None,
            max,
        }
    }

    /// Forget the stream (after STARTTLS or SASL success the stream restarts).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.header = None;
    }

    /// Append received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Namespace declarations of the current stream header.
    pub fn stream_namespaces(&self) -> &[NsDecl] {
        self.header.as_deref().unwrap_or(&[])
    }

    /// The next complete frame, or `None` until more bytes arrive.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, XmppError> {
        let scan = scan(&self.buf, self.header.is_none())?;
        let frame = match scan {
            Scan::NeedMore => {
                if self.buf.len() > self.max {
                    return Err(XmppError::TooLarge(self.max));
                }
                return Ok(None);
            }
            Scan::End(used) => {
                self.buf.drain(..used);
                Frame::End
            }
            Scan::Header(r) => {
                let text = std::str::from_utf8(&self.buf[r.clone()])
                    .map_err(|e| xml_err("/stream:stream", e.to_string()))?;
                // Close the start tag so that it parses as an element of its own.
                let closed = format!("{}/>", text.trim_end().trim_end_matches('>'));
                let el = parse_element(closed.as_bytes(), &[])?;
                if el.name != "stream" || el.ns != NS_STREAM {
                    return Err(xml_err(
                        "/",
                        format!("expected stream:stream, got {}", el.name),
                    ));
                }
                self.header = Some(el.ns_decls.clone());
                self.buf.drain(..r.end);
                Frame::Header(el)
            }
            Scan::Stanza(r) => {
                let decls = self.header.clone().unwrap_or_default();
                let el = parse_element(&self.buf[r.clone()], &decls)?;
                self.buf.drain(..r.end);
                Frame::Stanza(el)
            }
        };
        Ok(Some(frame))
    }
}

fn xml_err(path: &str, message: impl Into<String>) -> XmppError {
    XmppError::Xml {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// Find the stream header (when `header` is true) or the next top-level element.
fn scan(buf: &[u8], header: bool) -> Result<Scan, XmppError> {
    let mut r = Reader::from_reader(buf);
    r.config_mut().check_end_names = false;
    // A reference cut by the end of the bytes so far is text to the scan; the strict parse
    // of the complete stanza refuses a real dangling `&`.
    r.config_mut().allow_dangling_amp = true;
    let mut depth = 0usize;
    let mut start = 0usize;
    loop {
        let before = r.buffer_position() as usize;
        if depth == 0 && !header {
            // `</stream:stream>` closes a tag opened in an earlier scan: quick-xml would call
            // it ill-formed, so recognise it here.
            let rest = &buf[before..];
            let ws = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
            if rest[ws..].starts_with(b"</") {
                return Ok(match rest[ws..].iter().position(|b| *b == b'>') {
                    Some(i) => Scan::End(before + ws + i + 1),
                    None => Scan::NeedMore,
                });
            }
        }
        let ev = match r.read_event() {
            Ok(ev) => ev,
            Err(quick_xml::Error::Syntax(s)) => {
                use quick_xml::errors::SyntaxError as S;
                return match s {
                    S::UnclosedTag | S::UnclosedCData | S::InvalidBangMarkup => Ok(Scan::NeedMore),
                    S::UnclosedPIOrXmlDecl if header => Ok(Scan::NeedMore),
                    other => Err(xml_err("/stream:stream", other.to_string())),
                };
            }
            Err(e) => return Err(xml_err("/stream:stream", e.to_string())),
        };
        let after = r.buffer_position() as usize;
        match ev {
            Event::Eof => return Ok(Scan::NeedMore),
            Event::Decl(_) if header => {}
            Event::Start(_) if header => return Ok(Scan::Header(before..after)),
            Event::Start(_) => {
                if depth == 0 {
                    start = before;
                }
                depth += 1;
            }
            Event::Empty(_) if depth == 0 && !header => return Ok(Scan::Stanza(before..after)),
            Event::Empty(_) if depth > 0 => {}
            Event::End(_) if depth == 0 => return Ok(Scan::End(after)),
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return Ok(Scan::Stanza(start..after));
                }
            }
            Event::Text(t) if depth == 0 => {
                if !t.iter().all(|b| b.is_ascii_whitespace()) {
                    return Err(xml_err("/stream:stream", "text outside a stanza"));
                }
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) if depth > 0 => {}
            Event::Comment(_) | Event::PI(_) | Event::DocType(_) | Event::Decl(_) => {
                // RFC 6120 §11.1: comments, processing instructions and DTDs are forbidden.
                return Err(xml_err(
                    "/stream:stream",
                    "comment, PI or DTD in an XMPP stream",
                ));
            }
            _ => {
                return Err(xml_err(
                    "/stream:stream",
                    "unexpected markup outside a stanza",
                ))
            }
        }
    }
}

/// An element of a stanza, with namespaces resolved.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    /// Local name.
    pub name: String,
    /// Namespace URI.
    pub ns: String,
    /// Attributes (qualified name as written, unescaped value), `xmlns` declarations excluded.
    pub attrs: Vec<(String, String)>,
    /// The namespace of each attribute in `attrs` (empty for unprefixed ones).
    pub attr_ns: Vec<String>,
    /// Namespace declarations made on this element's start tag.
    pub ns_decls: Vec<NsDecl>,
    /// Child elements.
    pub children: Vec<Element>,
    /// Text content (concatenated, unescaped).
    pub text: String,
    /// Byte range of the element in the stanza.
    pub span: Range<usize>,
    /// The prefixes this subtree uses (element and attribute names), bound outside it.
    pub inherited: Vec<NsDecl>,
    /// The stanza's bytes (kept on the top-level element only).
    raw: Option<std::sync::Arc<[u8]>>,
}

impl Element {
    /// An attribute value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child with this name and namespace.
    pub fn child(&self, name: &str, ns: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name && c.ns == ns)
    }

    /// The stanza's bytes (top-level elements only).
    pub fn raw(&self) -> &[u8] {
        self.raw.as_deref().unwrap_or(&[])
    }

    /// The exact bytes of child `child` of this top-level element, as a standalone document:
    /// the namespace declarations it relies on from outside (the stream header, the stanza)
    /// are added to its start tag, nothing else is touched, so an XML signature inside
    /// still verifies.
    pub fn payload_bytes(&self, child: &Element) -> Vec<u8> {
        let raw = &self.raw()[child.span.clone()];
        let name_end = raw
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')
            .unwrap_or(raw.len());
        let mut out = Vec::with_capacity(raw.len() + 64);
        out.extend_from_slice(&raw[..name_end]);
        for (prefix, uri) in &child.inherited {
            let uri = quick_xml::escape::escape(uri.as_str());
            match prefix {
                Some(p) => out.extend_from_slice(format!(" xmlns:{p}=\"{uri}\"").as_bytes()),
                None => out.extend_from_slice(format!(" xmlns=\"{uri}\"").as_bytes()),
            }
        }
        out.extend_from_slice(&raw[name_end..]);
        out
    }
}

/// Parse one complete element; `outer` are the namespace declarations in scope (the stream
/// header's).
pub fn parse_element(bytes: &[u8], outer: &[NsDecl]) -> Result<Element, XmppError> {
    let mut r = Reader::from_reader(bytes);
    r.config_mut().check_end_names = true;
    // Scopes: declarations per open element, innermost last.
    let mut scopes: Vec<Vec<NsDecl>> = vec![outer.to_vec()];
    let mut stack: Vec<Element> = Vec::new();
    let mut path = String::new();
    loop {
        let before = r.buffer_position() as usize;
        let ev = r
            .read_event()
            .map_err(|e| xml_err(if path.is_empty() { "/" } else { &path }, e.to_string()))?;
        let after = r.buffer_position() as usize;
        match ev {
            Event::Start(s) => {
                let el = start_element(&s, &mut scopes, before..after, &path, r.decoder())?;
                path = format!("{path}/{}", qualified(&s));
                stack.push(el);
            }
            Event::Empty(s) => {
                let el = start_element(&s, &mut scopes, before..after, &path, r.decoder())?;
                scopes.pop();
                if let Some(done) = close(&mut stack, el, &scopes) {
                    return Ok(finish(done, bytes));
                }
            }
            Event::End(_) => {
                let mut el = stack
                    .pop()
                    .ok_or_else(|| xml_err(&path, "end tag without start tag"))?;
                el.span.end = after;
                scopes.pop();
                if let Some(i) = path.rfind('/') {
                    path.truncate(i);
                }
                if let Some(done) = close(&mut stack, el, &scopes) {
                    return Ok(finish(done, bytes));
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let s = t.decode().map_err(|e| xml_err(&path, e.to_string()))?;
                    top.text.push_str(&s);
                }
            }
            Event::GeneralRef(g) => {
                if let Some(top) = stack.last_mut() {
                    let name = g.decode().map_err(|e| xml_err(&path, e.to_string()))?;
                    let c = resolve_ref(&name)
                        .ok_or_else(|| xml_err(&path, format!("unknown entity &{name};")))?;
                    top.text.push(c);
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    let s = std::str::from_utf8(&c).map_err(|e| xml_err(&path, e.to_string()))?;
                    top.text.push_str(s);
                }
            }
            Event::Eof => return Err(xml_err(&path, "incomplete element")),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {
                return Err(xml_err(&path, "comment, PI or DTD in a stanza"));
            }
        }
    }
}

fn resolve_ref(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => {
            let n = name.strip_prefix('#')?;
            let code = match n.strip_prefix('x') {
                Some(h) => u32::from_str_radix(h, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

fn qualified(s: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(s.name().as_ref()).into_owned()
}

fn lookup<'a>(scopes: &'a [Vec<NsDecl>], prefix: Option<&str>) -> Option<(&'a str, usize)> {
    for (depth, scope) in scopes.iter().enumerate().rev() {
        if let Some((_, uri)) = scope.iter().find(|(p, _)| p.as_deref() == prefix) {
            return Some((uri.as_str(), depth));
        }
    }
    None
}

fn start_element(
    s: &BytesStart<'_>,
    scopes: &mut Vec<Vec<NsDecl>>,
    span: Range<usize>,
    path: &str,
    decoder: quick_xml::encoding::Decoder,
) -> Result<Element, XmppError> {
    let qname = qualified(s);
    let here = format!("{path}/{qname}");
    let mut decls = Vec::new();
    let mut attrs = Vec::new();
    for a in s.attributes() {
        let a = a.map_err(|e| xml_err(&here, e.to_string()))?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .decode_and_unescape_value(decoder)
            .map_err(|e| xml_err(&here, e.to_string()))?
            .into_owned();
        if key == "xmlns" {
            decls.push((None, value));
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            decls.push((Some(p.to_owned()), value));
        } else {
            attrs.push((key, value));
        }
    }
    scopes.push(decls.clone());
    let (prefix, name) = match qname.split_once(':') {
        Some((p, n)) => (Some(p), n),
        None => (None, qname.as_str()),
    };
    let ns = match lookup(scopes, prefix) {
        Some((uri, _)) => uri.to_owned(),
        None if prefix.is_none() => String::new(),
        None => return Err(xml_err(&here, format!("undeclared prefix {:?}", prefix))),
    };
    let mut attr_ns = Vec::with_capacity(attrs.len());
    for (k, _) in &attrs {
        attr_ns.push(match k.split_once(':') {
            Some(("xml", _)) => "http://www.w3.org/XML/1998/namespace".to_owned(),
            Some((p, _)) => lookup(scopes, Some(p))
                .map(|(u, _)| u.to_owned())
                .ok_or_else(|| xml_err(&here, format!("undeclared prefix {p:?}")))?,
            None => String::new(),
        });
    }
    let mut el = Element {
        name: name.to_owned(),
        ns,
        attrs,
        attr_ns,
        ns_decls: decls,
        span,
        ..Element::default()
    };
    // Prefixes used here that come from outside this element (resolved by `close`).
    let depth_here = scopes.len() - 1;
    let mut used: Vec<Option<&str>> = vec![prefix];
    for (k, _) in &el.attrs {
        if let Some((p, _)) = k.split_once(':') {
            if p != "xml" {
                used.push(Some(p));
            }
        }
    }
    for p in used {
        if let Some((uri, depth)) = lookup(scopes, p) {
            if depth < depth_here {
                let d = (p.map(str::to_owned), uri.to_owned());
                if !el.inherited.contains(&d) {
                    el.inherited.push(d);
                }
            }
        } else if p.is_some() {
            return Err(xml_err(&here, format!("undeclared prefix {p:?}")));
        }
    }
    Ok(el)
}

/// Attach a finished element to its parent (or return it when it is the root). Bindings the
/// child inherits that its parent does not declare itself are inherited by the parent too.
fn close(stack: &mut [Element], el: Element, _scopes: &[Vec<NsDecl>]) -> Option<Element> {
    match stack.last_mut() {
        Some(parent) => {
            for d in &el.inherited {
                let declared_here = parent.ns_decls.iter().any(|(p, _)| *p == d.0);
                if !declared_here && !parent.inherited.contains(d) {
                    parent.inherited.push(d.clone());
                }
            }
            parent.children.push(el);
            None
        }
        None => Some(el),
    }
}

fn finish(mut el: Element, bytes: &[u8]) -> Element {
    el.raw = Some(std::sync::Arc::from(bytes));
    el
}

/// Escape text or an attribute value for output.
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// `bytes` without what precedes the root element (BOM, XML declaration, comments,
/// processing instructions), checked to be UTF-8 (the stream's encoding, RFC 6120 §11.6)
/// and free of the comments, PIs and DTDs XMPP forbids (§11.1), ready to embed in a stanza.
pub fn embeddable(bytes: &[u8]) -> Result<&str, XmppError> {
    let s = std::str::from_utf8(bytes)
        .map_err(|e| xml_err("/oadrPayload", format!("payload is not UTF-8: {e}")))?;
    let mut s = s.trim_start_matches('\u{feff}');
    loop {
        s = s.trim_start();
        let (open, close) = if s.starts_with("<?") {
            ("<?", "?>")
        } else if s.starts_with("<!--") {
            ("<!--", "-->")
        } else {
            break;
        };
        match s[open.len()..].find(close) {
            Some(i) => s = &s[open.len() + i + close.len()..],
            None => return Err(xml_err("/", format!("unterminated {open}"))),
        }
    }
    if s.contains("<!") && (s.contains("<!--") || s.contains("<!DOCTYPE")) || s.contains("<?") {
        return Err(xml_err(
            "/oadrPayload",
            "comments, processing instructions and DTDs cannot travel in XMPP",
        ));
    }
    Ok(s.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
        xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='localhost' version='1.0'>";

    fn frames(chunks: &[&str]) -> Vec<Frame> {
        let mut f = Framer::new(1 << 16);
        let mut out = Vec::new();
        for c in chunks {
            f.push(c.as_bytes());
            while let Some(fr) = f.next_frame().unwrap() {
                out.push(fr);
            }
        }
        out
    }

    #[test]
    fn frames_split_anywhere() {
        let stanza = "<iq type='result' id='a&amp;1'><x xmlns='urn:x'>t&lt;</x></iq>";
        let all = format!("{HEADER} {stanza}<presence/></stream:stream>");
        // Every split point gives the same frames.
        for cut in 0..all.len() {
            if !all.is_char_boundary(cut) {
                continue;
            }
            let got = frames(&[&all[..cut], &all[cut..]]);
            assert_eq!(got.len(), 4, "cut at {cut}: {got:?}");
            let Frame::Stanza(iq) = &got[1] else {
                panic!("{got:?}")
            };
            assert_eq!(iq.name, "iq");
            assert_eq!(iq.ns, NS_CLIENT);
            assert_eq!(iq.attr("id"), Some("a&1"));
            assert_eq!(iq.children[0].ns, "urn:x");
            assert_eq!(iq.children[0].text, "t<");
            assert_eq!(got[3], Frame::End);
        }
    }

    #[test]
    fn payload_keeps_bytes_and_gains_outer_prefixes() {
        let header = "<stream:stream xmlns='jabber:client' xmlns:o='urn:o' \
            xmlns:stream='http://etherx.jabber.org/streams'>";
        let stanza = "<iq type='set' id='1' xmlns:ei='urn:ei'><o:oadrPayload a = '1'><ei:x/>\
            <y xmlns='urn:y'/></o:oadrPayload></iq>";
        let got = frames(&[header, stanza]);
        let Frame::Stanza(iq) = &got[1] else { panic!() };
        let p = &iq.children[0];
        assert_eq!((p.name.as_str(), p.ns.as_str()), ("oadrPayload", "urn:o"));
        let bytes = String::from_utf8(iq.payload_bytes(p)).unwrap();
        assert_eq!(
            bytes,
            "<o:oadrPayload xmlns:o=\"urn:o\" xmlns:ei=\"urn:ei\" a = '1'><ei:x/><y xmlns='urn:y'/></o:oadrPayload>"
        );
        // A payload that declares its own namespaces is passed on byte for byte.
        let own = "<oadrPayload xmlns=\"urn:o\"><x/></oadrPayload>";
        let got = frames(&[header, &format!("<iq id='2'>{own}</iq>")]);
        let Frame::Stanza(iq) = &got[1] else { panic!() };
        assert_eq!(iq.payload_bytes(&iq.children[0]), own.as_bytes());
    }

    #[test]
    fn refuses_forbidden_markup_and_oversize() {
        for bad in ["<!-- c --><iq/>", "<?pi x?>", "junk<iq/>", "<a:iq/>"] {
            let mut f = Framer::new(1 << 16);
            f.push(HEADER.as_bytes());
            assert!(matches!(f.next_frame(), Ok(Some(Frame::Header(_)))));
            f.push(bad.as_bytes());
            assert!(f.next_frame().is_err(), "{bad}");
        }
        let mut f = Framer::new(64);
        f.push(HEADER.as_bytes());
        f.next_frame().unwrap();
        f.push(format!("<iq>{}", "x".repeat(100)).as_bytes());
        assert!(matches!(f.next_frame(), Err(XmppError::TooLarge(64))));
        // Mismatched end tags inside a stanza are an error, not a hang.
        let mut f = Framer::new(1 << 16);
        f.push(HEADER.as_bytes());
        f.next_frame().unwrap();
        f.push(b"<iq><a></b></iq>");
        assert!(f.next_frame().is_err());
    }

    #[test]
    fn embeddable_strips_the_declaration() {
        let s = embeddable(
            b"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- c -->\n<a/>\n",
        )
        .unwrap();
        assert_eq!(s, "<a/>");
        assert!(embeddable(b"<a><!-- inside --></a>").is_err());
        assert!(embeddable(b"<!DOCTYPE a><a/>").is_err());
        assert!(embeddable(b"\xff<a/>").is_err());
    }
}
