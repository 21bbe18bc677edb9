//! Canonicalization of one element subtree (an XML-DSig `#Id` node-set) straight from the
//! received text, walking the [`Item`]s of an [`Outline`] (the text is tokenized once, by the
//! outline's scan) with the namespace context of its ancestors and the attributes resolved
//! there: no tree is built. It produces the same bytes as
//! [`super::c14n::write_subtree`] (the tests and the `verify` fuzz target compare the two);
//! inputs outside the lexer's subset are a [`Bail`].

use super::c14n::{Algorithm, Method};
use super::lex::{self, Bail, Fast};
use super::outline::{prefix_of, Item, Outline, NONE, XML_NS};

/// `(namespace URI, local name, qualified name, raw value)` of an attribute.
type Attr<'a> = (&'a str, &'a str, &'a str, &'a str);

/// Buffers reused across the elements of one canonicalization.
#[derive(Default)]
struct State<'a> {
    /// In-scope declarations, outermost first.
    scope: Vec<(&'a str, &'a str)>,
    /// Namespace bindings rendered on the open output ancestors, innermost last.
    rendered: Vec<(&'a str, &'a str)>,
    /// Per open element: lengths of `scope` and `rendered` before it, and its index.
    open: Vec<(usize, usize, u32)>,
    decls: Vec<(&'a str, &'a str)>,
    attrs: Vec<Attr<'a>>,
    seen: Vec<&'a str>,
    /// Whether `scope` is kept (inclusive c14n, or a prefix list).
    tracks_scope: bool,
}

impl<'a> State<'a> {
    fn lookup(&self, prefix: &str) -> Option<&'a str> {
        self.scope
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map(|(_, u)| *u)
    }

    fn consider(&mut self, prefix: &'a str, uri: &'a str) {
        super::c14n::consider(&self.rendered, &mut self.decls, prefix, uri);
    }
}

/// Append the canonical form of element `index` of `outline` (as the node-set of a
/// same-document reference) to `out`.
pub(crate) fn write_element(
    outline: &Outline<'_>,
    index: u32,
    method: &Method,
    out: &mut Vec<u8>,
) -> Fast<()> {
    let apex = outline.get(index);
    let mut st = State {
        tracks_scope: method.algorithm == Algorithm::Inclusive
            || !method.inclusive_prefixes.is_empty(),
        ..State::default()
    };
    // The ancestors (innermost first) and their declarations, outermost first: only
    // inclusive c14n and prefix lists look them up (exclusive c14n renders the namespaces
    // of the names themselves, which the outline resolved).
    let mut chain = Vec::new();
    if st.tracks_scope {
        let mut p = apex.parent;
        while p != NONE {
            chain.push(p);
            p = outline.get(p).parent;
        }
        for &a in chain.iter().rev() {
            let d = &outline.get(a).decls;
            st.scope
                .extend_from_slice(&outline.decls[d.start as usize..d.end as usize]);
        }
    }
    let items = outline.items.get(apex.item as usize..).ok_or(Bail)?;
    // Pieces of the input that are already in canonical form (bare tags, text with nothing
    // to escape) are not written one by one: consecutive ones make a run of input bytes,
    // copied at once when something else comes (or at the end).
    let mut run = Run::default();
    for (i, item) in items.iter().enumerate() {
        match *item {
            Item::Start(element) if i > 0 && bare_start(outline, element, method, &st) => {
                let e = outline.get(element);
                st.open.push((st.scope.len(), st.rendered.len(), element));
                run.add(outline.text, e.start..e.head_end, out);
            }
            Item::Start(element) => {
                run.flush(outline.text, out);
                start_tag(outline, &chain, i == 0, element, method, &mut st, out)?
            }
            Item::End => end_tag(outline, &mut st, &mut run, out),
            Item::Text(t) if next_special(t.as_bytes(), 0, TEXT_SPECIAL) == t.len() => {
                let at = t.as_ptr() as usize - outline.text.as_ptr() as usize;
                run.add(outline.text, at..at + t.len(), out);
            }
            Item::Text(t) => {
                run.flush(outline.text, out);
                text(t, true, out)?
            }
            Item::CData(t) => {
                run.flush(outline.text, out);
                text(t, false, out)?
            }
            Item::Comment(c) if method.with_comments => {
                run.flush(outline.text, out);
                out.extend_from_slice(b"<!--");
                raw_normalized(c, out);
                out.extend_from_slice(b"-->");
            }
            Item::Comment(_) => {}
            Item::Pi { target, value } => {
                run.flush(outline.text, out);
                out.extend_from_slice(b"<?");
                out.extend_from_slice(target.as_bytes());
                if !value.is_empty() {
                    out.push(b' ');
                    raw_normalized(value, out);
                }
                out.extend_from_slice(b"?>");
            }
        }
        if st.open.is_empty() {
            run.flush(outline.text, out);
            return Ok(());
        }
    }
    Err(Bail)
}

