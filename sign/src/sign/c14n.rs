//! XML canonicalization: Canonical XML 1.0 (inclusive) and Exclusive XML Canonicalization 1.0,
//! with or without comments, of whole documents and of element subtrees (the node-sets that
//! XML-DSig same-document references `#Id` select).
//!
//! # Why our own implementation
//! The issue named `xml-c14n`. A trial showed it wraps libxml2 through bindgen (a libclang
//! build dependency) and canonicalizes only whole documents, so it cannot serve `#Id`
//! references. `bergshamra-c14n` (pure Rust) does subtrees, but it brings its own XML parser
//! (`uppsala`) and two more crates of its XML-Sec stack, needs rustc 1.88 (our MSRV is 1.85),
//! and would make us parse every message twice (once for the c14n crate, once to find and check
//! the signature structure), which costs more than the canonicalization itself. Canonicalizing
//! the `roxmltree` tree that verification already walks keeps one parse of the received bytes
//! and one view of them: the nodes we check for wrapping attacks are the nodes we digest.
//! Conformance is proven against `xmllint --c14n`/`--exc-c14n` (whole documents) and
//! `xmlsec1` (subtrees) in `tests/sign_c14n.rs` on the hard cases: default namespace
//! redeclaration and `xmlns=""`, unused and shadowed prefixes, attributes in other namespaces,
//! comments, whitespace, `xml:*` inheritance, CDATA, entity and character references and
//! attribute value normalization.
//!
//! # Limits
//! Attribute defaults declared in a DTD are not added (roxmltree does not apply them), and
//! attribute values are normalized as CDATA (no tokenized-type normalization). Verification
//! refuses documents with a DTD, so neither matters for signatures.

use roxmltree::{Node, NodeType};

/// Which canonicalization algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Canonical XML 1.0 (`http://www.w3.org/TR/2001/REC-xml-c14n-20010315`).
    Inclusive,
    /// Exclusive XML Canonicalization 1.0 (`http://www.w3.org/2001/10/xml-exc-c14n#`).
    Exclusive,
}

/// URI of Canonical XML 1.0 without comments.
pub const C14N_URI: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// URI of Canonical XML 1.0 with comments.
pub const C14N_COMMENTS_URI: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
/// URI of Exclusive XML Canonicalization 1.0 without comments.
pub const EXC_C14N_URI: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// URI of Exclusive XML Canonicalization 1.0 with comments.
pub const EXC_C14N_COMMENTS_URI: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";

/// A canonicalization method: algorithm, comment handling and (exclusive only) the
/// `InclusiveNamespaces PrefixList`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Whether comments are kept.
    pub with_comments: bool,
    /// Exclusive c14n only: prefixes treated as in inclusive c14n (`#default` for the default
    /// namespace).
    pub inclusive_prefixes: Vec<String>,
}

impl Method {
    /// Canonical XML 1.0 without comments.
    pub fn inclusive() -> Self {
        Method {
            algorithm: Algorithm::Inclusive,
            with_comments: false,
            inclusive_prefixes: Vec::new(),
        }
    }

    /// Exclusive XML Canonicalization 1.0 without comments.
    pub fn exclusive() -> Self {
        Method {
            algorithm: Algorithm::Exclusive,
            with_comments: false,
            inclusive_prefixes: Vec::new(),
        }
    }

    /// The same method, keeping comments.
    pub fn with_comments(mut self) -> Self {
        self.with_comments = true;
        self
    }

    /// The method named by an algorithm URI, if it is one of the four c14n 1.0 URIs.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Some(match uri {
            C14N_URI => Method::inclusive(),
            C14N_COMMENTS_URI => Method::inclusive().with_comments(),
            EXC_C14N_URI => Method::exclusive(),
            EXC_C14N_COMMENTS_URI => Method::exclusive().with_comments(),
            _ => return None,
        })
    }

    /// The algorithm URI of this method.
    pub fn uri(&self) -> &'static str {
        match (self.algorithm, self.with_comments) {
            (Algorithm::Inclusive, false) => C14N_URI,
            (Algorithm::Inclusive, true) => C14N_COMMENTS_URI,
            (Algorithm::Exclusive, false) => EXC_C14N_URI,
            (Algorithm::Exclusive, true) => EXC_C14N_COMMENTS_URI,
        }
    }
}

