//! [`EncodeElement`] and [`EncodeText`] for the types the generated structs hold but the
//! generator does not emit: the builtin simple types, `xs:any` content ([`AnyElement`]) and
//! mixed content ([`Text`], [`Mixed`]).

use xsd_parser_types::xml::{AnyAttributes, AnyElement, Mixed, Text, Value};

use super::{EncodeElement, EncodeText, Writer, ROOT_NAMESPACES};

macro_rules! builtin {
    ($($t:ty => |$v:ident, $w:ident, $attr:ident| $body:expr),* $(,)?) => {$(
        impl EncodeText for $t {
            #[inline]
            fn encode_text(&self, $w: &mut Writer<'_>, $attr: bool) -> bool {
                let $v = self;
                $body;
                true
            }
        }
        impl EncodeElement for $t {
            fn encode_element<'a>(&'a self, w: &mut Writer<'a>, name: &[u8]) {
                w.simple_element(name, self);
            }
        }
    )*};
}

builtin! {
    String => |v, w, attr| w.escaped(v, attr),
    bool => |v, w, _attr| w.raw(if *v { b"true" } else { b"false" }),
    u8 => |v, w, _attr| w.integer(*v),
    u16 => |v, w, _attr| w.integer(*v),
    u32 => |v, w, _attr| w.integer(*v),
    u64 => |v, w, _attr| w.integer(*v),
    usize => |v, w, _attr| w.integer(*v),
    i8 => |v, w, _attr| w.integer(*v),
    i16 => |v, w, _attr| w.integer(*v),
    i32 => |v, w, _attr| w.integer(*v),
    i64 => |v, w, _attr| w.integer(*v),
    isize => |v, w, _attr| w.integer(*v),
    f32 => |v, w, _attr| w.float(*v),
    f64 => |v, w, _attr| w.float(*v),
}

/// Character data of mixed content (or of `xs:anyType` content); the name is ignored.
impl EncodeElement for Text {
    fn encode_element<'a>(&'a self, w: &mut Writer<'a>, _name: &[u8]) {
        w.character_data(&self.0);
    }
}

/// The element, then the character data after it.
impl<T: EncodeElement> EncodeElement for Mixed<T> {
    fn encode_element<'a>(&'a self, w: &mut Writer<'a>, name: &[u8]) {
        self.value.encode_element(w, name);
        if let Some(text) = &self.text_after {
            w.character_data(&text.0);
        }
    }
}

/// `xs:any` content under its own name, with the namespace bindings it was read with that are
/// not in scope already, its attributes (kept escaped, as read) and its children (text and
/// entity references kept escaped, CDATA sections and comments as they were).
impl EncodeElement for AnyElement {
    fn encode_element<'a>(&'a self, w: &mut Writer<'a>, _name: &[u8]) {
        w.unchecked();
        w.foreign();
        let scope = w.namespaces.len();
        w.start(&self.name);
        for (prefix, ns) in &**self.namespaces {
            w.bind(&prefix.0, &ns.0);
        }
        for (key, value) in self.attributes.iter() {
            // The decoder keeps `xmlns` attributes in both maps: write each binding once.
            let binding = if &*key.0 == b"xmlns" {
                Some(&b""[..])
            } else {
                key.0.strip_prefix(b"xmlns:")
            };
            if binding.is_some_and(|p| self.namespaces.contains_key(p)) {
                continue;
            }
            w.out.push(b' ');
            w.out.extend_from_slice(&key.0);
            w.out.extend_from_slice(b"=\"");
            w.raw_attribute_value(&value.0);
            w.out.push(b'"');
        }
        if self.values.is_empty() {
            w.close_empty();
        } else {
            w.close_start();
            for value in &self.values {
                match value {
                    Value::Element(e) => e.encode_element(w, b""),
                    Value::Text(t) => w.raw(t),
                    Value::CData(t) => {
                        w.raw(b"<![CDATA[");
                        w.raw(t);
                        w.raw(b"]]>");
                    }
                    Value::Comment(t) => {
                        w.raw(b"<!--");
                        w.raw(t);
                        w.raw(b"-->");
                    }
                }
            }
            w.end(&self.name);
        }
        w.namespaces.truncate(scope);
    }
}

impl<'a> Writer<'a> {
    /// Declare `prefix` → `ns` on the start tag being written, unless the innermost binding
    /// of `ns` in scope already uses `prefix` (as xsd-parser's `SerializeHelper` decided).
    fn bind(&mut self, prefix: &'a [u8], ns: &'a [u8]) {
        if self.namespaces.is_empty() {
            // The root's bindings, in scope everywhere (kept implicit until needed).
            self.namespaces = ROOT_NAMESPACES.iter().map(|(n, p)| (*p, *n)).collect();
        }
        let current = self.namespaces.iter().rev().find(|(_, n)| *n == ns);
        if current.is_some_and(|(p, _)| *p == prefix) {
            return;
        }
        self.declare(prefix, ns);
        self.namespaces.push((prefix, ns));
    }

    /// `anyAttribute` values, kept as read (escaped).
    pub fn any_attributes(&mut self, attributes: &AnyAttributes) {
        for (key, value) in attributes.iter() {
            self.foreign();
            self.out.push(b' ');
            self.out.extend_from_slice(&key.0);
            self.out.extend_from_slice(b"=\"");
            let value_start = self.out.len();
            self.raw_attribute_value(&value.0);
            if let Some(c) = &mut self.check {
                c.attribute(&key.0, &self.out[value_start..]);
            }
            self.out.push(b'"');
        }
    }

    /// An attribute value that is already escaped (kept from the input), written between
    /// double quotes: a `"` it may hold (from a single-quoted value) becomes `&quot;`.
    pub(super) fn raw_attribute_value(&mut self, value: &[u8]) {
        let mut from = 0;
        for i in memchr::memchr_iter(b'"', value) {
            self.out.extend_from_slice(&value[from..i]);
            self.out.extend_from_slice(b"&quot;");
            from = i + 1;
        }
        if let Some(rest) = value.get(from..) {
            self.out.extend_from_slice(rest);
        }
    }
}
