//! The decoder render step: per generated type, a small recursive-descent decoder over the
//! hand-written reader in the `oadr` crate (`src/wire/decode/`), replacing xsd-parser's
//! quick-xml deserializer state machines (which were ~75% of the generated lines and most of
//! decode time).
//!
//! - complex types that are elements get `DecodeElement`: attributes from the start tag, then
//!   the content in schema order (`xs:sequence` in order, `xs:all` in any order, `xs:choice`
//!   by trying each branch, substitution groups as choices of their members);
//! - content types (`xs:choice` enums, nested sequences) get `DecodeGroup`: decode from the
//!   next child if it starts the group, else consume nothing;
//! - simple types (enumerations, unions, restricted types, list newtypes) get `DecodeElement`
//!   reading the element's text through their `DeserializeBytes` impl, which this step takes
//!   from xsd-parser's own deserializer renderer (only for simple types: the complex types'
//!   state machines are no longer generated).
//!
//! Element and attribute names are matched by local name and namespace URI exactly as the
//! xsd-parser deserializers did (an unprefixed name outside any default namespace matches too).

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote, ToTokens};
use xsd_parser::models::data::{
    ComplexData, ComplexDataAttribute, ComplexDataElement, ComplexDataEnum, ComplexDataStruct,
    DataTypeVariant, Occurs, StructMode,
};
use xsd_parser::models::meta::{ElementMetaVariant, ElementMode};
use xsd_parser::models::schema::xs::Use;
use xsd_parser::models::schema::NamespaceId;
use xsd_parser::pipeline::renderer::{
    Context, QuickXmlDeserializeRenderStep, RenderStep, RenderStepType,
};

/// Renders the decoders (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct DecodeRenderStep;

impl RenderStep for DecodeRenderStep {
    fn render_step_type(&self) -> RenderStepType {
        RenderStepType::ExtraImpls
    }

    fn render_type(&mut self, ctx: &mut Context<'_, '_>) {
        let code = match &ctx.data.variant {
            DataTypeVariant::BuildIn(_) | DataTypeVariant::Custom(_) => None,
            DataTypeVariant::Dynamic(x) => Some(unsupported(&x.type_ident, "dynamic type")),
            DataTypeVariant::Reference(x) => {
                // Typedefs (`pub type A = B;`) need nothing; newtypes over simple types read
                // text like every simple type.
                let newtype = !matches!(
                    x.mode,
                    xsd_parser::config::TypedefMode::Auto
                        | xsd_parser::config::TypedefMode::Typedef
                );
                newtype.then(|| simple(&x.type_ident))
            }
            DataTypeVariant::Enumeration(x) => Some(simple(&x.type_ident)),
            DataTypeVariant::Union(x) => Some(simple(&x.type_ident)),
            DataTypeVariant::Simple(x) => Some(simple(&x.type_ident)),
            DataTypeVariant::Complex(x) => Some(complex(ctx, x)),
        };
        if !matches!(&ctx.data.variant, DataTypeVariant::Complex(_)) {
            // The `DeserializeBytes` impls of simple types (value parsing, facets).
            QuickXmlDeserializeRenderStep {
                boxed_deserializer: true,
            }
            .render_type(ctx);
        }
        if let Some(code) = code {
            ctx.current_module().append(code);
        }
    }
}

