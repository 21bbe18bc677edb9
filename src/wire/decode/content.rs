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
        Ok(self.character_data(true)?.map(|t| Text(t.into_owned())))
    }

    /// The namespace bindings in scope at the current element, as `AnyElement` keeps them.
    fn namespaces(&self) -> NamespacesShared<'static> {
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
        namespaces.into_shared()
    }
}

impl DecodeElement for AnyElement {
    fn decode_element(r: &mut Reader<'_>, start: &BytesStart<'_>) -> Result<Self> {
        let mut attributes = Attributes::default();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| r.error(e.to_string()))?;
            attributes.insert(
                Cow::<'static, [u8]>::Owned(attr.key.as_ref().to_vec()),
                Cow::<'static, [u8]>::Owned(attr.value.into_owned()),
            );
        }
        let mut element = AnyElement {
            name: Cow::Owned(start.name().as_ref().to_vec()),
            values: Vec::new(),
            attributes,
            namespaces: r.namespaces(),
        };
        if r.in_empty {
            return Ok(element);
        }
        loop {
            let value = match r.fill_keeping(true)? {
                Event::End(_) => return Ok(element),
                Event::Eof => return Err(r.error("unexpected end of input".to_owned())),
                Event::Start(_) | Event::Empty(_) => Value::Element(r.element()?),
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
