//! The compiled schema model: XSD components resolved into index-addressed tables.
//!
//! This is the codegen-side mirror of the runtime tables in `src/wire/validate/tables.rs`;
//! [`super::emit`] turns it into static Rust data.

/// An expanded name; `ns` is empty for "no namespace".
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Qn {
    pub ns: String,
    pub local: String,
}

/// A reference to a type definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeRef {
    Simple(usize),
    Complex(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WhiteSpace {
    Preserve,
    Replace,
    Collapse,
}

/// Facets contributed by one restriction step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FacetSet {
    pub enumeration: Vec<String>,
    /// Indexes into [`Compiled::patterns`]; the value must match one of them.
    pub patterns: Vec<usize>,
    pub length: Option<u64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_inclusive: Option<String>,
    pub max_inclusive: Option<String>,
    pub min_exclusive: Option<String>,
    pub max_exclusive: Option<String>,
    pub total_digits: Option<u64>,
    pub fraction_digits: Option<u64>,
}

impl FacetSet {
    pub fn is_empty(&self) -> bool {
        *self == FacetSet::default()
    }
}

#[derive(Clone, Debug)]
pub enum Variety {
    /// A built-in primitive or derived type, by its XSD local name.
    Atomic(String),
    List(usize),
    Union(Vec<usize>),
}

#[derive(Clone, Debug)]
pub struct SimpleDef {
    pub name: String,
    pub variety: Variety,
    pub white_space: WhiteSpace,
    /// One entry per restriction step that declared facets, base first.
    pub facets: Vec<FacetSet>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NsConstraint {
    Any,
    /// Any namespace except these ("" = absent).
    Not(Vec<String>),
    /// One of these ("" = absent).
    List(Vec<String>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Process {
    Strict,
    Lax,
    Skip,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wildcard {
    pub ns: NsConstraint,
    pub process: Process,
}

#[derive(Clone, Debug)]
pub struct AttrUse {
    pub name: Qn,
    pub ty: usize,
    pub required: bool,
    pub prohibited: bool,
    pub fixed: Option<String>,
    pub default: Option<String>,
}

/// A content-model particle (after group references are expanded).
#[derive(Clone, Debug)]
pub enum Particle {
    Element {
        decl: usize,
        min: u64,
        max: Option<u64>,
    },
    Any {
        wildcard: Wildcard,
        min: u64,
        max: Option<u64>,
    },
    Sequence {
        items: Vec<Particle>,
        min: u64,
        max: Option<u64>,
    },
    Choice {
        items: Vec<Particle>,
        min: u64,
        max: Option<u64>,
    },
}

#[derive(Clone, Debug)]
pub enum ContentDef {
    Empty,
    Simple(usize),
    Model(Particle),
}

#[derive(Clone, Debug)]
pub struct ComplexDef {
    pub name: String,
    pub attrs: Vec<AttrUse>,
    pub any_attr: Option<Wildcard>,
    pub content: ContentDef,
    pub mixed: bool,
    pub abstract_: bool,
    /// The base type definition (for `xsi:type` derivation checks); `None` for anyType.
    pub base: Option<TypeRef>,
}

#[derive(Clone, Debug)]
pub struct ElemDef {
    pub name: Qn,
    pub ty: TypeRef,
    pub nillable: bool,
    pub abstract_: bool,
    pub fixed: Option<String>,
    pub default: Option<String>,
    pub global: bool,
    /// Global head of the substitution group this element belongs to.
    pub head: Option<usize>,
}

/// The whole compiled schema set.
#[derive(Debug, Default)]
pub struct Compiled {
    pub simple: Vec<SimpleDef>,
    pub complex: Vec<ComplexDef>,
    pub elements: Vec<ElemDef>,
    pub attributes: Vec<AttrUse>,
    pub patterns: Vec<String>,
    /// Named types, for `xsi:type` lookups.
    pub named_types: Vec<(Qn, TypeRef)>,
}
