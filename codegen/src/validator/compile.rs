//! Compile xsd-parser's parsed schema documents into the [`Compiled`] model: resolve every
//! QName reference, expand groups and attribute groups, apply derivation by extension and
//! restriction, and flatten simple-type facets per restriction step.

use std::collections::{BTreeMap, HashMap};

use xsd_parser::models::schema::xs::{
    self, AttributeGroupTypeContent, ComplexBaseTypeContent, ComplexContentContent,
    ElementTypeContent, ExtensionTypeContent, Facet, FormChoiceType, GroupTypeContent,
    NamespaceListType, ProcessContentsType, RestrictionContent, RestrictionTypeContent,
    SchemaContent, SimpleBaseTypeContent, SimpleContentContent,
};
use xsd_parser::models::schema::{MaxOccurs, QName, Schemas};

use super::model::*;

const XS: &str = "http://www.w3.org/2001/XMLSchema";

type Res<T> = Result<T, String>;

/// Where a component was declared: its schema document's target namespace and form defaults.
#[derive(Clone, Debug)]
struct Ctx {
    tns: String,
    elements_qualified: bool,
    attributes_qualified: bool,
}

struct Index<'a> {
    complex: BTreeMap<Qn, (&'a xs::ComplexBaseType, Ctx)>,
    simple: BTreeMap<Qn, (&'a xs::SimpleBaseType, Ctx)>,
    elements: BTreeMap<Qn, (&'a xs::ElementType, Ctx)>,
    attributes: BTreeMap<Qn, (&'a xs::AttributeType, Ctx)>,
    groups: BTreeMap<Qn, (&'a xs::GroupType, Ctx)>,
    attribute_groups: BTreeMap<Qn, (&'a xs::AttributeGroupType, Ctx)>,
}

struct Compiler<'a> {
    ix: Index<'a>,
    out: Compiled,
    simple_ids: HashMap<Qn, usize>,
    complex_ids: HashMap<Qn, usize>,
    element_ids: HashMap<Qn, usize>,
    attribute_ids: HashMap<Qn, usize>,
}

fn qn(ns: &str, local: &str) -> Qn {
    Qn {
        ns: ns.to_owned(),
        local: local.to_owned(),
    }
}

fn resolve(q: &QName) -> Qn {
    let ns = q
        .namespace()
        .map(|n| String::from_utf8_lossy(n.as_ref()).into_owned());
    Qn {
        ns: ns.unwrap_or_default(),
        local: String::from_utf8_lossy(q.local_name()).into_owned(),
    }
}

fn max_of(m: &MaxOccurs) -> Option<u64> {
    match m {
        MaxOccurs::Unbounded => None,
        MaxOccurs::Bounded(n) => Some(*n as u64),
    }
}

fn builtin_white_space(local: &str) -> WhiteSpace {
    match local {
        "string" | "anySimpleType" => WhiteSpace::Preserve,
        "normalizedString" => WhiteSpace::Replace,
        _ => WhiteSpace::Collapse,
    }
}

/// Built-in simple types the runtime implements (`tables::Builtin` variants).
pub const BUILTINS: &[&str] = &[
    "anySimpleType",
    "string",
    "normalizedString",
    "token",
    "language",
    "NMTOKEN",
    "NMTOKENS",
    "Name",
    "NCName",
    "ID",
    "IDREF",
    "IDREFS",
    "ENTITY",
    "anyURI",
    "QName",
    "NOTATION",
    "boolean",
    "decimal",
    "integer",
    "nonNegativeInteger",
    "positiveInteger",
    "nonPositiveInteger",
    "negativeInteger",
    "long",
    "int",
    "short",
    "byte",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
    "float",
    "double",
    "dateTime",
    "date",
    "time",
    "duration",
    "gYear",
    "gYearMonth",
    "gMonth",
    "gMonthDay",
    "gDay",
    "hexBinary",
    "base64Binary",
];

fn wildcard(ns: &Option<NamespaceListType>, pc: &ProcessContentsType, tns: &str) -> Wildcard {
    let ns = match ns {
        None | Some(NamespaceListType::Any) => NsConstraint::Any,
        Some(NamespaceListType::Other) => NsConstraint::Not(vec![tns.to_owned(), String::new()]),
        Some(NamespaceListType::BasicNamespaceList(l)) => {
            let mut v: Vec<String> =
                l.0.iter()
                    .map(|i| match i {
                        xs::BasicNamespaceListItemType::String(s) => s.clone(),
                        xs::BasicNamespaceListItemType::TargetNamespace => tns.to_owned(),
                        xs::BasicNamespaceListItemType::Local => String::new(),
                    })
                    .collect();
            v.sort();
            v.dedup();
            NsConstraint::List(v)
        }
    };
    let process = match pc {
        ProcessContentsType::Strict => Process::Strict,
        ProcessContentsType::Lax => Process::Lax,
        ProcessContentsType::Skip => Process::Skip,
    };
    Wildcard { ns, process }
}

/// Union of two attribute wildcards (extension), XSD 1.0 §3.10.6 simplified to the cases
/// the schema set can produce.
fn wildcard_union(a: &Wildcard, b: &Wildcard) -> Wildcard {
    let ns = match (&a.ns, &b.ns) {
        (NsConstraint::Any, _) | (_, NsConstraint::Any) => NsConstraint::Any,
        (NsConstraint::List(x), NsConstraint::List(y)) => {
            let mut v: Vec<String> = x.iter().chain(y).cloned().collect();
            v.sort();
            v.dedup();
            NsConstraint::List(v)
        }
        (NsConstraint::Not(x), NsConstraint::List(y))
        | (NsConstraint::List(y), NsConstraint::Not(x)) => {
            let v: Vec<String> = x.iter().filter(|n| !y.contains(n)).cloned().collect();
            if v.is_empty() {
                NsConstraint::Any
            } else {
                NsConstraint::Not(v)
            }
        }
        (NsConstraint::Not(x), NsConstraint::Not(y)) => {
            if x == y {
                NsConstraint::Not(x.clone())
            } else {
                NsConstraint::Any
            }
        }
    };
    Wildcard {
        ns,
        process: b.process,
    }
}

/// Parse and compile the schema set.
pub fn compile(schemas: &Schemas) -> Res<Compiled> {
    let mut ix = Index {
        complex: BTreeMap::new(),
        simple: BTreeMap::new(),
        elements: BTreeMap::new(),
        attributes: BTreeMap::new(),
        groups: BTreeMap::new(),
        attribute_groups: BTreeMap::new(),
    };
    for (_, info) in schemas.schemas() {
        let s = &info.schema;
        let ctx = Ctx {
            tns: s.target_namespace.clone().unwrap_or_default(),
            elements_qualified: s.element_form_default == FormChoiceType::Qualified,
            attributes_qualified: s.attribute_form_default == FormChoiceType::Qualified,
        };
        for c in &s.content {
            let key = |n: &Option<String>| n.as_ref().map(|n| qn(&ctx.tns, n));
            match c {
                SchemaContent::ComplexType(t) => {
                    if let Some(k) = key(&t.name) {
                        ix.complex.insert(k, (t, ctx.clone()));
                    }
                }
                SchemaContent::SimpleType(t) => {
                    if let Some(k) = key(&t.name) {
                        ix.simple.insert(k, (t, ctx.clone()));
                    }
                }
                SchemaContent::Element(e) => {
                    if let Some(k) = key(&e.name) {
                        ix.elements.insert(k, (e, ctx.clone()));
                    }
                }
                SchemaContent::Attribute(a) => {
                    if let Some(k) = key(&a.name) {
                        ix.attributes.insert(k, (a, ctx.clone()));
                    }
                }
                SchemaContent::Group(g) => {
                    if let Some(k) = key(&g.name) {
                        ix.groups.insert(k, (g, ctx.clone()));
                    }
                }
                SchemaContent::AttributeGroup(g) => {
                    if let Some(k) = key(&g.name) {
                        ix.attribute_groups.insert(k, (g, ctx.clone()));
                    }
                }
                _ => {}
            }
        }
    }
    let mut c = Compiler {
        ix,
        out: Compiled::default(),
        simple_ids: HashMap::new(),
        complex_ids: HashMap::new(),
        element_ids: HashMap::new(),
        attribute_ids: HashMap::new(),
    };
    let elements: Vec<Qn> = c.ix.elements.keys().cloned().collect();
    for k in &elements {
        c.global_element(k)?;
    }
    let attrs: Vec<Qn> = c.ix.attributes.keys().cloned().collect();
    for k in &attrs {
        c.global_attribute(k)?;
    }
    let complex: Vec<Qn> = c.ix.complex.keys().cloned().collect();
    for k in &complex {
        let id = c.complex_type(k)?;
        c.out.named_types.push((k.clone(), id));
    }
    let simple: Vec<Qn> = c.ix.simple.keys().cloned().collect();
    for k in &simple {
        let id = c.type_ref(k)?;
        c.out.named_types.push((k.clone(), id));
    }
    for b in BUILTINS {
        let k = qn(XS, b);
        let id = c.type_ref(&k)?;
        c.out.named_types.push((k, id));
    }
    let any = qn(XS, "anyType");
    let id = c.type_ref(&any)?;
    c.out.named_types.push((any, id));
    c.out.named_types.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(c.out)
}

impl<'a> Compiler<'a> {
    fn type_ref(&mut self, name: &Qn) -> Res<TypeRef> {
        if name.ns == XS {
            if name.local == "anyType" {
                return self.complex_type(name);
            }
            if !BUILTINS.contains(&name.local.as_str()) {
                return Err(format!("unsupported built-in type xs:{}", name.local));
            }
            if let Some(id) = self.simple_ids.get(name) {
                return Ok(TypeRef::Simple(*id));
            }
            let id = self.out.simple.len();
            self.out.simple.push(SimpleDef {
                name: format!("xs:{}", name.local),
                variety: Variety::Atomic(name.local.clone()),
                white_space: builtin_white_space(&name.local),
                facets: Vec::new(),
            });
            self.simple_ids.insert(name.clone(), id);
            return Ok(TypeRef::Simple(id));
        }
        if self.ix.complex.contains_key(name) {
            return self.complex_type(name);
        }
        if let Some(id) = self.simple_ids.get(name) {
            return Ok(TypeRef::Simple(*id));
        }
        let (def, ctx) = self
            .ix
            .simple
            .get(name)
            .cloned()
            .ok_or_else(|| format!("unknown type {{{}}}{}", name.ns, name.local))?;
        let sd = self.simple_def(def, &ctx, &name.local)?;
        let id = self.out.simple.len();
        self.out.simple.push(sd);
        self.simple_ids.insert(name.clone(), id);
        Ok(TypeRef::Simple(id))
    }

    fn simple_ref(&mut self, name: &Qn) -> Res<usize> {
        match self.type_ref(name)? {
            TypeRef::Simple(id) => Ok(id),
            TypeRef::Complex(id) => {
                // A complex type with simple content stands for its simple type here.
                match &self.out.complex[id].content {
                    ContentDef::Simple(s) => Ok(*s),
                    _ => Err(format!("{}: not a simple type", name.local)),
                }
            }
        }
    }

    fn anon_simple(&mut self, def: &xs::SimpleBaseType, ctx: &Ctx, name: &str) -> Res<usize> {
        let sd = self.simple_def(def, ctx, name)?;
        let id = self.out.simple.len();
        self.out.simple.push(sd);
        Ok(id)
    }

    fn simple_def(&mut self, def: &xs::SimpleBaseType, ctx: &Ctx, name: &str) -> Res<SimpleDef> {
        for c in &def.content {
            match c {
                SimpleBaseTypeContent::Annotation(_) => {}
                SimpleBaseTypeContent::Restriction(r) => {
                    let base = if let Some(b) = &r.base {
                        self.simple_ref(&resolve(b))?
                    } else {
                        let inline = r.content.iter().find_map(|c| match c {
                            RestrictionContent::SimpleType(s) => Some(s),
                            _ => None,
                        });
                        let inline =
                            inline.ok_or_else(|| format!("{name}: restriction without base"))?;
                        self.anon_simple(inline, ctx, name)?
                    };
                    let facets: Vec<&Facet> = r
                        .content
                        .iter()
                        .filter_map(|c| match c {
                            RestrictionContent::Facet(f) => Some(f),
                            _ => None,
                        })
                        .collect();
                    return self.restrict(base, &facets, name);
                }
                SimpleBaseTypeContent::List(l) => {
                    let item = if let Some(t) = &l.item_type {
                        self.simple_ref(&resolve(t))?
                    } else {
                        let s = l
                            .simple_type
                            .as_ref()
                            .ok_or_else(|| format!("{name}: list without item type"))?;
                        self.anon_simple(s, ctx, name)?
                    };
                    return Ok(SimpleDef {
                        name: name.to_owned(),
                        variety: Variety::List(item),
                        white_space: WhiteSpace::Collapse,
                        facets: Vec::new(),
                    });
                }
                SimpleBaseTypeContent::Union(u) => {
                    let mut members = Vec::new();
                    if let Some(m) = &u.member_types {
                        for q in &m.0 {
                            members.push(self.simple_ref(&resolve(q))?);
                        }
                    }
                    for s in &u.simple_type {
                        members.push(self.anon_simple(s, ctx, name)?);
                    }
                    return Ok(SimpleDef {
                        name: name.to_owned(),
                        variety: Variety::Union(members),
                        white_space: WhiteSpace::Preserve,
                        facets: Vec::new(),
                    });
                }
            }
        }
        Err(format!("{name}: empty simpleType"))
    }

    fn restrict(&mut self, base: usize, facets: &[&Facet], name: &str) -> Res<SimpleDef> {
        let mut sd = self.out.simple[base].clone();
        sd.name = name.to_owned();
        let mut fs = FacetSet::default();
        let num = |v: &str| {
            v.trim()
                .parse::<u64>()
                .map_err(|e| format!("{name}: facet {v}: {e}"))
        };
        for f in facets {
            match f {
                Facet::Enumeration(v) => fs.enumeration.push(v.value.clone()),
                Facet::Pattern(v) => {
                    let p = v.value.clone();
                    let id = match self.out.patterns.iter().position(|x| *x == p) {
                        Some(i) => i,
                        None => {
                            self.out.patterns.push(p);
                            self.out.patterns.len() - 1
                        }
                    };
                    fs.patterns.push(id);
                }
                Facet::WhiteSpace(v) => {
                    sd.white_space = match v.value.trim() {
                        "preserve" => WhiteSpace::Preserve,
                        "replace" => WhiteSpace::Replace,
                        _ => WhiteSpace::Collapse,
                    }
                }
                Facet::Length(v) => fs.length = Some(num(&v.value)?),
                Facet::MinLength(v) => fs.min_length = Some(num(&v.value)?),
                Facet::MaxLength(v) => fs.max_length = Some(num(&v.value)?),
                Facet::TotalDigits(v) => fs.total_digits = Some(num(&v.value)?),
                Facet::FractionDigits(v) => fs.fraction_digits = Some(num(&v.value)?),
                Facet::MinInclusive(v) => fs.min_inclusive = Some(v.value.trim().to_owned()),
                Facet::MaxInclusive(v) => fs.max_inclusive = Some(v.value.trim().to_owned()),
                Facet::MinExclusive(v) => fs.min_exclusive = Some(v.value.trim().to_owned()),
                Facet::MaxExclusive(v) => fs.max_exclusive = Some(v.value.trim().to_owned()),
                Facet::Assertion(_) | Facet::ExplicitTimezone(_) => {
                    return Err(format!("{name}: XSD 1.1 facet not supported"));
                }
            }
        }
        if !fs.is_empty() {
            sd.facets.push(fs);
        }
        Ok(sd)
    }

    fn global_attribute(&mut self, name: &Qn) -> Res<usize> {
        if let Some(id) = self.attribute_ids.get(name) {
            return Ok(*id);
        }
        let (def, ctx) = self
            .ix
            .attributes
            .get(name)
            .cloned()
            .ok_or_else(|| format!("unknown attribute {{{}}}{}", name.ns, name.local))?;
        let mut a = self.attribute(def, &ctx, true)?;
        a.name = name.clone();
        let id = self.out.attributes.len();
        self.out.attributes.push(a);
        self.attribute_ids.insert(name.clone(), id);
        Ok(id)
    }

    fn attribute(&mut self, a: &xs::AttributeType, ctx: &Ctx, global: bool) -> Res<AttrUse> {
        let use_ = &a.use_;
        let required = *use_ == xs::AttributeUseType::Required;
        let prohibited = *use_ == xs::AttributeUseType::Prohibited;
        if let Some(r) = &a.ref_ {
            let id = self.global_attribute(&resolve(r))?;
            let mut u = self.out.attributes[id].clone();
            u.required = required;
            u.prohibited = prohibited;
            if a.fixed.is_some() {
                u.fixed = a.fixed.clone();
            }
            if a.default.is_some() {
                u.default = a.default.clone();
            }
            return Ok(u);
        }
        let local = a.name.clone().ok_or("attribute without name or ref")?;
        let qualified = global
            || a.form
                .as_ref()
                .map(|f| *f == FormChoiceType::Qualified)
                .unwrap_or(ctx.attributes_qualified);
        let ty = if let Some(t) = &a.type_ {
            self.simple_ref(&resolve(t))?
        } else if let Some(s) = &a.simple_type {
            self.anon_simple(s, ctx, &local)?
        } else {
            self.simple_ref(&qn(XS, "anySimpleType"))?
        };
        Ok(AttrUse {
            name: qn(if qualified { &ctx.tns } else { "" }, &local),
            ty,
            required,
            prohibited,
            fixed: a.fixed.clone(),
            default: a.default.clone(),
        })
    }

    fn global_element(&mut self, name: &Qn) -> Res<usize> {
        if let Some(id) = self.element_ids.get(name) {
            return Ok(*id);
        }
        let (def, ctx) = self
            .ix
            .elements
            .get(name)
            .cloned()
            .ok_or_else(|| format!("unknown element {{{}}}{}", name.ns, name.local))?;
        let id = self.out.elements.len();
        // Reserve the slot first: recursive content refers back to it.
        self.out.elements.push(ElemDef {
            name: name.clone(),
            ty: TypeRef::Simple(0),
            nillable: false,
            abstract_: false,
            fixed: None,
            default: None,
            global: true,
            head: None,
        });
        self.element_ids.insert(name.clone(), id);
        let head = match def.substitution_group.as_ref().and_then(|l| l.0.first()) {
            Some(h) => Some(self.global_element(&resolve(h))?),
            None => None,
        };
        let ty = match self.element_type(def, &ctx, &name.local)? {
            Some(t) => t,
            None => match head {
                Some(h) => self.out.elements[h].ty,
                None => self.type_ref(&qn(XS, "anyType"))?,
            },
        };
        let e = &mut self.out.elements[id];
        e.ty = ty;
        e.nillable = def.nillable.unwrap_or(false);
        e.abstract_ = def.abstract_;
        e.fixed = def.fixed.clone();
        e.default = def.default.clone();
        e.head = head;
        Ok(id)
    }

    /// The declared type of an element (`type=` or inline), `None` when it has neither.
    fn element_type(
        &mut self,
        def: &xs::ElementType,
        ctx: &Ctx,
        name: &str,
    ) -> Res<Option<TypeRef>> {
        if let Some(t) = &def.type_ {
            return self.type_ref(&resolve(t)).map(Some);
        }
        for c in &def.content {
            match c {
                ElementTypeContent::SimpleType(s) => {
                    return self
                        .anon_simple(s, ctx, name)
                        .map(|id| Some(TypeRef::Simple(id)));
                }
                ElementTypeContent::ComplexType(t) => {
                    let id = self.out.complex.len();
                    self.out.complex.push(placeholder(name));
                    let cd = self.complex_def(t, ctx, name)?;
                    self.out.complex[id] = cd;
                    return Ok(Some(TypeRef::Complex(id)));
                }
                _ => {}
            }
        }
        Ok(None)
    }

    fn local_element(&mut self, def: &xs::ElementType, ctx: &Ctx) -> Res<usize> {
        if let Some(r) = &def.ref_ {
            return self.global_element(&resolve(r));
        }
        let local = def.name.clone().ok_or("element without name or ref")?;
        let qualified = def
            .form
            .as_ref()
            .map(|f| *f == FormChoiceType::Qualified)
            .unwrap_or(ctx.elements_qualified);
        let ty = match self.element_type(def, ctx, &local)? {
            Some(t) => t,
            None => self.type_ref(&qn(XS, "anyType"))?,
        };
        let id = self.out.elements.len();
        self.out.elements.push(ElemDef {
            name: qn(if qualified { &ctx.tns } else { "" }, &local),
            ty,
            nillable: def.nillable.unwrap_or(false),
            abstract_: false,
            fixed: def.fixed.clone(),
            default: def.default.clone(),
            global: false,
            head: None,
        });
        Ok(id)
    }

    fn complex_type(&mut self, name: &Qn) -> Res<TypeRef> {
        if let Some(id) = self.complex_ids.get(name) {
            return Ok(TypeRef::Complex(*id));
        }
        let id = self.out.complex.len();
        self.out.complex.push(placeholder(&name.local));
        self.complex_ids.insert(name.clone(), id);
        let cd = if name.ns == XS {
            ComplexDef {
                name: "xs:anyType".into(),
                attrs: Vec::new(),
                any_attr: Some(Wildcard {
                    ns: NsConstraint::Any,
                    process: Process::Lax,
                }),
                content: ContentDef::Model(Particle::Any {
                    wildcard: Wildcard {
                        ns: NsConstraint::Any,
                        process: Process::Lax,
                    },
                    min: 0,
                    max: None,
                }),
                mixed: true,
                abstract_: false,
                base: None,
            }
        } else {
            let (def, ctx) = self
                .ix
                .complex
                .get(name)
                .cloned()
                .ok_or("complex type vanished")?;
            self.complex_def(def, &ctx, &name.local)?
        };
        self.out.complex[id] = cd;
        Ok(TypeRef::Complex(id))
    }

    fn complex_def(&mut self, def: &xs::ComplexBaseType, ctx: &Ctx, name: &str) -> Res<ComplexDef> {
        let mut mixed = def.mixed.unwrap_or(false);
        let mut out = placeholder(name);
        out.abstract_ = def.abstract_;
        let mut particle: Option<Particle> = None;
        let mut attrs = Vec::new();
        let mut any_attr = None;
        let mut shorthand = true;
        for c in &def.content {
            match c {
                ComplexBaseTypeContent::SimpleContent(sc) => {
                    shorthand = false;
                    for c in &sc.content {
                        match c {
                            SimpleContentContent::Extension(e) => {
                                let base = resolve(&e.base);
                                let bt = self.type_ref(&base)?;
                                out.base = Some(bt);
                                let simple = self.simple_ref(&base)?;
                                out.content = ContentDef::Simple(simple);
                                if let TypeRef::Complex(b) = bt {
                                    out.attrs = self.out.complex[b].attrs.clone();
                                    out.any_attr = self.out.complex[b].any_attr.clone();
                                }
                                self.ext_attrs(&e.content, ctx, &mut attrs, &mut any_attr)?;
                            }
                            SimpleContentContent::Restriction(r) => {
                                let base = resolve(&r.base);
                                let bt = self.type_ref(&base)?;
                                out.base = Some(bt);
                                let mut simple = self.simple_ref(&base)?;
                                if let Some(s) = r.content.iter().find_map(|c| match c {
                                    RestrictionTypeContent::SimpleType(s) => Some(s),
                                    _ => None,
                                }) {
                                    simple = self.anon_simple(s, ctx, name)?;
                                }
                                let facets: Vec<&Facet> = r
                                    .content
                                    .iter()
                                    .filter_map(|c| match c {
                                        RestrictionTypeContent::Facet(f) => Some(f),
                                        _ => None,
                                    })
                                    .collect();
                                if !facets.is_empty() {
                                    let sd = self.restrict(simple, &facets, name)?;
                                    simple = self.out.simple.len();
                                    self.out.simple.push(sd);
                                }
                                out.content = ContentDef::Simple(simple);
                                if let TypeRef::Complex(b) = bt {
                                    out.attrs = self.out.complex[b].attrs.clone();
                                }
                                self.restr_attrs(&r.content, ctx, &mut attrs, &mut any_attr)?;
                            }
                            SimpleContentContent::Annotation(_) => {}
                        }
                    }
                }
                ComplexBaseTypeContent::ComplexContent(cc) => {
                    shorthand = false;
                    if let Some(m) = cc.mixed {
                        mixed = m;
                    }
                    for c in &cc.content {
                        match c {
                            ComplexContentContent::Extension(e) => {
                                let bt = self.type_ref(&resolve(&e.base))?;
                                out.base = Some(bt);
                                let TypeRef::Complex(b) = bt else {
                                    return Err(format!(
                                        "{name}: complexContent extends a simple type"
                                    ));
                                };
                                let base = self.out.complex[b].clone();
                                out.attrs = base.attrs.clone();
                                out.any_attr = base.any_attr.clone();
                                let mut own = None;
                                for c in &e.content {
                                    let p = match c {
                                        ExtensionTypeContent::Group(g) => {
                                            Some(self.group_ref(g, ctx)?)
                                        }
                                        ExtensionTypeContent::Sequence(g) => {
                                            Some(self.model_group(g, ctx, false)?)
                                        }
                                        ExtensionTypeContent::Choice(g) => {
                                            Some(self.model_group(g, ctx, true)?)
                                        }
                                        ExtensionTypeContent::All(_) => {
                                            return Err(format!("{name}: xs:all not supported"))
                                        }
                                        _ => None,
                                    };
                                    if p.is_some() {
                                        own = p;
                                    }
                                }
                                self.ext_attrs(&e.content, ctx, &mut attrs, &mut any_attr)?;
                                particle = match (base.content, own) {
                                    (ContentDef::Model(bp), Some(op)) => Some(Particle::Sequence {
                                        items: vec![bp, op],
                                        min: 1,
                                        max: Some(1),
                                    }),
                                    (ContentDef::Model(bp), None) => Some(bp),
                                    (_, op) => op,
                                };
                                if base.mixed {
                                    mixed = true;
                                }
                            }
                            ComplexContentContent::Restriction(r) => {
                                let bt = self.type_ref(&resolve(&r.base))?;
                                out.base = Some(bt);
                                if let TypeRef::Complex(b) = bt {
                                    out.attrs = self.out.complex[b].attrs.clone();
                                }
                                for c in &r.content {
                                    let p = match c {
                                        RestrictionTypeContent::Group(g) => {
                                            Some(self.group_ref(g, ctx)?)
                                        }
                                        RestrictionTypeContent::Sequence(g) => {
                                            Some(self.model_group(g, ctx, false)?)
                                        }
                                        RestrictionTypeContent::Choice(g) => {
                                            Some(self.model_group(g, ctx, true)?)
                                        }
                                        RestrictionTypeContent::All(_) => {
                                            return Err(format!("{name}: xs:all not supported"))
                                        }
                                        _ => None,
                                    };
                                    if p.is_some() {
                                        particle = p;
                                    }
                                }
                                self.restr_attrs(&r.content, ctx, &mut attrs, &mut any_attr)?;
                            }
                            ComplexContentContent::Annotation(_) => {}
                        }
                    }
                }
                ComplexBaseTypeContent::Group(g) => particle = Some(self.group_ref(g, ctx)?),
                ComplexBaseTypeContent::Sequence(g) => {
                    particle = Some(self.model_group(g, ctx, false)?)
                }
                ComplexBaseTypeContent::Choice(g) => {
                    particle = Some(self.model_group(g, ctx, true)?)
                }
                ComplexBaseTypeContent::All(_) => {
                    return Err(format!("{name}: xs:all not supported"))
                }
                ComplexBaseTypeContent::Attribute(a) => attrs.push(self.attribute(a, ctx, false)?),
                ComplexBaseTypeContent::AttributeGroup(g) => {
                    self.attribute_group(g, &mut attrs, &mut any_attr)?
                }
                ComplexBaseTypeContent::AnyAttribute(a) => {
                    any_attr = Some(wildcard(&a.namespace, &a.process_contents, &ctx.tns));
                }
                ComplexBaseTypeContent::Annotation(_) => {}
                ComplexBaseTypeContent::OpenContent(_) | ComplexBaseTypeContent::Assert(_) => {
                    return Err(format!("{name}: XSD 1.1 construct not supported"));
                }
            }
        }
        if shorthand {
            out.base = Some(self.type_ref(&qn(XS, "anyType"))?);
        }
        // Own attribute uses override inherited ones with the same name; prohibited removes.
        for a in attrs {
            out.attrs.retain(|b| b.name != a.name);
            if !a.prohibited {
                out.attrs.push(a);
            }
        }
        // Only derivation by extension copies the base wildcard into `out.any_attr`, so a pair
        // here is an extension: the complete wildcard is the union (XSD 1.0 §3.4.2).
        out.any_attr = match (out.any_attr.take(), any_attr) {
            (Some(b), Some(o)) => Some(wildcard_union(&b, &o)),
            (None, o) => o,
            (b, None) => b,
        };
        if !matches!(out.content, ContentDef::Simple(_)) {
            out.content = match particle {
                Some(p) => ContentDef::Model(p),
                None => ContentDef::Empty,
            };
        }
        out.mixed = mixed;
        Ok(out)
    }

    fn ext_attrs(
        &mut self,
        content: &[ExtensionTypeContent],
        ctx: &Ctx,
        attrs: &mut Vec<AttrUse>,
        any_attr: &mut Option<Wildcard>,
    ) -> Res<()> {
        for c in content {
            match c {
                ExtensionTypeContent::Attribute(a) => attrs.push(self.attribute(a, ctx, false)?),
                ExtensionTypeContent::AttributeGroup(g) => {
                    self.attribute_group(g, attrs, any_attr)?
                }
                ExtensionTypeContent::AnyAttribute(a) => {
                    *any_attr = Some(wildcard(&a.namespace, &a.process_contents, &ctx.tns));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn restr_attrs(
        &mut self,
        content: &[RestrictionTypeContent],
        ctx: &Ctx,
        attrs: &mut Vec<AttrUse>,
        any_attr: &mut Option<Wildcard>,
    ) -> Res<()> {
        for c in content {
            match c {
                RestrictionTypeContent::Attribute(a) => attrs.push(self.attribute(a, ctx, false)?),
                RestrictionTypeContent::AttributeGroup(g) => {
                    self.attribute_group(g, attrs, any_attr)?
                }
                RestrictionTypeContent::AnyAttribute(a) => {
                    *any_attr = Some(wildcard(&a.namespace, &a.process_contents, &ctx.tns));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn attribute_group(
        &mut self,
        g: &xs::AttributeGroupType,
        attrs: &mut Vec<AttrUse>,
        any_attr: &mut Option<Wildcard>,
    ) -> Res<()> {
        let r = g.ref_.as_ref().ok_or("attributeGroup without ref")?;
        let key = resolve(r);
        let (def, ctx) = self
            .ix
            .attribute_groups
            .get(&key)
            .cloned()
            .ok_or_else(|| format!("unknown attributeGroup {}", key.local))?;
        for c in &def.content {
            match c {
                AttributeGroupTypeContent::Attribute(a) => {
                    attrs.push(self.attribute(a, &ctx, false)?)
                }
                AttributeGroupTypeContent::AttributeGroup(g) => {
                    self.attribute_group(g, attrs, any_attr)?
                }
                AttributeGroupTypeContent::AnyAttribute(a) => {
                    *any_attr = Some(wildcard(&a.namespace, &a.process_contents, &ctx.tns));
                }
                AttributeGroupTypeContent::Annotation(_) => {}
            }
        }
        Ok(())
    }

    fn group_ref(&mut self, g: &xs::GroupType, _ctx: &Ctx) -> Res<Particle> {
        let r = g.ref_.as_ref().ok_or("group without ref")?;
        let key = resolve(r);
        let (def, ctx) = self
            .ix
            .groups
            .get(&key)
            .cloned()
            .ok_or_else(|| format!("unknown group {}", key.local))?;
        for c in &def.content {
            let inner = match c {
                GroupTypeContent::Sequence(s) => self.model_group(s, &ctx, false)?,
                GroupTypeContent::Choice(s) => self.model_group(s, &ctx, true)?,
                GroupTypeContent::All(_) => {
                    return Err(format!("{}: xs:all not supported", key.local))
                }
                _ => continue,
            };
            let (min, max) = (g.min_occurs as u64, max_of(&g.max_occurs));
            return Ok(match inner {
                Particle::Sequence { items, .. } => Particle::Sequence { items, min, max },
                Particle::Choice { items, .. } => Particle::Choice { items, min, max },
                other => other,
            });
        }
        Err(format!("{}: empty group", key.local))
    }

    fn model_group(&mut self, g: &xs::GroupType, ctx: &Ctx, choice: bool) -> Res<Particle> {
        let mut items = Vec::new();
        for c in &g.content {
            let p = match c {
                GroupTypeContent::Annotation(_) => continue,
                GroupTypeContent::Element(e) => {
                    let decl = self.local_element(e, ctx)?;
                    Particle::Element {
                        decl,
                        min: e.min_occurs as u64,
                        max: max_of(&e.max_occurs),
                    }
                }
                GroupTypeContent::Group(g) => self.group_ref(g, ctx)?,
                GroupTypeContent::Sequence(s) => self.model_group(s, ctx, false)?,
                GroupTypeContent::Choice(s) => self.model_group(s, ctx, true)?,
                GroupTypeContent::All(_) => return Err("xs:all not supported".into()),
                GroupTypeContent::Any(a) => Particle::Any {
                    wildcard: wildcard(&a.namespace, &a.process_contents, &ctx.tns),
                    min: a.min_occurs as u64,
                    max: max_of(&a.max_occurs),
                },
            };
            items.push(p);
        }
        let (min, max) = (g.min_occurs as u64, max_of(&g.max_occurs));
        Ok(if choice {
            Particle::Choice { items, min, max }
        } else {
            Particle::Sequence { items, min, max }
        })
    }
}

fn placeholder(name: &str) -> ComplexDef {
    ComplexDef {
        name: name.to_owned(),
        attrs: Vec::new(),
        any_attr: None,
        content: ContentDef::Empty,
        mixed: false,
        abstract_: false,
        base: None,
    }
}
