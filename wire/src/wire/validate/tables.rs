//! Types of the static tables that `oadr-codegen` compiles from the XSD set, and the
//! generated tables themselves (`validator_tables.rs` in OUT_DIR).
//!
//! Every cross reference is an index into one of the statics below.

/// An expanded XML name; `ns` is `""` for "no namespace".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Qn {
    pub ns: &'static str,
    pub local: &'static str,
}

/// A type definition: an index into [`SIMPLE_TYPES`] or [`COMPLEX_TYPES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeRef {
    Simple(u16),
    Complex(u16),
}

/// XSD built-in datatypes (XML Schema 1.0 Part 2 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    AnySimpleType,
    String,
    NormalizedString,
    Token,
    Language,
    NmToken,
    NmTokens,
    Name,
    NcName,
    Id,
    IdRef,
    IdRefs,
    Entity,
    AnyUri,
    QName,
    Notation,
    Boolean,
    Decimal,
    Integer,
    NonNegativeInteger,
    PositiveInteger,
    NonPositiveInteger,
    NegativeInteger,
    Long,
    Int,
    Short,
    Byte,
    UnsignedLong,
    UnsignedInt,
    UnsignedShort,
    UnsignedByte,
    Float,
    Double,
    DateTime,
    Date,
    Time,
    Duration,
    GYear,
    GYearMonth,
    GMonth,
    GMonthDay,
    GDay,
    HexBinary,
    Base64Binary,
}

/// The whiteSpace facet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhiteSpace {
    Preserve,
    Replace,
    Collapse,
}

/// Facets declared by one restriction step; a value must satisfy every step.
#[derive(Debug)]
pub struct Facets {
    pub enumeration: &'static [&'static str],
    /// Indexes into [`PATTERNS`]; one of them must match (patterns of one step are ORed).
    pub patterns: &'static [u16],
    pub length: Option<u64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_inclusive: Option<&'static str>,
    pub max_inclusive: Option<&'static str>,
    pub min_exclusive: Option<&'static str>,
    pub max_exclusive: Option<&'static str>,
    pub total_digits: Option<u64>,
    pub fraction_digits: Option<u64>,
}

/// Atomic, list or union.
#[derive(Debug)]
pub enum Variety {
    Atomic(Builtin),
    List(u16),
    Union(&'static [u16]),
}

#[derive(Debug)]
pub struct SimpleType {
    pub name: &'static str,
    pub variety: Variety,
    pub white_space: WhiteSpace,
    pub facets: &'static [Facets],
}

/// An attribute use (or a global attribute declaration).
#[derive(Debug)]
pub struct AttrUse {
    pub name: Qn,
    /// Index into [`SIMPLE_TYPES`].
    pub ty: u16,
    pub required: bool,
    pub fixed: Option<&'static str>,
    pub default: Option<&'static str>,
}

/// Namespace constraint of a wildcard (`""` stands for "no namespace").
#[derive(Debug)]
pub enum NsConstraint {
    Any,
    Not(&'static [&'static str]),
    List(&'static [&'static str]),
}

impl NsConstraint {
    /// Whether a name in namespace `ns` is allowed.
    pub fn allows(&self, ns: &str) -> bool {
        match self {
            NsConstraint::Any => true,
            NsConstraint::Not(l) => !l.contains(&ns),
            NsConstraint::List(l) => l.contains(&ns),
        }
    }
}

/// processContents of a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Process {
    Strict,
    Lax,
    Skip,
}

#[derive(Debug)]
pub struct Wildcard {
    pub ns: NsConstraint,
    pub process: Process,
}

/// Content type of a complex type.
#[derive(Debug)]
pub enum Content {
    Empty,
    /// Simple content: index into [`SIMPLE_TYPES`].
    Simple(u16),
    /// Element content: index into [`AUTOMATA`].
    Model(u16),
}

#[derive(Debug)]
pub struct ComplexType {
    pub name: &'static str,
    pub attrs: &'static [AttrUse],
    pub any_attr: Option<Wildcard>,
    pub content: Content,
    pub mixed: bool,
    pub abstract_: bool,
    pub base: Option<TypeRef>,
}

#[derive(Debug)]
pub struct ElementDecl {
    pub name: Qn,
    pub ty: TypeRef,
    pub nillable: bool,
    pub abstract_: bool,
    pub fixed: Option<&'static str>,
    pub default: Option<&'static str>,
}

/// What a content-model position accepts.
#[derive(Debug)]
pub enum Term {
    /// Element names (a declaration and its substitution group) with their declarations.
    Elements(&'static [(Qn, u16)]),
    Any(Wildcard),
}

/// A Glushkov automaton: state 0 is the start, state `p + 1` follows a match of position `p`.
#[derive(Debug)]
pub struct Automaton {
    pub terms: &'static [Term],
    pub follow: &'static [&'static [u16]],
    pub accepting: &'static [bool],
}

include!(concat!(env!("OUT_DIR"), "/validator_tables.rs"));

/// Binary search in a table sorted by (namespace, local name).
pub fn lookup<T: Copy>(table: &[(Qn, T)], ns: &str, local: &str) -> Option<T> {
    table
        .binary_search_by(|(q, _)| (q.ns, q.local).cmp(&(ns, local)))
        .ok()
        .and_then(|i| table.get(i))
        .map(|(_, t)| *t)
}

/// The global attribute declaration named {ns}local.
pub fn global_attribute(ns: &str, local: &str) -> Option<&'static AttrUse> {
    GLOBAL_ATTRIBUTES
        .binary_search_by(|a| (a.name.ns, a.name.local).cmp(&(ns, local)))
        .ok()
        .and_then(|i| GLOBAL_ATTRIBUTES.get(i))
}