/// A type the decoder cannot handle: a compile error in the generated code, so that a schema
/// change that needs it cannot go unnoticed.
fn unsupported(ident: &Ident, what: &str) -> TokenStream {
    let message = format!("oadr-codegen: no decoder for {what} {ident}");
    quote!(compile_error!(#message);)
}

fn simple(ident: &Ident) -> TokenStream {
    element_impl(ident, quote!(_start), quote!(r.simple()))
}

/// `impl DecodeElement for <ident>` with `body` (which reads the start tag as `start`).
fn element_impl(ident: &Ident, start: TokenStream, body: TokenStream) -> TokenStream {
    quote! {
        impl crate::wire::decode::DecodeElement for #ident {
            fn decode_element(
                r: &mut crate::wire::decode::Reader<'_>,
                #start: &quick_xml::events::BytesStart<'_>,
            ) -> crate::wire::decode::Result<Self> {
                #body
            }
        }
    }
}

fn complex(ctx: &Context<'_, '_>, data: &ComplexData<'_>) -> TokenStream {
    let (main, content) = match data {
        ComplexData::Enum {
            type_,
            content_type,
        } => (enumeration(ctx, type_), content_type),
        ComplexData::Struct {
            type_,
            content_type,
        } => (structure(ctx, type_), content_type),
    };
    let content = content.as_deref().map(|c| complex(ctx, c));
    quote!(#main #content)
}

/// The namespace URI of an element or attribute declared in namespace `ns`, as a byte string
/// option (`None` when the schema has no target namespace).
fn namespace(ctx: &Context<'_, '_>, ns: NamespaceId) -> TokenStream {
    let uri = ctx
        .types
        .meta
        .types
        .modules
        .get(&ns)
        .and_then(|m| m.namespace.as_ref());
    match uri {
        Some(uri) => {
            let lit = Literal::byte_string(&uri.0);
            quote!(Some(#lit))
        }
        None => quote!(None),
    }
}

/// How one child of a content model is read.
enum Kind {
    Element(TokenStream),
    Group,
    Any,
    Text,
}

fn kind(ctx: &Context<'_, '_>, el: &ComplexDataElement<'_>) -> Kind {
    let meta = el.meta();
    match &meta.variant {
        ElementMetaVariant::Text => Kind::Text,
        ElementMetaVariant::Any { .. } => Kind::Any,
        ElementMetaVariant::Type {
            mode: ElementMode::Group,
            ..
        } => Kind::Group,
        ElementMetaVariant::Type { .. } if el.target_is_dynamic => Kind::Group,
        ElementMetaVariant::Type { .. } => {
            let ns = namespace(ctx, meta.ident.ns);
            let name = &el.b_name;
            Kind::Element(quote!(#ns, #name))
        }
    }
}

/// The attribute loop and the field initialisers of `attributes`.
fn attributes(
    ctx: &Context<'_, '_>,
    attributes: &[ComplexDataAttribute<'_>],
    allow_any_attribute: bool,
) -> (TokenStream, Vec<TokenStream>) {
    let mut decls = Vec::new();
    let mut arms = Vec::new();
    let mut inits = Vec::new();
    // Other attributes are kept or ignored (an `anyAttribute`), not refused.
    let mut keeps_others = allow_any_attribute;
    let mut fallback = if allow_any_attribute {
        quote!()
    } else {
        quote!(r.unexpected_attribute(&attr)?;)
    };
    for attribute in attributes {
        let ident = &attribute.ident;
        if attribute.meta.is_any() {
            keeps_others = true;
            decls.push(quote!(let mut #ident = xsd_parser_types::xml::AnyAttributes::default();));
            fallback = quote!(r.any_attribute(&mut #ident, attr)?;);
            inits.push(quote!(#ident));
            continue;
        }
        decls.push(quote!(let mut #ident = None;));
        let ns = namespace(ctx, attribute.meta.ident.ns);
        let name = &attribute.b_name;
        arms.push(quote! {
            if r.attribute_is(&attr, #ns, #name) {
                r.read_attribute(&mut #ident, &attr)?;
            } else
        });
        let init = if attribute.default_value.is_some() {
            let default = format_ident!("default_{ident}");
            quote!(#ident: #ident.unwrap_or_else(Self::#default))
        } else if attribute.meta.use_ == Use::Required {
            let name = &attribute.s_name;
            quote!(#ident: #ident.ok_or_else(|| r.missing_attribute(#name))?)
        } else {
            quote!(#ident)
        };
        inits.push(init);
    }
    if arms.is_empty() && fallback.is_empty() {
        return (quote!(let _ = start;), inits);
    }
    if arms.is_empty() && !keeps_others {
        // No attribute is declared: the only attributes allowed are the `xsi` ones, which
        // the validator has checked on validated input (there is nothing to keep).
        let code = quote! {
            if !r.checked() {
                for attr in crate::wire::decode::Reader::attributes(start) {
                    let attr = r.attribute(attr)?;
                    r.unexpected_attribute(&attr)?;
                }
            }
        };
        return (code, inits);
    }
    let code = quote! {
        #( #decls )*
        for attr in crate::wire::decode::Reader::attributes(start) {
            let attr = r.attribute(attr)?;
            #( #arms )* {
                #fallback
            }
        }
    };
    (code, inits)
}

/// Reads one child of a sequence into `let <field> = ...;`. `group_start` is set for the
/// content of a `DecodeGroup`: the first required child decides whether the group is present.
fn sequence_child(ctx: &Context<'_, '_>, el: &ComplexDataElement<'_>, group: bool) -> TokenStream {
    let field = &el.field_ident;
    let what = &el.s_name;
    let min = el.meta().min_occurs;
    let value = match (kind(ctx, el), el.occurs) {
        (Kind::Text, _) => quote!(r.text()?),
        (Kind::Element(name), Occurs::Single) if group => quote! {{
            if !started && !r.is(#name)? {
                return Ok(None);
            }
            r.required(#name)?
        }},
        (Kind::Element(name), Occurs::Single) => quote!(r.required(#name)?),
        (Kind::Element(name), Occurs::Optional) => quote!(r.optional(#name)?),
        (Kind::Element(name), _) => quote!(r.repeated(#name, #min)?),
        (Kind::Group, Occurs::Single) if group => quote! {
            match crate::wire::decode::DecodeGroup::decode_group(r)? {
                Some(value) => value,
                None if !started => return Ok(None),
                None => r.group(#what)?,
            }
        },
        (Kind::Group, Occurs::Single) => quote!(r.group(#what)?),
        (Kind::Group, Occurs::Optional) => {
            quote!(crate::wire::decode::DecodeGroup::decode_group(r)?)
        }
        (Kind::Group, _) => quote!(r.groups(#what, #min)?),
        (Kind::Any, Occurs::Single) if group => quote! {{
            if !started && !r.is_any()? {
                return Ok(None);
            }
            r.any()?
        }},
        (Kind::Any, Occurs::Single) => quote!(r.any()?),
        (Kind::Any, Occurs::Optional) => quote!(if r.is_any()? {
            Some(r.element()?)
        } else {
            None
        }),
        (Kind::Any, _) => quote!(r.anys(#min)?),
    };
    if !group {
        return quote!(let #field = #value;);
    }
    // `started`: something of the group has been read (so it is present and must complete).
    let progressed = match (kind(ctx, el), el.occurs) {
        (Kind::Text, _) | (_, Occurs::Optional) => quote!(#field.is_some()),
        (_, Occurs::Single) => quote!(true),
        _ => quote!(!#field.is_empty()),
    };
    quote! {
        let #field = #value;
        started |= #progressed;
    }
}

/// Reads the children of an `xs:all`: any order, each at most once.
fn all_children(ctx: &Context<'_, '_>, elements: &[ComplexDataElement<'_>]) -> TokenStream {
    let mut decls = Vec::new();
    let mut arms = Vec::new();
    let mut finish = Vec::new();
    for el in elements {
        let field = &el.field_ident;
        let what = &el.s_name;
        let Kind::Element(name) = kind(ctx, el) else {
            return unsupported(field, "non-element member of xs:all");
        };
        decls.push(quote!(let mut #field = None;));
        arms.push(quote! {
            if #field.is_none() && r.is(#name)? {
                #field = Some(r.element()?);
            } else
        });
        if el.occurs == Occurs::Single {
            finish.push(quote! {
                let #field = match #field {
                    Some(value) => value,
                    None => return Err(r.error(format!("missing element <{}>", #what))),
                };
            });
        }
    }
    quote! {
        #( #decls )*
        loop {
            #( #arms )* { break; }
        }
        #( #finish )*
    }
}

fn structure(ctx: &Context<'_, '_>, data: &ComplexDataStruct<'_>) -> TokenStream {
    let ident = &data.type_ident;
    let element = data.represents_element();
    let (attribute_code, mut inits) = attributes(ctx, &data.attributes, data.allow_any_attribute);
    let mut body = TokenStream::new();
    match &data.mode {
        StructMode::Empty { allow_any: true }
        | StructMode::Sequence {
            allow_any: true, ..
        }
        | StructMode::All {
            allow_any: true, ..
        } => return unsupported(ident, "untyped wildcard content in"),
        StructMode::Empty { .. } => {}
        StructMode::Sequence { elements, .. } => {
            for el in elements {
                body.extend(sequence_child(ctx, el, !element));
                inits.push(el.field_ident.to_token_stream());
            }
        }
        StructMode::All { elements, .. } => {
            body.extend(all_children(ctx, elements));
            inits.extend(elements.iter().map(|el| el.field_ident.to_token_stream()));
        }
        StructMode::Content { content } => {
            let what = ident.to_string();
            let value = if content.is_simple() {
                quote!(r.simple()?)
            } else {
                match content.occurs {
                    Occurs::Single => quote!(r.group(#what)?),
                    Occurs::Optional => quote!(crate::wire::decode::DecodeGroup::decode_group(r)?),
                    _ => {
                        let min = content.min_occurs;
                        quote!(r.groups(#what, #min)?)
                    }
                }
            };
            body.extend(quote!(let content = #value;));
            inits.push(quote!(content));
        }
    }
    let value = if data.is_unit_struct() {
        quote!(Self)
    } else {
        quote!(Self { #( #inits, )* })
    };
    if element {
        return element_impl(
            ident,
            quote!(start),
            quote!(#attribute_code #body Ok(#value)),
        );
    }
    let uses_started = body.to_string().contains("started");
    let started = uses_started.then(|| quote!(let mut started = false;));
    let result = if uses_started {
        quote!(Ok(started.then_some(#value)))
    } else {
        quote!(Ok(Some(#value)))
    };
    quote! {
        impl crate::wire::decode::DecodeGroup for #ident {
            fn decode_group(
                r: &mut crate::wire::decode::Reader<'_>,
            ) -> crate::wire::decode::Result<Option<Self>> {
                #started
                #body
                #result
            }
        }
    }
}

/// `return Ok(Some(Self::Variant(..)))` when the next child starts variant `el`.
fn variant(ctx: &Context<'_, '_>, el: &ComplexDataElement<'_>) -> (u8, TokenStream) {
    let v = &el.variant_ident;
    let wrap = |first: TokenStream, again: TokenStream| match el.occurs {
        Occurs::Optional => quote!(Some(#first)),
        Occurs::DynamicList | Occurs::StaticList(_) => quote! {{
            let mut values = vec![#first];
            while let Some(value) = #again {
                values.push(value);
            }
            values
        }},
        _ => first,
    };
    match kind(ctx, el) {
        Kind::Element(name) => {
            let value = wrap(quote!(r.element()?), quote!(r.optional(#name)?));
            (
                0,
                quote! {
                    if r.is(#name)? {
                        return Ok(Some(Self::#v(#value)));
                    }
                },
            )
        }
        Kind::Group => {
            let value = wrap(
                quote!(value),
                quote!(crate::wire::decode::DecodeGroup::decode_group(r)?),
            );
            (
                1,
                quote! {
                    if let Some(value) = crate::wire::decode::DecodeGroup::decode_group(r)? {
                        return Ok(Some(Self::#v(#value)));
                    }
                },
            )
        }
        Kind::Any => {
            let value = wrap(
                quote!(r.element()?),
                quote!(if r.is_any()? {
                    Some(r.element()?)
                } else {
                    None
                }),
            );
            (
                2,
                quote! {
                    if r.is_any()? {
                        return Ok(Some(Self::#v(#value)));
                    }
                },
            )
        }
        Kind::Text => (
            3,
            quote! {
                if let Some(text) = r.text()? {
                    return Ok(Some(Self::#v(text)));
                }
            },
        ),
    }
}

fn enumeration(ctx: &Context<'_, '_>, data: &ComplexDataEnum<'_>) -> TokenStream {
    let ident = &data.type_ident;
    // Elements first, then groups, then `xs:any`, then text, as xsd-parser tried them.
    let mut variants: Vec<(u8, usize, TokenStream)> = data
        .elements
        .iter()
        .enumerate()
        .map(|(i, el)| {
            let (rank, code) = variant(ctx, el);
            (rank, i, code)
        })
        .collect();
    variants.sort_by_key(|(rank, i, _)| (*rank, *i));
    let tries = variants.into_iter().map(|(_, _, code)| code);
    let what = ident.to_string();
    if data.allow_any {
        return unsupported(ident, "untyped wildcard content in");
    }
    let group = quote! {
        impl crate::wire::decode::DecodeGroup for #ident {
            fn decode_group(
                r: &mut crate::wire::decode::Reader<'_>,
            ) -> crate::wire::decode::Result<Option<Self>> {
                #( #tries )*
                Ok(None)
            }
        }
    };
    if !data.represents_element() {
        return group;
    }
    let (attribute_code, _) = attributes(ctx, &[], data.allow_any_attribute);
    let element = element_impl(ident, quote!(start), quote!(#attribute_code r.group(#what)));
    quote!(#element #group)
}