/// Errors of the public string-level canonicalization functions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum C14nError {
    /// The input is not well-formed, namespace-well-formed XML.
    #[error("not well-formed XML: {0}")]
    Parse(String),
    /// No element carries the requested Id.
    #[error("no element with Id \"{0}\"")]
    IdNotFound(String),
    /// More than one element carries the requested Id.
    #[error("more than one element with Id \"{0}\"")]
    DuplicateId(String),
}

/// Canonicalize a whole document (from text; an internal DTD subset is allowed so that entity
/// references can be expanded).
pub fn canonicalize_document(xml: &str, method: &Method) -> Result<Vec<u8>, C14nError> {
    let doc = parse_with_dtd(xml)?;
    let mut out = Vec::with_capacity(xml.len());
    write_document(&doc, method, &mut out);
    Ok(out)
}

/// Canonicalize the subtree of the element whose `Id`/`ID`/`id`/`xml:id` attribute is `id`,
/// as the node-set of an XML-DSig `URI="#id"` reference (namespace context inherited from the
/// ancestors, comments never included: `#id` node-sets exclude them).
pub fn canonicalize_id(xml: &str, id: &str, method: &Method) -> Result<Vec<u8>, C14nError> {
    let doc = parse_with_dtd(xml)?;
    let mut found = doc
        .descendants()
        .filter(|n| n.is_element() && super::dom::id_of(*n) == Some(id));
    let node = found
        .next()
        .ok_or_else(|| C14nError::IdNotFound(id.to_owned()))?;
    if found.next().is_some() {
        return Err(C14nError::DuplicateId(id.to_owned()));
    }
    let mut out = Vec::new();
    let method = Method {
        with_comments: false,
        ..method.clone()
    };
    write_subtree(node, &method, &mut out);
    Ok(out)
}

/// [`canonicalize_id`] by the streamed implementation of the fast paths (no tree), or `None`
/// where that implementation leaves the input to the complete path (fuzzing compares the
/// two).
#[doc(hidden)]
pub fn canonicalize_id_streamed(xml: &str, id: &str, method: &Method) -> Option<Vec<u8>> {
    let outline = super::outline::Outline::scan(xml).ok()?;
    // As `canonicalize_id`: the first Id attribute of each element.
    let mut previous = super::outline::NONE;
    let mut found = outline
        .ids
        .iter()
        .filter(|(_, e)| std::mem::replace(&mut previous, *e) != *e)
        .filter(|(v, _)| *v == id)
        .map(|(_, e)| *e);
    let node = found.next()?;
    if found.any(|e| e != node) {
        return None;
    }
    let method = Method {
        with_comments: false,
        ..method.clone()
    };
    let mut out = Vec::new();
    super::stream_c14n::write_element(&outline, node, &method, &mut out).ok()?;
    Some(out)
}

fn parse_with_dtd(xml: &str) -> Result<roxmltree::Document<'_>, C14nError> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: super::dom::NODES_LIMIT,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(xml, opts).map_err(|e| C14nError::Parse(e.to_string()))
}

/// Canonicalize a whole parsed document into `out`.
pub(crate) fn write_document(doc: &roxmltree::Document<'_>, method: &Method, out: &mut Vec<u8>) {
    let mut before_root = true;
    for child in doc.root().children() {
        match child.node_type() {
            NodeType::Element => {
                write_subtree(child, method, out);
                before_root = false;
            }
            NodeType::Comment | NodeType::PI => {
                if child.is_comment() && !method.with_comments {
                    continue;
                }
                if !before_root {
                    out.push(b'\n');
                }
                write_leaf(child, out);
                if before_root {
                    out.push(b'\n');
                }
            }
            _ => {}
        }
    }
}

/// A namespace binding as rendered: prefix (`""` for the default namespace) and URI.
type Binding<'a> = (&'a str, &'a str);