/// A range of input bytes waiting to be copied to the output.
#[derive(Default)]
struct Run {
    start: usize,
    end: usize,
}

impl Run {
    /// Append `range` of `text`: extends the run when it follows it directly.
    fn add(&mut self, text: &str, range: std::ops::Range<usize>, out: &mut Vec<u8>) {
        if range.start != self.end {
            self.flush(text, out);
            self.start = range.start;
        }
        self.end = range.end;
    }

    fn flush(&mut self, text: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(&text.as_bytes()[self.start..self.end]);
        self.start = self.end;
    }
}

/// Whether the canonical start tag of `element` (not the apex) is its bare input tag
/// `<qname>`: it has no attributes and renders no namespace declaration. In inclusive c14n
/// an element without declarations of its own renders none (its parent rendered the same
/// scope); in exclusive c14n (without a prefix list) its prefix must already be rendered
/// with its namespace.
fn bare_start(outline: &Outline<'_>, element: u32, method: &Method, st: &State<'_>) -> bool {
    let e = outline.get(element);
    if !e.bare_start {
        return false;
    }
    match method.algorithm {
        Algorithm::Inclusive => true,
        Algorithm::Exclusive if st.tracks_scope => false,
        Algorithm::Exclusive => {
            let prefix = prefix_of(e.qname);
            let current = st
                .rendered
                .iter()
                .rev()
                .find(|(p, _)| *p == prefix)
                .map(|(_, u)| *u);
            current.unwrap_or("") == e.ns && (current.is_some() || prefix.is_empty())
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn start_tag<'a>(
    outline: &Outline<'a>,
    ancestors: &[u32],
    is_apex: bool,
    element: u32,
    method: &Method,
    st: &mut State<'a>,
    out: &mut Vec<u8>,
) -> Fast<()> {
    let e = outline.get(element);
    let name = e.qname;
    let scope_mark = st.scope.len();
    if st.tracks_scope {
        st.scope
            .extend_from_slice(&outline.decls[e.decls.start as usize..e.decls.end as usize]);
    }
    st.attrs.clear();
    st.attrs.extend(
        outline
            .attributes_of(element)
            .iter()
            .map(|a| (a.ns, a.local, a.qname, a.value)),
    );
    if is_apex && method.algorithm == Algorithm::Inclusive {
        inherit_xml_attributes(outline, ancestors, &mut st.attrs)?;
    }

    st.decls.clear();
    match method.algorithm {
        Algorithm::Inclusive => {
            st.seen.clear();
            let mut has_default = false;
            for i in (0..st.scope.len()).rev() {
                let (p, u) = st.scope[i];
                if st.seen.contains(&p) {
                    continue;
                }
                st.seen.push(p);
                if p.is_empty() && u.is_empty() {
                    continue; // xmlns="": no default namespace in scope
                }
                has_default |= p.is_empty();
                st.consider(p, u);
            }
            if !has_default {
                st.consider("", "");
            }
        }
        Algorithm::Exclusive if !st.tracks_scope => {
            // The visibly utilized prefixes: the element's and its attributes' (not `xml`),
            // bound to the namespaces the outline resolved them to. `consider` adds each
            // prefix once.
            st.consider(prefix_of(name), e.ns);
            for i in 0..st.attrs.len() {
                let (ns, _, qname, _) = st.attrs[i];
                let p = prefix_of(qname);
                if !p.is_empty() && p != "xml" {
                    st.consider(p, ns);
                }
            }
        }
        Algorithm::Exclusive => {
            st.seen.clear();
            st.seen.push(prefix_of(name));
            for i in 0..st.attrs.len() {
                let p = prefix_of(st.attrs[i].2);
                if !p.is_empty() && p != "xml" && !st.seen.contains(&p) {
                    st.seen.push(p);
                }
            }
            for listed in &method.inclusive_prefixes {
                let p = match listed.as_str() {
                    "#default" => "",
                    other => other,
                };
                if let Some(i) = st.scope.iter().rposition(|(sp, _)| *sp == p) {
                    let p = st.scope[i].0;
                    if !st.seen.contains(&p) {
                        st.seen.push(p);
                    }
                } else if p.is_empty() && !st.seen.contains(&"") {
                    st.seen.push("");
                }
            }
            for i in 0..st.seen.len() {
                let p = st.seen[i];
                match (p, st.lookup(p)) {
                    ("", u) => st.consider("", u.unwrap_or("")),
                    (_, Some(u)) => st.consider(p, u),
                    (_, None) => {}
                }
            }
        }
    }
    st.decls.sort_unstable_by(|a, b| a.0.cmp(b.0));

    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    for (p, u) in &st.decls {
        if p.is_empty() {
            out.extend_from_slice(b" xmlns=\"");
        } else {
            out.extend_from_slice(b" xmlns:");
            out.extend_from_slice(p.as_bytes());
            out.extend_from_slice(b"=\"");
        }
        attribute_value(u, out)?;
        out.push(b'"');
    }
    st.open.push((scope_mark, st.rendered.len(), element));
    st.rendered.extend_from_slice(&st.decls);
    st.attrs
        .sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (_, _, q, v) in &st.attrs {
        out.push(b' ');
        out.extend_from_slice(q.as_bytes());
        out.extend_from_slice(b"=\"");
        attribute_value(v, out)?;
        out.push(b'"');
    }
    out.push(b'>');
    Ok(())
}

fn end_tag(outline: &Outline<'_>, st: &mut State<'_>, run: &mut Run, out: &mut Vec<u8>) {
    if let Some((scope, rendered, element)) = st.open.pop() {
        st.scope.truncate(scope);
        st.rendered.truncate(rendered);
        let e = outline.get(element);
        if e.bare_end {
            run.add(outline.text, e.end - e.qname.len() - 3..e.end, out);
        } else {
            run.flush(outline.text, out);
            out.extend_from_slice(b"</");
            out.extend_from_slice(e.qname.as_bytes());
            out.push(b'>');
        }
    }
}

/// Canonical XML 1.0 §2.4: the apex inherits the `xml:*` attributes of its ancestors (the
/// nearest wins) unless it carries them itself.
fn inherit_xml_attributes<'a>(
    outline: &Outline<'a>,
    ancestors: &[u32],
    attrs: &mut Vec<Attr<'a>>,
) -> Fast<()> {
    for &a in ancestors {
        if !outline.get(a).has_xml_attr {
            continue;
        }
        for attr in outline.attributes_of(a).iter().filter(|x| x.ns == XML_NS) {
            if !attrs.iter().any(|x| x.0 == XML_NS && x.1 == attr.local) {
                attrs.push((XML_NS, attr.local, attr.qname, attr.value));
            }
        }
    }
    Ok(())
}

/// Character data (`refs`: with references, else CDATA content), line ends normalized,
/// escaped as c14n escapes text.
fn text(raw: &str, refs: bool, out: &mut Vec<u8>) -> Fast<()> {
    let bytes = raw.as_bytes();
    let mut last = 0;
    let mut i = 0;
    loop {
        i = next_special(bytes, i, TEXT_SPECIAL);
        if i == bytes.len() {
            break;
        }
        let rep: &[u8] = match bytes[i] {
            b'&' if refs => {
                out.extend_from_slice(&bytes[last..i]);
                let (c, len) = lex::reference(&raw[i..])?;
                text_char(c, out);
                i += len;
                last = i;
                continue;
            }
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => b"",
            b'\r' => b"\n",
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[last..i]);
        out.extend_from_slice(rep);
        i += 1;
        last = i;
    }
    out.extend_from_slice(&bytes[last..]);
    Ok(())
}

fn text_char(c: char, out: &mut Vec<u8>) {
    match c {
        '&' => out.extend_from_slice(b"&amp;"),
        '<' => out.extend_from_slice(b"&lt;"),
        '>' => out.extend_from_slice(b"&gt;"),
        '\r' => out.extend_from_slice(b"&#xD;"),
        c => push_char(c, out),
    }
}

/// A raw attribute value, normalized (whitespace characters become spaces, references
/// resolved) and escaped as c14n escapes attribute values.
fn attribute_value(raw: &str, out: &mut Vec<u8>) -> Fast<()> {
    let bytes = raw.as_bytes();
    let mut last = 0;
    let mut i = 0;
    loop {
        i = next_special(bytes, i, ATTRIBUTE_SPECIAL);
        if i == bytes.len() {
            break;
        }
        let rep: &[u8] = match bytes[i] {
            b'&' => {
                out.extend_from_slice(&bytes[last..i]);
                let (c, len) = lex::reference(&raw[i..])?;
                match c {
                    '&' => out.extend_from_slice(b"&amp;"),
                    '<' => out.extend_from_slice(b"&lt;"),
                    '"' => out.extend_from_slice(b"&quot;"),
                    '\t' => out.extend_from_slice(b"&#x9;"),
                    '\n' => out.extend_from_slice(b"&#xA;"),
                    '\r' => out.extend_from_slice(b"&#xD;"),
                    c => push_char(c, out),
                }
                i += len;
                last = i;
                continue;
            }
            b'"' => b"&quot;",
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => b"",
            b'\t' | b'\n' | b'\r' => b" ",
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[last..i]);
        out.extend_from_slice(rep);
        i += 1;
        last = i;
    }
    out.extend_from_slice(&bytes[last..]);
    Ok(())
}

/// Bytes that canonical text (`TEXT_SPECIAL`) or attribute values (`ATTRIBUTE_SPECIAL`) may
/// rewrite; every other byte is copied as it is.
const TEXT_SPECIAL: u8 = 1;
const ATTRIBUTE_SPECIAL: u8 = 2;
static SPECIAL: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'&' as usize] = TEXT_SPECIAL | ATTRIBUTE_SPECIAL;
    t[b'<' as usize] = TEXT_SPECIAL;
    t[b'>' as usize] = TEXT_SPECIAL;
    t[b'\r' as usize] = TEXT_SPECIAL | ATTRIBUTE_SPECIAL;
    t[b'"' as usize] = ATTRIBUTE_SPECIAL;
    t[b'\t' as usize] = ATTRIBUTE_SPECIAL;
    t[b'\n' as usize] = ATTRIBUTE_SPECIAL;
    t
};

