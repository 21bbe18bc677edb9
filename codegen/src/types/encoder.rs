//! The encoder render step: per generated type, straight-line code appending XML to the
//! hand-written writer in the `oadr` crate (`src/wire/encode/`), replacing xsd-parser's
//! quick-xml serializer state machines (boxed per-element states, one `Event` and one
//! `BytesStart` allocation per tag, then quick-xml's `Writer`).
//!
//! - complex types that are elements get `EncodeElement`: start tag (the name comes from the
//!   parent, with the customary prefix computed here), attributes, then the content in schema
//!   order, then the end tag; an element without content is written as an empty-element tag;
//! - content types (`xs:choice` enums, nested sequences, substitution groups) get
//!   `EncodeGroup`: their children, without an element of their own;
//! - simple types get `EncodeText` (their lexical form, escaped by the writer) and an
//!   `EncodeElement` that wraps the text in the element.
//!
//! Before each child element whose declaration the validator tables identify by name, the
//! code tells the writer the declaration's index, and whether the value's Rust type already
//! guarantees a valid value (`w.decl(i)` / `w.decl_trusted(i)`, decided in `checks`): the
//! validating writer then checks only what the types do not guarantee.
//!
//! The output is what xsd-parser's serializer wrote, modulo insignificant formatting:
//! the same element and attribute names with the same prefixes, in the same order; the
//! namespace declarations on the root are written by the runtime.

use std::sync::Arc;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;
use xsd_parser::models::data::{
    ComplexData, ComplexDataAttribute, ComplexDataElement, ComplexDataEnum, ComplexDataStruct,
    DataTypeVariant, DataTypes, Occurs, ReferenceData, SimpleData, StructMode,
};
use xsd_parser::models::meta::{ElementMetaVariant, ElementMode};
use xsd_parser::models::schema::xs::FormChoiceType;
use xsd_parser::pipeline::renderer::{
    Context, QuickXmlSerializeRenderStep, RenderStep, RenderStepType,
};

use super::checks::{CheckIndex, Hint};
use super::lang::Reader;
use super::proof::Bounds;

/// Renders the encoders (see the module docs), and the `SerializeBytes` impls of simple
/// types from xsd-parser's serializer step (the only part of it still generated).
#[derive(Debug, Clone, Default)]
pub struct EncodeRenderStep {
    checks: Arc<CheckIndex>,
}

impl EncodeRenderStep {
    /// A render step whose encoders carry the declaration indices of `checks`.
    pub fn new(checks: CheckIndex) -> Self {
        Self {
            checks: Arc::new(checks),
        }
    }
}

/// What the render functions need besides the type being rendered.
struct Cx<'a, 'types> {
    checks: &'a CheckIndex,
    types: &'a DataTypes<'types>,
}

impl RenderStep for EncodeRenderStep {
    fn render_step_type(&self) -> RenderStepType {
        RenderStepType::ExtraImpls
    }