/// Canonicalize the subtree rooted at element `apex` into `out`, as the document subset
/// made of `apex` and its descendants (XML-DSig same-document reference semantics).
pub(crate) fn write_subtree(apex: Node<'_, '_>, method: &Method, out: &mut Vec<u8>) {
    let mut st = Scratch::default();
    let mut node = apex;
    loop {
        // Open `node`.
        match node.node_type() {
            NodeType::Element => {
                open_tag(node, node == apex, method, &mut st, out);
                if let Some(child) = node.first_child() {
                    node = child;
                    continue;
                }
            }
            NodeType::Text => escape_text(node.text().unwrap_or(""), out),
            NodeType::Comment if method.with_comments => write_leaf(node, out),
            NodeType::PI => write_leaf(node, out),
            _ => {}
        }
        // Close `node` and its finished ancestors, then move to the next sibling.
        loop {
            if node.is_element() {
                let (mark, name) = st.marks.pop().unwrap_or((0, ""));
                st.rendered.truncate(mark);
                out.extend_from_slice(b"</");
                out.extend_from_slice(name.as_bytes());
                out.push(b'>');
            }
            if node == apex {
                return;
            }
            if let Some(next) = node.next_sibling() {
                node = next;
                break;
            }
            match node.parent() {
                Some(p) => node = p,
                None => return,
            }
        }
    }
}

/// Buffers reused across the elements of one canonicalization.
#[derive(Default)]
struct Scratch<'a> {
    /// Namespace bindings rendered on the open output ancestors, innermost last.
    rendered: Vec<Binding<'a>>,
    /// Length of `rendered` before each open element, and its qualified name (for the end
    /// tag).
    marks: Vec<(usize, &'a str)>,
    decls: Vec<Binding<'a>>,
    utilized: Vec<&'a str>,
    attrs: Vec<(&'a str, &'a str, &'a str, &'a str)>,
}

impl<'a> Scratch<'a> {
    fn consider(&mut self, prefix: &'a str, uri: &'a str) {
        consider(&self.rendered, &mut self.decls, prefix, uri);
    }
}

/// Add the declaration of `prefix` to `decls` unless the same binding is already in scope
/// of the output (`rendered`, innermost last; an absent default namespace is the same as
/// `xmlns=""`). Shared with [`super::stream_c14n`].
pub(crate) fn consider<'a>(
    rendered: &[Binding<'a>],
    decls: &mut Vec<Binding<'a>>,
    prefix: &'a str,
    uri: &'a str,
) {
    let current = rendered
        .iter()
        .rev()
        .find(|(p, _)| *p == prefix)
        .map(|(_, u)| *u);
    let needed = if prefix.is_empty() {
        current.unwrap_or("") != uri
    } else {
        current != Some(uri)
    };
    if needed && !decls.iter().any(|(p, _)| *p == prefix) {
        decls.push((prefix, uri));
    }
}

fn write_leaf(node: Node<'_, '_>, out: &mut Vec<u8>) {
    if let Some(pi) = node.pi() {
        out.extend_from_slice(b"<?");
        out.extend_from_slice(pi.target.as_bytes());
        if let Some(v) = pi.value.filter(|v| !v.is_empty()) {
            out.push(b' ');
            out.extend_from_slice(v.as_bytes());
        }
        out.extend_from_slice(b"?>");
    } else if node.is_comment() {
        out.extend_from_slice(b"<!--");
        out.extend_from_slice(node.text().unwrap_or("").as_bytes());
        out.extend_from_slice(b"-->");
    }
}