/// The offset of the first byte of class `class` at or after `from`, or the length.
fn next_special(bytes: &[u8], from: usize, class: u8) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| {
            rest.iter()
                .position(|b| SPECIAL[usize::from(*b)] & class != 0)
        })
        .map_or(bytes.len(), |at| from + at)
}

/// Comment and PI content: line ends normalized, nothing escaped.
fn raw_normalized(raw: &str, out: &mut Vec<u8>) {
    let mut rest = raw.as_bytes();
    while let Some(i) = memchr::memchr(b'\r', rest) {
        out.extend_from_slice(&rest[..i]);
        if rest.get(i + 1) != Some(&b'\n') {
            out.push(b'\n');
        }
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

fn push_char(c: char, out: &mut Vec<u8>) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::c14n;
    use super::*;

    /// Both implementations on every element of `xml`, for the four methods (and a prefix
    /// list).
    pub(crate) fn agree(xml: &str) {
        let Ok(outline) = Outline::scan(xml) else {
            return;
        };
        let doc = roxmltree::Document::parse(xml).expect("roxmltree accepts what we accept");
        let nodes: Vec<_> = doc.descendants().filter(|n| n.is_element()).collect();
        assert_eq!(nodes.len(), outline.elements.len());
        let mut listed = Method::exclusive();
        listed.inclusive_prefixes = vec!["#default".into(), "b".into(), "zz".into()];
        for method in [
            Method::inclusive(),
            Method::inclusive().with_comments(),
            Method::exclusive(),
            Method::exclusive().with_comments(),
            listed,
        ] {
            for (i, node) in nodes.iter().enumerate() {
                let mut want = Vec::new();
                c14n::write_subtree(*node, &method, &mut want);
                let mut got = Vec::new();
                write_element(&outline, i as u32, &method, &mut got).expect("c14n");
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&want),
                    "{method:?} element {i} of {xml}"
                );
            }
        }
    }

    #[test]
    fn agrees_with_the_tree_implementation_on_hard_cases() {
        for xml in [
            "<a xmlns='urn:a' xmlns:b='urn:b' xml:lang='en'><b:c b:x='1' y='2' xmlns=''><d xmlns='urn:d'/></b:c><!--c--><?p  v ?>t&amp;&#xD;&#13;\r\n&gt;<![CDATA[<&>\r]]></a>",
            "<r xmlns:b='urn:b' xmlns:u='urn:unused'><b:e a='&#9;&#10;&#13; x\ty\r\nz&quot;&lt;&apos;\"' xml:space='preserve'>x</b:e></r>",
            "<r xmlns='urn:d'><s xmlns:p='urn:p' p:z='1' a='0'><p:t xmlns:p='urn:p2'/></s></r>",
            "<r xmlns:a='urn:same' xmlns:b='urn:z'><e a:x='1' b:x='2' b:a='3' z='4'/></r>",
        ] {
            agree(xml);
        }
    }
}
