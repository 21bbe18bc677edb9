//! Helpers over the parsed received bytes: strict parsing, Id attributes, element paths and
//! protocol names.

use roxmltree::{Document, Node};

use super::error::Error;

/// Upper bound on parsed nodes, so that a hostile message cannot exhaust memory.
pub(crate) const NODES_LIMIT: u32 = 200_000;

/// `oadr` namespace.
pub const OADR_NS: &str = "http://openadr.org/oadr-2.0b/2012/07";
/// XML-DSig namespace (`ds`).
pub const DS_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// OpenADR XML-DSig properties namespace (`dsp`).
pub const DSP_NS: &str = "http://openadr.org/oadr-2.0b/2012/07/xmldsig-properties";

/// Parse received bytes: UTF-8, well-formed, namespace-well-formed, no DTD (a DTD could
/// declare Id types or default attributes that change what a reference selects).
pub(crate) fn parse_strict(bytes: &[u8]) -> Result<Document<'_>, Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::Xml {
        reason: format!("not UTF-8: {e}"),
    })?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        ..Default::default()
    };
    Document::parse_with_options(text, opts).map_err(|e| Error::Xml {
        reason: e.to_string(),
    })
}

/// Whether an attribute is an Id attribute as XML-DSig implementations resolve them
/// (`Id`, `ID`, `id` in any namespace, `xml:id`).
pub(crate) fn is_id_attribute(attr: &roxmltree::Attribute<'_, '_>) -> bool {
    matches!(attr.name(), "Id" | "ID" | "id")
}

/// The Id values an element carries.
pub(crate) fn ids<'a>(node: Node<'a, '_>) -> impl Iterator<Item = &'a str> {
    node.attributes().filter(is_id_attribute).map(|a| a.value())
}

/// The first Id value of an element.
pub(crate) fn id_of<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    ids(node).next()
}

/// Whether `node` is the element `{ns}local`.
pub(crate) fn is(node: Node<'_, '_>, ns: &str, local: &str) -> bool {
    node.is_element() && node.tag_name().name() == local && node.tag_name().namespace() == Some(ns)
}

/// Element children of `node`.
pub(crate) fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|n| n.is_element())
}

/// Whether `node` has non-whitespace text children (mixed content where none is expected).
pub(crate) fn has_text(node: Node<'_, '_>) -> bool {
    node.children()
        .any(|n| n.is_text() && n.text().is_some_and(|t| !t.trim().is_empty()))
}

/// The element path of `node`, by local names, with a 1-based index where siblings share
/// the name: `/oadrPayload/Signature/SignedInfo/Reference[2]`.
pub(crate) fn path(node: Node<'_, '_>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for n in node.ancestors().filter(|n| n.is_element()) {
        let name = n.tag_name().name();
        let same = |s: &Node<'_, '_>| s.is_element() && s.tag_name() == n.tag_name();
        let before = n.prev_siblings().skip(1).filter(same).count();
        let after = n.next_siblings().skip(1).filter(same).count();
        if before + after > 0 {
            parts.push(format!("{name}[{}]", before + 1));
        } else {
            parts.push(name.to_owned());
        }
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}