/// Write the start tag of `node` and push the namespace bindings it renders.
fn open_tag<'a>(
    node: Node<'a, '_>,
    is_apex: bool,
    method: &Method,
    st: &mut Scratch<'a>,
    out: &mut Vec<u8>,
) {
    let name = qname(node);
    st.decls.clear();
    let in_scope = node
        .namespaces()
        .filter(|ns| ns.name() != Some("xml"))
        .map(|ns| (ns.name().unwrap_or(""), ns.uri()));
    match method.algorithm {
        Algorithm::Inclusive => {
            let mut has_default = false;
            for (p, u) in in_scope {
                has_default |= p.is_empty();
                st.consider(p, u);
            }
            if !has_default {
                st.consider("", "");
            }
        }
        Algorithm::Exclusive => {
            st.utilized.clear();
            st.utilized.push(prefix_of(name));
            for a in node.attributes() {
                let p = prefix_of(attr_qname(node, &a));
                if !p.is_empty() && p != "xml" {
                    st.utilized.push(p);
                }
            }
            let listed = method.inclusive_prefixes.iter().map(|p| match p.as_str() {
                "#default" => "",
                other => other,
            });
            for (p, u) in in_scope {
                let visible = st.utilized.contains(&p) || listed.clone().any(|l| l == p);
                if visible {
                    st.consider(p, u);
                }
            }
            let default_visible = st.utilized.contains(&"") || listed.clone().any(|l| l.is_empty());
            if default_visible && node.default_namespace().is_none() {
                st.consider("", "");
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
        escape_attr(u, out);
        out.push(b'"');
    }
    st.marks.push((st.rendered.len(), name));
    st.rendered.extend_from_slice(&st.decls);
    // Attributes sorted by (namespace URI, local name); unqualified ones first.
    st.attrs.clear();
    st.attrs.extend(node.attributes().map(|a| {
        (
            a.namespace().unwrap_or(""),
            a.name(),
            attr_qname(node, &a),
            a.value(),
        )
    }));
    if is_apex && method.algorithm == Algorithm::Inclusive {
        inherit_xml_attributes(node, &mut st.attrs);
    }
    st.attrs
        .sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (_, _, q, v) in &st.attrs {
        out.push(b' ');
        out.extend_from_slice(q.as_bytes());
        out.extend_from_slice(b"=\"");
        escape_attr(v, out);
        out.push(b'"');
    }
    out.push(b'>');
}

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Canonical XML 1.0 §2.4: the apex of a document subset inherits the `xml:*` attributes of
/// its omitted ancestors (the nearest one wins) unless it carries them itself.
fn inherit_xml_attributes<'a>(
    node: Node<'a, '_>,
    attrs: &mut Vec<(&'a str, &'a str, &'a str, &'a str)>,
) {
    for anc in node.ancestors().skip(1).filter(|n| n.is_element()) {
        for a in anc.attributes() {
            if a.namespace() == Some(XML_NS)
                && !attrs.iter().any(|x| x.0 == XML_NS && x.1 == a.name())
            {
                attrs.push((XML_NS, a.name(), attr_qname(anc, &a), a.value()));
            }
        }
    }
}

fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map(|(p, _)| p).unwrap_or("")
}

/// The qualified name of an element as written in the input.
pub(crate) fn qname<'a>(node: Node<'a, '_>) -> &'a str {
    let local = node.tag_name().name();
    let text = node.document().input_text();
    let start = node.range().start + 1;
    if let Some(rest) = text.get(start..) {
        let end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let q = &rest[..end];
        if q == local
            || q.ends_with(local)
                && q.len() > local.len()
                && q.as_bytes()[q.len() - local.len() - 1] == b':'
        {
            return q;
        }
    }
    // Not from the input text (entity expansion): rebuild from the namespace.
    local
}

fn attr_qname<'a>(node: Node<'a, '_>, attr: &roxmltree::Attribute<'a, '_>) -> &'a str {
    let local = attr.name();
    let text = node.document().input_text();
    if let Some(q) = text.get(attr.range_qname()) {
        if q == local
            || q.ends_with(local)
                && q.len() > local.len()
                && q.as_bytes()[q.len() - local.len() - 1] == b':'
        {
            return q;
        }
    }
    if attr.namespace() == Some(XML_NS) {
        // Only `xml:` can be rebuilt without the input; other cases cannot occur without DTD.
        return match local {
            "lang" => "xml:lang",
            "space" => "xml:space",
            "base" => "xml:base",
            "id" => "xml:id",
            _ => local,
        };
    }
    local
}

pub(crate) fn escape_text(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    let mut last = 0;
    for (i, b) in bytes.iter().enumerate() {
        let rep: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'\r' => b"&#xD;",
            _ => continue,
        };
        out.extend_from_slice(&bytes[last..i]);
        out.extend_from_slice(rep);
        last = i + 1;
    }
    out.extend_from_slice(&bytes[last..]);
}

fn escape_attr(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    let mut last = 0;
    for (i, b) in bytes.iter().enumerate() {
        let rep: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'"' => b"&quot;",
            b'\t' => b"&#x9;",
            b'\n' => b"&#xA;",
            b'\r' => b"&#xD;",
            _ => continue,
        };
        out.extend_from_slice(&bytes[last..i]);
        out.extend_from_slice(rep);
        last = i + 1;
    }
    out.extend_from_slice(&bytes[last..]);
}