    fn render_type(&mut self, ctx: &mut Context<'_, '_>) {
        let cx = Cx {
            checks: &self.checks,
            types: ctx.meta.types,
        };
        let code = match &ctx.data.variant {
            DataTypeVariant::BuildIn(_) | DataTypeVariant::Custom(_) => None,
            DataTypeVariant::Dynamic(x) => Some(unsupported(&x.type_ident, "dynamic type")),
            DataTypeVariant::Reference(x) => reference(x),
            DataTypeVariant::Enumeration(x) => Some(via_serialize_bytes(&x.type_ident)),
            DataTypeVariant::Union(x) => {
                let arms = x.variants.iter().map(|v| {
                    let v = &v.variant_ident;
                    quote!(Self::#v(x) => crate::wire::encode::EncodeText::encode_text(x, w, attr),)
                });
                Some(text_impl(&x.type_ident, quote!(match self { #( #arms )* })))
            }
            DataTypeVariant::Simple(x) => Some(simple(x)),
            DataTypeVariant::Complex(x) => Some(complex(x, &cx)),
        };
        if !matches!(&ctx.data.variant, DataTypeVariant::Complex(_)) {
            // The `SerializeBytes` impls of simple types: the model's conversions use them,
            // and enumerations are encoded through them (a borrowed `&'static str`).
            QuickXmlSerializeRenderStep {
                namespaces: xsd_parser::pipeline::renderer::NamespaceSerialization::Global,
                default_namespace: None,
            }
            .render_type(ctx);
        }
        if let Some(code) = code {
            ctx.current_module().append(code);
        }
    }
}

/// A type the encoder cannot handle: a compile error in the generated code, so that a schema
/// change that needs it cannot go unnoticed.
fn unsupported(ident: &Ident, what: &str) -> TokenStream {
    let message = format!("oadr-codegen: no encoder for {what} {ident}");
    quote!(compile_error!(#message);)
}

/// `impl EncodeText` with `body` (over `self`, `w` and `attr`), plus the `EncodeElement`
/// that wraps the text in an element.
fn text_impl(ident: &Ident, body: TokenStream) -> TokenStream {
    quote! {
        impl crate::wire::encode::EncodeText for #ident {
            fn encode_text(&self, w: &mut crate::wire::encode::Writer<'_>, attr: bool) -> bool {
                #body
            }
        }
        impl crate::wire::encode::EncodeElement for #ident {
            fn encode_element<'a>(&'a self, w: &mut crate::wire::encode::Writer<'a>, name: &[u8]) {
                w.simple_element(name, self);
            }
        }
    }
}

/// Enumerations: their `SerializeBytes` gives the value as a borrowed string.
fn via_serialize_bytes(ident: &Ident) -> TokenStream {
    text_impl(ident, quote!(w.serialize_bytes(self, attr)))
}

/// The items of a list type, separated by one space; `false` (no value) when empty.
fn list_body() -> TokenStream {
    quote! {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                w.raw(b" ");
            }
            crate::wire::encode::EncodeText::encode_text(item, w, attr);
        }
        !self.0.is_empty()
    }
}

fn reference(data: &ReferenceData<'_>) -> Option<TokenStream> {
    // Typedefs (`pub type A = B;`) need nothing.
    if matches!(
        data.mode,
        xsd_parser::config::TypedefMode::Auto | xsd_parser::config::TypedefMode::Typedef
    ) {
        return None;
    }
    let body = match data.occurs {
        Occurs::None => return None,
        Occurs::Single => quote!(crate::wire::encode::EncodeText::encode_text(
            &self.0, w, attr
        )),
        Occurs::Optional => quote! {
            match &self.0 {
                Some(inner) => crate::wire::encode::EncodeText::encode_text(inner, w, attr),
                None => false,
            }
        },
        Occurs::DynamicList | Occurs::StaticList(_) => list_body(),
    };
    Some(text_impl(&data.type_ident, body))
}

fn simple(data: &SimpleData<'_>) -> TokenStream {
    let body = if let Some(digits) = data.meta.constrains.fraction_digits {
        // As xsd-parser's serializer: a fixed number of fraction digits.
        let format = format!("{{:.{digits}}}");
        quote! {
            w.display(format_args!(#format, self.0));
            true
        }
    } else if data.meta.is_list {
        list_body()
    } else {
        quote!(crate::wire::encode::EncodeText::encode_text(
            &self.0, w, attr
        ))
    };
    text_impl(&data.type_ident, body)
}

fn complex(data: &ComplexData<'_>, cx: &Cx<'_, '_>) -> TokenStream {
    let (main, content) = match data {
        ComplexData::Enum {
            type_,
            content_type,
        } => (enumeration(type_, cx), content_type),
        ComplexData::Struct {
            type_,
            content_type,
        } => (structure(type_, content_type.as_deref(), cx), content_type),
    };
    let content = content.as_deref().map(|c| complex(c, cx));
    quote!(#main #content)
}

/// The qualified name of an element or attribute as xsd-parser's serializer wrote it
/// (`ei:eiResponse`, `Id`, `gml:id`), as a byte string literal.
fn tag(name: &xsd_parser::models::data::TagName<'_>) -> Literal {
    Literal::byte_string(name.get(true).as_bytes())
}

/// The namespace of a child element site (`None`: qualified without a namespace).
fn site_ns(el: &ComplexDataElement<'_>) -> Option<String> {
    let name = &el.tag_name;
    match (name.form, name.module.and_then(|m| m.namespace.as_ref())) {
        (FormChoiceType::Qualified, Some(ns)) => Some(ns.to_string()),
        (FormChoiceType::Qualified, None) => None,
        _ => Some(String::new()),
    }
}

/// The declaration index a child element site carries (`None`: none fits, see
/// `CheckIndex::decl`).
fn site_decl(el: &ComplexDataElement<'_>, cx: &Cx<'_, '_>) -> Option<u16> {
    let ty = match &el.meta().variant {
        ElementMetaVariant::Type { type_, .. } => Some(type_),
        _ => None,
    };
    let ns = site_ns(el)?;
    cx.checks.decl(&ns, &el.tag_name.name, ty, cx.types)
}

/// The declaration hint written before the child element (see the module docs).
fn hint(
    el: &ComplexDataElement<'_>,
    ty: &xsd_parser::models::TypeIdent,
    cx: &Cx<'_, '_>,
) -> TokenStream {
    let Some(ns) = site_ns(el) else {
        return quote!();
    };
    match cx.checks.hint(&ns, &el.tag_name.name, Some(ty), cx.types) {
        Hint::None => quote!(),
        Hint::Decl(i) if proven(i, ty, cx) => quote!(w.decl_proven(#i);),
        Hint::Decl(i) => quote!(w.decl(#i);),
        Hint::Trusted(i) => quote!(w.decl_trusted(#i);),
    }
}

/// Whether every value of type `ty` is written as children that the content model of
/// declaration `decl` accepts (`proof.rs`): the runtime then runs no automaton step for them.
fn proven(decl: u16, ty: &xsd_parser::models::TypeIdent, cx: &Cx<'_, '_>) -> bool {
    let site = |el: &ComplexDataElement<'_>| site_decl(el, cx);
    let reader = Reader {
        types: cx.types,
        decl: &site,
    };
    reader
        .type_lang(ty)
        .is_some_and(|lang| cx.checks.proves(decl, &lang))
}

/// `w.occurs(n, min, max)` where the Rust type holds more or fewer values than the schema
/// allows (`proof.rs`): `count` is the number of values.
fn occurs_check(b: Bounds, count: TokenStream) -> TokenStream {
    if !b.counted {
        return quote!();
    }
    let clamp = |n: u64| match u32::try_from(n) {
        Ok(n) => {
            let n = Literal::usize_unsuffixed(n as usize);
            quote!(#n)
        }
        Err(_) => quote!(usize::MAX),
    };
    let min = clamp(b.min);
    let max = b.max.map_or(quote!(usize::MAX), clamp);
    quote!(w.occurs(#count, #min, #max);)
}

/// The number of values in a field or variant with this `Occurs`.
fn count(occurs: Occurs, value: &TokenStream) -> TokenStream {
    match occurs {
        Occurs::None => quote!(0usize),
        Occurs::Single => quote!(1usize),
        Occurs::Optional => quote!(usize::from(::core::option::Option::is_some(#value))),
        Occurs::DynamicList | Occurs::StaticList(_) => quote!(<[_]>::len(#value)),
    }
}

/// The code writing one child (`value` is a reference to the field or variant value).
fn child(el: &ComplexDataElement<'_>, value: TokenStream, cx: &Cx<'_, '_>) -> TokenStream {
    let meta = el.meta();
    let one = |x: TokenStream| match &meta.variant {
        ElementMetaVariant::Type {
            mode: ElementMode::Group,
            ..
        } => quote!(crate::wire::encode::EncodeGroup::encode_group(#x, w);),
        ElementMetaVariant::Type { .. } if el.target_is_dynamic => {
            quote!(crate::wire::encode::EncodeGroup::encode_group(#x, w);)
        }
        ElementMetaVariant::Type { type_, .. } => {
            let name = tag(&el.tag_name);
            let hint = hint(el, type_, cx);
            quote!(#hint crate::wire::encode::EncodeElement::encode_element(#x, w, #name);)
        }
        // `xs:any` elements carry their own name; text ignores the name.
        ElementMetaVariant::Any { .. } | ElementMetaVariant::Text => {
            quote!(crate::wire::encode::EncodeElement::encode_element(#x, w, b"");)
        }
    };
    let site = |el: &ComplexDataElement<'_>| site_decl(el, cx);
    let reader = Reader {
        types: cx.types,
        decl: &site,
    };
    let check = occurs_check(reader.field_bounds(el), count(el.occurs, &value));
    let write = match el.occurs {
        Occurs::None => quote!(),
        Occurs::Single => one(value),
        Occurs::Optional => {
            let body = one(quote!(x));
            quote!(if let Some(x) = #value { #body })
        }
        Occurs::DynamicList | Occurs::StaticList(_) => {
            let body = one(quote!(x));
            quote!(for x in #value { #body })
        }
    };
    quote!(#check #write)
}

/// The start-tag code: `w.start(name)` and the attributes.
fn start_tag(attributes: &[ComplexDataAttribute<'_>]) -> TokenStream {
    let attrs = attributes.iter().map(|a| {
        let field = &a.ident;
        if a.meta.is_any() {
            return quote!(w.any_attributes(&self.#field););
        }
        let name = tag(&a.tag_name);
        if a.is_option {
            quote!(if let Some(x) = &self.#field { w.attribute(#name, x); })
        } else {
            quote!(w.attribute(#name, &self.#field);)
        }
    });
    quote! {
        w.start(name);
        #( #attrs )*
    }
}

fn element_impl(ident: &Ident, body: TokenStream) -> TokenStream {
    quote! {
        impl crate::wire::encode::EncodeElement for #ident {
            fn encode_element<'a>(&'a self, w: &mut crate::wire::encode::Writer<'a>, name: &[u8]) {
                #body
            }
        }
    }
}

fn group_impl(ident: &Ident, body: TokenStream) -> TokenStream {
    quote! {
        impl crate::wire::encode::EncodeGroup for #ident {
            fn encode_group<'a>(&'a self, w: &mut crate::wire::encode::Writer<'a>) {
                #body
            }
        }
    }
}

fn structure(
    data: &ComplexDataStruct<'_>,
    content_type: Option<&ComplexData<'_>>,
    cx: &Cx<'_, '_>,
) -> TokenStream {
    let ident = &data.type_ident;
    let mut content = TokenStream::new();
    match &data.mode {
        StructMode::Empty { allow_any: true }
        | StructMode::Sequence {
            allow_any: true, ..
        }
        | StructMode::All {
            allow_any: true, ..
        } => return unsupported(ident, "untyped wildcard content in"),
        StructMode::Empty { .. } => {}
        StructMode::Sequence { elements, .. } | StructMode::All { elements, .. } => {
            for el in elements {
                let field = &el.field_ident;
                content.extend(child(el, quote!(&self.#field), cx));
            }
        }
        StructMode::Content { content: c } => {
            let one = if c.is_simple() {
                quote!(w.text(x);)
            } else {
                quote!(crate::wire::encode::EncodeGroup::encode_group(x, w);)
            };
            let site = |el: &ComplexDataElement<'_>| site_decl(el, cx);
            let reader = Reader {
                types: cx.types,
                decl: &site,
            };
            let bounds = reader.content_bounds(c, content_type);
            content.extend(occurs_check(
                bounds,
                count(c.occurs, &quote!(&self.content)),
            ));
            content.extend(match c.occurs {
                Occurs::None => quote!(),
                Occurs::Single => quote!(let x = &self.content; #one),
                Occurs::Optional => quote!(if let Some(x) = &self.content { #one }),
                _ => quote!(for x in &self.content { #one }),
            });
        }
    }
    if !data.represents_element() {
        return group_impl(ident, content);
    }
    let start = start_tag(&data.attributes);
    let body = if data.has_content() {
        quote! {
            #start
            w.close_start();
            #content
            w.end(name);
        }
    } else {
        quote! {
            #start
            w.close_empty();
        }
    };
    element_impl(ident, body)
}

fn enumeration(data: &ComplexDataEnum<'_>, cx: &Cx<'_, '_>) -> TokenStream {
    let ident = &data.type_ident;
    if data.allow_any {
        return unsupported(ident, "untyped wildcard content in");
    }
    let arms = data.elements.iter().map(|el| {
        let v = &el.variant_ident;
        let body = child(el, quote!(x), cx);
        quote!(Self::#v(x) => { #body })
    });
    let matched = quote!(match self { #( #arms )* });
    if !data.represents_element() {
        return group_impl(ident, matched);
    }
    let start = start_tag(&[]);
    element_impl(
        ident,
        quote! {
            #start
            w.close_start();
            #matched
            w.end(name);
        },
    )
}
