//! Emit the compiled model as static Rust tables (`validator_tables.rs` in OUT_DIR).
//!
//! The emitted items use the table types of `oadr::wire::validate::tables` by their bare
//! names; the runtime `include!`s the file inside that module.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::automaton::{self, Term};
use super::model::*;

fn lit_u16(n: usize) -> Result<Literal, String> {
    let n = u16::try_from(n).map_err(|_| format!("table index {n} does not fit u16"))?;
    Ok(Literal::u16_unsuffixed(n))
}

fn s(v: &str) -> Literal {
    Literal::string(v)
}

fn opt_s(v: &Option<String>) -> TokenStream {
    match v {
        Some(v) => {
            let l = s(v);
            quote!(Some(#l))
        }
        None => quote!(None),
    }
}

fn opt_u64(v: Option<u64>) -> TokenStream {
    match v {
        Some(v) => {
            let l = Literal::u64_unsuffixed(v);
            quote!(Some(#l))
        }
        None => quote!(None),
    }
}

fn qn(q: &Qn) -> TokenStream {
    let (ns, local) = (s(&q.ns), s(&q.local));
    quote!(Qn { ns: #ns, local: #local })
}

fn type_ref(t: TypeRef) -> Result<TokenStream, String> {
    Ok(match t {
        TypeRef::Simple(i) => {
            let i = lit_u16(i)?;
            quote!(TypeRef::Simple(#i))
        }
        TypeRef::Complex(i) => {
            let i = lit_u16(i)?;
            quote!(TypeRef::Complex(#i))
        }
    })
}

/// The `Builtin` variant for an XSD built-in type name.
fn builtin(name: &str) -> TokenStream {
    let v = match name {
        "NMTOKEN" => "NmToken".to_owned(),
        "NMTOKENS" => "NmTokens".to_owned(),
        "NCName" => "NcName".to_owned(),
        "ID" => "Id".to_owned(),
        "IDREF" => "IdRef".to_owned(),
        "IDREFS" => "IdRefs".to_owned(),
        "ENTITY" => "Entity".to_owned(),
        "anyURI" => "AnyUri".to_owned(),
        "QName" => "QName".to_owned(),
        "NOTATION" => "Notation".to_owned(),
        "gYear" => "GYear".to_owned(),
        "gYearMonth" => "GYearMonth".to_owned(),
        "gMonth" => "GMonth".to_owned(),
        "gMonthDay" => "GMonthDay".to_owned(),
        "gDay" => "GDay".to_owned(),
        "dateTime" => "DateTime".to_owned(),
        other => {
            let mut c = other.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        }
    };
    let id = format_ident!("{}", v);
    quote!(Builtin::#id)
}

fn wildcard(w: &Wildcard) -> TokenStream {
    let ns = match &w.ns {
        NsConstraint::Any => quote!(NsConstraint::Any),
        NsConstraint::Not(v) => {
            let v = v.iter().map(|x| s(x));
            quote!(NsConstraint::Not(&[#(#v),*]))
        }
        NsConstraint::List(v) => {
            let v = v.iter().map(|x| s(x));
            quote!(NsConstraint::List(&[#(#v),*]))
        }
    };
    let process = match w.process {
        Process::Strict => quote!(Process::Strict),
        Process::Lax => quote!(Process::Lax),
        Process::Skip => quote!(Process::Skip),
    };
    quote!(Wildcard { ns: #ns, process: #process })
}

fn attr_use(a: &AttrUse) -> Result<TokenStream, String> {
    let name = qn(&a.name);
    let ty = lit_u16(a.ty)?;
    let required = a.required;
    let fixed = opt_s(&a.fixed);
    let default = opt_s(&a.default);
    Ok(
        quote!(AttrUse { name: #name, ty: #ty, required: #required, fixed: #fixed, default: #default }),
    )
}

fn facets(f: &FacetSet) -> Result<TokenStream, String> {
    let en = f.enumeration.iter().map(|x| s(x));
    let pats = f
        .patterns
        .iter()
        .map(|p| lit_u16(*p))
        .collect::<Result<Vec<_>, _>>()?;
    let (len, minl, maxl) = (
        opt_u64(f.length),
        opt_u64(f.min_length),
        opt_u64(f.max_length),
    );
    let (mini, maxi) = (opt_s(&f.min_inclusive), opt_s(&f.max_inclusive));
    let (mine, maxe) = (opt_s(&f.min_exclusive), opt_s(&f.max_exclusive));
    let (td, fd) = (opt_u64(f.total_digits), opt_u64(f.fraction_digits));
    Ok(quote!(Facets {
        enumeration: &[#(#en),*],
        patterns: &[#(#pats),*],
        length: #len, min_length: #minl, max_length: #maxl,
        min_inclusive: #mini, max_inclusive: #maxi,
        min_exclusive: #mine, max_exclusive: #maxe,
        total_digits: #td, fraction_digits: #fd,
    }))
}

/// Non-abstract element declarations acceptable where `decl` appears (itself plus its
/// transitive substitution group members), sorted by name.
pub(crate) fn substitutes(c: &Compiled, decl: usize) -> Vec<(Qn, usize)> {
    let mut out = Vec::new();
    let mut todo = vec![decl];
    while let Some(d) = todo.pop() {
        if !c.elements[d].abstract_ {
            out.push((c.elements[d].name.clone(), d));
        }
        for (i, e) in c.elements.iter().enumerate() {
            if e.head == Some(d) && !out.iter().any(|(_, x)| *x == i) && !todo.contains(&i) {
                todo.push(i);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Render the compiled model as a Rust source file.
pub fn emit(c: &Compiled) -> Result<String, String> {
    let mut simple = Vec::new();
    for t in &c.simple {
        let name = s(&t.name);
        let variety = match &t.variety {
            Variety::Atomic(b) => {
                let b = builtin(b);
                quote!(Variety::Atomic(#b))
            }
            Variety::List(i) => {
                let i = lit_u16(*i)?;
                quote!(Variety::List(#i))
            }
            Variety::Union(m) => {
                let m = m
                    .iter()
                    .map(|i| lit_u16(*i))
                    .collect::<Result<Vec<_>, _>>()?;
                quote!(Variety::Union(&[#(#m),*]))
            }
        };
        let ws = match t.white_space {
            WhiteSpace::Preserve => quote!(WhiteSpace::Preserve),
            WhiteSpace::Replace => quote!(WhiteSpace::Replace),
            WhiteSpace::Collapse => quote!(WhiteSpace::Collapse),
        };
        let f = t.facets.iter().map(facets).collect::<Result<Vec<_>, _>>()?;
        simple.push(quote!(SimpleType { name: #name, variety: #variety, white_space: #ws, facets: &[#(#f),*] }));
    }

    let mut automata = Vec::new();
    let mut complex = Vec::new();
    for t in &c.complex {
        let name = s(&t.name);
        let attrs = t
            .attrs
            .iter()
            .map(attr_use)
            .collect::<Result<Vec<_>, _>>()?;
        let any_attr = match &t.any_attr {
            Some(w) => {
                let w = wildcard(w);
                quote!(Some(#w))
            }
            None => quote!(None),
        };
        let content = match &t.content {
            ContentDef::Empty => quote!(Content::Empty),
            ContentDef::Simple(i) => {
                let i = lit_u16(*i)?;
                quote!(Content::Simple(#i))
            }
            ContentDef::Model(p) => {
                let a = automaton::build(p).map_err(|e| format!("{}: {e}", t.name))?;
                let mut terms = Vec::new();
                for term in &a.terms {
                    terms.push(match term {
                        Term::Element(d) => {
                            let subs = substitutes(c, *d)
                                .into_iter()
                                .map(|(q, i)| {
                                    let q = qn(&q);
                                    let i = lit_u16(i)?;
                                    Ok(quote!((#q, #i)))
                                })
                                .collect::<Result<Vec<_>, String>>()?;
                            quote!(Term::Elements(&[#(#subs),*]))
                        }
                        Term::Any(w) => {
                            let w = wildcard(w);
                            quote!(Term::Any(#w))
                        }
                    });
                }
                let mut follow = Vec::new();
                for f in &a.follow {
                    let f = f
                        .iter()
                        .map(|i| lit_u16(*i))
                        .collect::<Result<Vec<_>, _>>()?;
                    follow.push(quote!(&[#(#f),*]));
                }
                let acc = &a.accepting;
                automata.push(quote!(Automaton { terms: &[#(#terms),*], follow: &[#(#follow),*], accepting: &[#(#acc),*] }));
                let i = lit_u16(automata.len() - 1)?;
                quote!(Content::Model(#i))
            }
        };
        let mixed = t.mixed;
        let abstract_ = t.abstract_;
        let base = match t.base {
            Some(b) => {
                let b = type_ref(b)?;
                quote!(Some(#b))
            }
            None => quote!(None),
        };
        complex.push(quote!(ComplexType {
            name: #name, attrs: &[#(#attrs),*], any_attr: #any_attr, content: #content,
            mixed: #mixed, abstract_: #abstract_, base: #base,
        }));
    }

    let mut elements = Vec::new();
    let mut globals = Vec::new();
    for (i, e) in c.elements.iter().enumerate() {
        let name = qn(&e.name);
        let ty = type_ref(e.ty)?;
        let (nillable, abstract_) = (e.nillable, e.abstract_);
        let (fixed, default) = (opt_s(&e.fixed), opt_s(&e.default));
        elements.push(quote!(ElementDecl {
            name: #name, ty: #ty, nillable: #nillable, abstract_: #abstract_, fixed: #fixed, default: #default,
        }));
        if e.global {
            globals.push((e.name.clone(), i));
        }
    }
    globals.sort();
    let globals = globals
        .iter()
        .map(|(q, i)| {
            let q = qn(q);
            let i = lit_u16(*i)?;
            Ok(quote!((#q, #i)))
        })
        .collect::<Result<Vec<_>, String>>()?;

    let mut gattrs: Vec<&AttrUse> = c.attributes.iter().collect();
    gattrs.sort_by(|a, b| a.name.cmp(&b.name));
    let gattrs = gattrs
        .into_iter()
        .map(attr_use)
        .collect::<Result<Vec<_>, _>>()?;
    let named = c
        .named_types
        .iter()
        .map(|(q, t)| {
            let q = qn(q);
            let t = type_ref(*t)?;
            Ok(quote!((#q, #t)))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let patterns = c.patterns.iter().map(|p| s(p));

    let tokens = quote! {
        /// Simple type definitions (built-in and derived), by index.
        pub static SIMPLE_TYPES: &[SimpleType] = &[#(#simple),*];
        /// Complex type definitions, by index.
        pub static COMPLEX_TYPES: &[ComplexType] = &[#(#complex),*];
        /// Content-model automata, by index.
        pub static AUTOMATA: &[Automaton] = &[#(#automata),*];
        /// Element declarations (global and local), by index.
        pub static ELEMENTS: &[ElementDecl] = &[#(#elements),*];
        /// Global element declarations sorted by (namespace, local name).
        pub static GLOBAL_ELEMENTS: &[(Qn, u16)] = &[#(#globals),*];
        /// Global attribute declarations sorted by (namespace, local name).
        pub static GLOBAL_ATTRIBUTES: &[AttrUse] = &[#(#gattrs),*];
        /// Named type definitions sorted by (namespace, local name), for `xsi:type`.
        pub static NAMED_TYPES: &[(Qn, TypeRef)] = &[#(#named),*];
        /// Pattern facets (XSD regular expressions), by index.
        pub static PATTERNS: &[&str] = &[#(#patterns),*];
    };
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("emitted tables do not parse: {e}"))?;
    Ok(format!(
        "// @generated by oadr-codegen (validator tables) from xsd/. Do not edit.\n\n{}",
        prettyplease::unparse(&file)
    ))
}
