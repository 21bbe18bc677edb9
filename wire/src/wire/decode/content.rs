//! [`DecodeElement`] for the types the generated structs hold but the generator does not emit:
//! the builtin simple types, `xs:any` content ([`AnyElement`]) and mixed content ([`Text`],
//! [`Mixed`]).

use std::borrow::Cow;

use quick_xml::events::{BytesStart, BytesText, Event};
use xsd_parser_types::xml::{
    AnyElement, Attributes, Mixed, Namespaces, NamespacesShared, Text, Value,
};

use super::{DecodeElement, Reader, Result};

macro_rules! simple_content {
    ($($t:ty),* $(,)?) => {$(
        impl DecodeElement for $t {
            fn decode_element(r: &mut Reader<'_>, _start: &BytesStart<'_>) -> Result<Self> {
                r.simple()
            }
        }
    )*};
}

simple_content!(String, bool, u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, f32, f64);

impl<T: DecodeElement> DecodeElement for Mixed<T> {
    fn decode_element(r: &mut Reader<'_>, start: &BytesStart<'_>) -> Result<Self> {
        Ok(Mixed {
            value: T::decode_element(r, start)?,
            text_after: None,
        })
    }

    /// The element, then the character data after it.
    fn decode_child(r: &mut Reader<'_>) -> Result<Self> {
        let value = T::decode_child(r)?;
        let text_after = r.text()?;
        Ok(Mixed { value, text_after })
    }
}

impl<'a> Reader<'a> {
    /// The character data before the next child element or end tag, whitespace included
    /// (mixed content), or `None` when there is none.
    pub fn text(&mut self) -> Result<Option<Text>> {
        Ok(self
            .character_data(true, true)?
            .map(|t| Text(t.into_owned())))
    }

    /// The namespace bindings in scope at the current element, as `AnyElement` keeps them.
    /// Consecutive `xs:any` elements usually see the same bindings: the map is built once and
    /// shared while they stay the same (compared through a flat signature of the bindings).
    fn namespaces(&mut self) -> NamespacesShared<'static> {
        let mut signature = std::mem::take(&mut self.namespaces_signature);
        signature.clear();
        for (prefix, ns) in self.xml.resolver().bindings() {
            match prefix {
                quick_xml::name::PrefixDeclaration::Named(p) => signature.extend_from_slice(p),
                quick_xml::name::PrefixDeclaration::Default => {}
            }
            // Names and URIs cannot contain NUL: an unambiguous separator.
            signature.push(0);
            signature.extend_from_slice(ns.0);
            signature.push(0);
        }
        if let Some((cached, shared)) = &self.namespaces_cache {
            if *cached == signature {
                let shared = shared.clone();
                self.namespaces_signature = signature;
                return shared;
            }
        }
        let mut namespaces = Namespaces::new();
        for (prefix, ns) in self.xml.resolver().bindings() {
            let key: Cow<'static, [u8]> = match prefix {
                quick_xml::name::PrefixDeclaration::Named(p) => Cow::Owned(p.to_vec()),
                quick_xml::name::PrefixDeclaration::Default => Cow::Borrowed(&b""[..]),
            };
            namespaces.0.insert(
                key.into(),
                Cow::<'static, [u8]>::Owned(ns.0.to_vec()).into(),
            );
        }
        let shared = namespaces.into_shared();
        self.namespaces_cache = Some((signature.clone(), shared.clone()));
        self.namespaces_signature = signature;
        shared
    }
}

/// An `xs:any` element's name, attributes and in-scope bindings, without content yet.
fn any_element_head(r: &mut Reader<'_>, start: &BytesStart<'_>) -> Result<AnyElement> {
    let mut attributes = Attributes::default();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| r.error(e.to_string()))?;
        attributes.insert(
            Cow::<'static, [u8]>::Owned(attr.key.as_ref().to_vec()),
            Cow::<'static, [u8]>::Owned(attr.value.into_owned()),
        );
    }
    Ok(AnyElement {
        name: Cow::Owned(start.name().as_ref().to_vec()),
        values: Vec::new(),
        attributes,
        namespaces: r.namespaces(),
    })
}

impl DecodeElement for AnyElement {
    /// Iterative over the element's subtree (an explicit stack of open elements): `xs:any`
    /// content is where a schema-valid document can nest arbitrarily, so it must not cost
    /// native stack per level. Reads what `Reader::element` would read for each child
    /// (the depth cap included) and leaves this element's end tag to the caller.
    fn decode_element(r: &mut Reader<'_>, start: &BytesStart<'_>) -> Result<Self> {
        let mut element = any_element_head(r, start)?;
        if r.in_empty {
            return Ok(element);
        }
        // The ancestors of `element` within this subtree, innermost last.
        let mut open: Vec<AnyElement> = Vec::new();
        loop {
            let value = match r.fill_keeping(true)? {
                Event::End(_) => {
                    let Some(parent) = open.pop() else {
                        return Ok(element);
                    };
                    r.peeked = None;
                    r.depth -= 1;
                    let child = std::mem::replace(&mut element, parent);
                    Value::Element(child)
                }
                Event::Eof => return Err(r.error("unexpected end of input".to_owned())),
                Event::Start(_) | Event::Empty(_) => {
                    let (start, empty) = match r.peeked.take() {
                        Some(Event::Start(e)) => (e, false),
                        Some(Event::Empty(e)) => (e, true),
                        _ => return Err(r.error("expected an element".to_owned())),
                    };
                    if r.depth >= super::MAX_DEPTH {
                        return Err(r.error(format!(
                            "element nesting exceeds the depth limit of {}",
                            super::MAX_DEPTH
                        )));
                    }
                    let child = any_element_head(r, &start)?;
                    if empty {
                        Value::Element(child)
                    } else {
                        r.depth += 1;
                        open.push(std::mem::replace(&mut element, child));
                        continue;
                    }
                }
                _ => match r.peeked.take() {
                    Some(Event::Text(t)) => Value::Text(t.into_owned()),
                    Some(Event::CData(t)) => Value::CData(t.into_owned()),
                    Some(Event::Comment(t)) => Value::Comment(t.into_owned()),
                    Some(Event::GeneralRef(g)) => {
                        // Kept escaped, as text values are: `&name;`.
                        let mut raw = b"&".to_vec();
                        raw.extend_from_slice(&g);
                        raw.push(b';');
                        let raw = String::from_utf8_lossy(&raw).into_owned();
                        Value::Text(BytesText::from_escaped(raw))
                    }
                    _ => continue,
                },
            };
            element.values.push(value);
        }
    }
}
