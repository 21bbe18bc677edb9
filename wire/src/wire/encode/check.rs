//! The validating side of the encoder: a [`Checker`] that the [`Writer`](super::Writer) drives
//! with what it writes (start tag, attribute values, end tag with the text in between), and
//! that applies to it the checks `wire::validate` would apply to the bytes, through the same
//! generated tables and the same functions — the content-model automata of
//! `validate::tables` (with `validate::engine::transition`), the attribute uses, and
//! `validate::simple::validate` for every value (whiteSpace, the lexical spaces of the
//! built-ins, enumerations, patterns, lengths, ranges, digits, ID uniqueness).
//!
//! No tokenizing, namespace resolution or path building happens here: the encoder knows the
//! names it writes (the prefixes are the customary ones declared on the root, notes §3), and
//! values are read back from the output buffer only where a check needs them.
//!
//! The checker only *proves* validity. Its verdict is [`Verdict::Valid`] when every check
//! passed, [`Verdict::Invalid`] when one failed, and [`Verdict::Unchecked`] when the
//! document holds content it does not follow: `xs:any` elements and `anyAttribute` values
//! kept from decoded input, mixed-content text, `xsi:` attributes, wildcards, elements nested
//! deeper than the validator's depth limit. For anything but `Valid`, `wire::encode` runs
//! the full validator over the bytes, which gives the errors with their element paths, line
//! and column (see the module docs of `crate::wire`).

use crate::wire::validate::engine::{transition, Match};
use crate::wire::validate::ids::Ids;
use crate::wire::validate::simple::{self, normalize, ValueCtx};
use crate::wire::validate::tables::{
    global_attribute, lookup, Content, Process, Term, TypeRef, WhiteSpace, AUTOMATA, COMPLEX_TYPES,
    ELEMENTS, GLOBAL_ELEMENTS, SIMPLE_TYPES,
};

#[cfg(test)]
use super::ROOT_NAMESPACES;

/// What the checker found out about one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Every check passed: `wire::validate` accepts the bytes.
    Valid,
    /// A check failed: `wire::validate` refuses the bytes (it reports the errors).
    Invalid,
    /// The document holds content the checker does not follow (see the module docs): only
    /// `wire::validate` can tell.
    Unchecked,
}

/// What the generated code knows about the element it is about to write (see
/// `oadr-codegen`'s `types/checks.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hint {
    /// Nothing: the name is resolved through the root's prefixes.
    None,
    /// The element declaration (an index into `ELEMENTS`).
    Decl(u16),
    /// The element declaration, and the value's Rust type guarantees a valid value.
    Trusted(u16),
    /// The element declaration, and the generator proved that its children follow the
    /// content model.
    Proven(u16),
}

/// One open element with a declaration.
#[derive(Debug, Clone, Copy)]
struct Frame {
    decl: u16,
    /// The value needs no check ([`Hint::Trusted`]).
    trusted: bool,
    /// The children need no automaton step ([`Hint::Proven`]).
    proven: bool,
    ty: TypeRef,
    /// State of the content-model automaton (element content only).
    state: u16,
    /// Byte offset of the content in the output (after the start tag's `>`).
    content_start: usize,
    /// Attribute uses (by index in the type's `attrs`) written so far.
    attrs_seen: u64,
}

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    stack: Vec<Frame>,
    verdict: Option<Verdict>,
    root_done: bool,
    /// Values of type xs:ID seen so far.
    ids: Ids,
    /// Unescaped values.
    scratch: String,
}

/// Deepest nesting `wire::encode` validates with (`Limits::default().max_depth`).
const MAX_DEPTH: usize = 64;

/// The namespace bound to `prefix` on the root element (`""` for no prefix): the customary
/// prefixes of [`super::ROOT_NAMESPACES`], spelled out so that the lookup is one comparison of the
/// prefix (`tests::prefixes_are_the_roots`).
fn namespace(prefix: &[u8]) -> Option<&'static str> {
    Some(match prefix {
        b"" => "",
        b"oadr" => "http://openadr.org/oadr-2.0b/2012/07",
        b"ei" => "http://docs.oasis-open.org/ns/energyinterop/201110",
        b"pyld" => "http://docs.oasis-open.org/ns/energyinterop/201110/payloads",
        b"emix" => "http://docs.oasis-open.org/ns/emix/2011/06",
        b"xcal" => "urn:ietf:params:xml:ns:icalendar-2.0",
        b"strm" => "urn:ietf:params:xml:ns:icalendar-2.0:stream",
        b"power" => "http://docs.oasis-open.org/ns/emix/2011/06/power",
        b"scale" => "http://docs.oasis-open.org/ns/emix/2011/06/siscale",
        b"ds" => "http://www.w3.org/2000/09/xmldsig#",
        b"xml" => "http://www.w3.org/XML/1998/namespace",
        b"clm5ISO42173A" => "urn:un:unece:uncefact:codelist:standard:5:ISO42173A:2010-04-07",
        b"atom" => "http://www.w3.org/2005/Atom",
        b"gml" => "http://www.opengis.net/gml/3.2",
        _ => return None,
    })
}

/// `(namespace, local name)` of a qualified name the generated code writes.
fn split(name: &[u8]) -> Option<(&'static str, &str)> {
    let (prefix, local) = match memchr::memchr(b':', name) {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => (&b""[..], name),
    };
    Some((namespace(prefix)?, std::str::from_utf8(local).ok()?))
}

/// `raw` (as written: escaped by the writer) as the parser gives it back, in `out`. `None`
/// for a reference the writer does not produce.
fn unescape<'s>(raw: &'s [u8], out: &'s mut String) -> Option<&'s str> {
    let text = std::str::from_utf8(raw).ok()?;
    if memchr::memchr(b'&', raw).is_none() {
        return Some(text);
    }
    out.clear();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';')?;
        out.push(match &rest[..=end] {
            "&amp;" => '&',
            "&lt;" => '<',
            "&gt;" => '>',
            "&quot;" => '"',
            "&#9;" => '\t',
            "&#10;" => '\n',
            "&#13;" => '\r',
            _ => return None,
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Whether `prefix` is bound in the written document (for xs:QName values): the root's
/// prefixes, and `xml`.
fn prefix_bound(prefix: &str) -> bool {
    prefix == "xml" || namespace(prefix.as_bytes()).is_some()
}

impl Checker {
    /// A checker for one document (room for the nesting depth of real messages).
    pub(crate) fn new() -> Self {
        Self {
            stack: Vec::with_capacity(32),
            ..Self::default()
        }
    }

    /// The verdict once the document has been written.
    pub(crate) fn verdict(&self) -> Verdict {
        match self.verdict {
            Some(v) => v,
            None if self.root_done && self.stack.is_empty() => Verdict::Valid,
            None => Verdict::Unchecked,
        }
    }

    /// Stop checking: the document holds content the checker does not follow.
    pub(crate) fn unchecked(&mut self) {
        self.settle(Verdict::Unchecked);
    }

    /// A field's count is outside its particle's occurrence bounds (see `Writer::occurs`).
    pub(crate) fn occurs_violated(&mut self) {
        self.invalid();
    }

    fn invalid(&mut self) {
        self.settle(Verdict::Invalid);
    }

    fn settle(&mut self, v: Verdict) {
        if self.verdict.is_none() {
            self.verdict = Some(v);
        }
    }

    fn active(&self) -> bool {
        self.verdict.is_none()
    }

    /// A start tag named `name` (its attributes follow); `hint` is what the generated code
    /// knows about it.
    pub(crate) fn start(&mut self, name: &[u8], hint: Hint) {
        if !self.active() {
            return;
        }
        if self.stack.len() >= MAX_DEPTH {
            return self.unchecked();
        }
        let (known, trusted, proven) = match hint {
            Hint::None => (None, false, false),
            Hint::Decl(d) => (Some(d), false, false),
            Hint::Trusted(d) => (Some(d), true, false),
            Hint::Proven(d) => (Some(d), false, true),
        };
        let decl = match (self.stack.last_mut(), known) {
            // The generator proved the parent's children (release builds: no automaton).
            (Some(parent), Some(decl)) if parent.proven && !cfg!(debug_assertions) => {
                Step::Decl(parent.state, decl)
            }
            (Some(parent), Some(decl)) => {
                let step = child_by_decl(parent, decl);
                debug_assert_eq!(
                    step,
                    split(name).map_or(Step::Unchecked, |(ns, local)| child_by_name(
                        parent, ns, local
                    )),
                    "the generator's declaration {decl} for {}",
                    String::from_utf8_lossy(name)
                );
                debug_assert!(
                    !parent.proven || matches!(step, Step::Decl(_, d) if d == decl),
                    "the generator proved a parent of {} whose content model refuses it",
                    String::from_utf8_lossy(name)
                );
                step
            }
            (Some(parent), None) => match split(name) {
                Some((ns, local)) => child_by_name(parent, ns, local),
                None => Step::Unchecked,
            },
            (None, _) if self.root_done => Step::Invalid,
            (None, _) => root(name),
        };
        let decl = match decl {
            Step::Decl(next, d) => {
                if let Some(parent) = self.stack.last_mut() {
                    parent.state = next;
                }
                d
            }
            Step::Invalid => return self.invalid(),
            Step::Unchecked => return self.unchecked(),
        };
        let Some(d) = ELEMENTS.get(usize::from(decl)) else {
            return self.unchecked();
        };
        if d.abstract_ {
            return self.invalid();
        }
        let simple = match d.ty {
            TypeRef::Simple(_) => true,
            TypeRef::Complex(c) => match COMPLEX_TYPES.get(usize::from(c)) {
                Some(ct) if ct.abstract_ => return self.invalid(),
                Some(ct) => matches!(ct.content, Content::Simple(_)),
                None => return self.unchecked(),
            },
        };
        if d.fixed.is_some() && !simple {
            return self.unchecked();
        }
        self.stack.push(Frame {
            decl,
            trusted,
            proven,
            ty: d.ty,
            state: 0,
            content_start: 0,
            attrs_seen: 0,
        });
    }

    /// An attribute of the current start tag, with its value as written.
    pub(crate) fn attribute(&mut self, name: &[u8], value: &[u8]) {
        if !self.active() {
            return;
        }
        let Some(frame) = self.stack.last_mut() else {
            return self.unchecked();
        };
        let (uses, wildcard) = match frame.ty {
            TypeRef::Complex(c) => COMPLEX_TYPES
                .get(usize::from(c))
                .map_or((&[][..], None), |c| (c.attrs, c.any_attr.as_ref())),
            TypeRef::Simple(_) => (&[][..], None),
        };
        // `xsi:` and pinned (`oadrns-...`) prefixes are not the root's: left to the validator.
        let Some((ns, local)) = split(name) else {
            return self.unchecked();
        };
        let u = match uses
            .iter()
            .position(|u| u.name.local == local && u.name.ns == ns)
        {
            Some(i) => {
                let Some(bit) = 1u64.checked_shl(u32::try_from(i).unwrap_or(u32::MAX)) else {
                    return self.unchecked();
                };
                frame.attrs_seen |= bit;
                &uses[i]
            }
            // Kept from decoded input under `anyAttribute`: as the validator's wildcard rules.
            None => match wildcard {
                Some(w) if w.ns.allows(ns) => match (w.process, global_attribute(ns, local)) {
                    (Process::Skip, _) | (Process::Lax, None) => return,
                    (_, Some(g)) => g,
                    (Process::Strict, None) => return self.invalid(),
                },
                _ => return self.invalid(),
            },
        };
        let mut scratch = std::mem::take(&mut self.scratch);
        let ok = match unescape(value, &mut scratch) {
            None => None,
            Some(v) => {
                // Attribute-value normalization as the validator applies it.
                let v = if v.bytes().any(|b| matches!(b, b'\t' | b'\n' | b'\r')) {
                    std::borrow::Cow::Owned(v.replace(['\t', '\n', '\r'], " "))
                } else {
                    std::borrow::Cow::Borrowed(v)
                };
                let mut cx = ValueCtx {
                    prefix_bound: &prefix_bound,
                    ids: &mut self.ids,
                };
                Some(
                    simple::validate(u.ty, &v, &mut cx).is_ok()
                        && u.fixed.is_none_or(|fixed| {
                            let ws = white_space(u.ty);
                            normalize(&v, ws) == normalize(fixed, ws)
                        }),
                )
            }
        };
        self.scratch = scratch;
        match ok {
            None => self.unchecked(),
            Some(false) => self.invalid(),
            Some(true) => {}
        }
    }

    /// Character data written into the current element (its value, for simple content,
    /// is read back from the output at the end tag).
    pub(crate) fn text(&mut self, s: &str) {
        if !self.active() || s.is_empty() {
            return;
        }
        let Some(frame) = self.stack.last() else {
            return self.unchecked();
        };
        let TypeRef::Complex(c) = frame.ty else {
            return;
        };
        let Some(ct) = COMPLEX_TYPES.get(usize::from(c)) else {
            return self.unchecked();
        };
        let whitespace = s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
        let allowed = match ct.content {
            Content::Simple(_) => true,
            Content::Empty => ct.mixed,
            Content::Model(_) => ct.mixed || whitespace,
        };
        if !allowed {
            self.invalid();
        }
    }

    /// The start tag is complete; the content begins at byte `at` of the output.
    pub(crate) fn open(&mut self, at: usize) {
        if !self.active() {
            return;
        }
        let Some(frame) = self.stack.last_mut() else {
            return self.unchecked();
        };
        frame.content_start = at;
        let TypeRef::Complex(c) = frame.ty else {
            return;
        };
        let seen = frame.attrs_seen;
        let uses = COMPLEX_TYPES
            .get(usize::from(c))
            .map_or(&[][..], |c| c.attrs);
        let missing = uses
            .iter()
            .enumerate()
            .any(|(i, u)| u.required && (i >= 64 || seen & (1 << i) == 0));
        if missing {
            self.invalid();
        }
    }

    /// The end of the current element; `out` is the output so far (its content runs from the
    /// frame's `content_start` to the end).
    pub(crate) fn end(&mut self, out: &[u8]) {
        if !self.active() {
            return;
        }
        let Some(frame) = self.stack.pop() else {
            return self.unchecked();
        };
        if self.stack.is_empty() {
            self.root_done = true;
        }
        let content = out.get(frame.content_start..).unwrap_or_default();
        let simple_ty = match frame.ty {
            TypeRef::Simple(s) => s,
            TypeRef::Complex(c) => {
                match COMPLEX_TYPES.get(usize::from(c)).map(|c| &c.content) {
                    Some(Content::Simple(s)) => *s,
                    Some(Content::Model(_)) if frame.proven && !cfg!(debug_assertions) => return,
                    Some(Content::Model(a)) => {
                        let accepting = AUTOMATA
                            .get(usize::from(*a))
                            .and_then(|a| a.accepting.get(usize::from(frame.state)))
                            .copied()
                            .unwrap_or(false);
                        debug_assert!(
                        accepting || !frame.proven,
                        "the generator proved {}, whose content model does not accept its children",
                        ELEMENTS.get(usize::from(frame.decl)).map_or("?", |d| d.name.local)
                    );
                        if !accepting {
                            self.invalid();
                        }
                        return;
                    }
                    // Empty content: nothing may be written inside.
                    Some(_) if !content.is_empty() => return self.invalid(),
                    _ => return,
                }
            }
        };
        let Some(d) = ELEMENTS.get(usize::from(frame.decl)) else {
            return self.unchecked();
        };
        if frame.trusted && !cfg!(debug_assertions) {
            return;
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let ok = match unescape(content, &mut scratch) {
            None => None,
            Some(text) => {
                let value = if text.is_empty() {
                    d.fixed.or(d.default).unwrap_or("")
                } else {
                    text
                };
                // As the validator: prefixes are accepted in element values.
                let bound = |_: &str| true;
                let mut cx = ValueCtx {
                    prefix_bound: &bound,
                    ids: &mut self.ids,
                };
                Some(
                    simple::validate(simple_ty, value, &mut cx).is_ok()
                        && (text.is_empty()
                            || d.fixed.is_none_or(|fixed| {
                                let ws = white_space(simple_ty);
                                normalize(text, ws) == normalize(fixed, ws)
                            })),
                )
            }
        };
        self.scratch = scratch;
        debug_assert!(
            !frame.trusted || ok == Some(true),
            "the generator trusted a value of {} that fails its check",
            d.name.local
        );
        match ok {
            None => self.unchecked(),
            Some(false) => self.invalid(),
            Some(true) => {}
        }
    }
}

/// The global declaration of the root element `name`. The codec always writes
/// `oadr:oadrPayload`: that lookup (a binary search comparing namespace URIs) is done once.
fn root(name: &[u8]) -> Step {
    const PAYLOAD: &[u8] = b"oadr:oadrPayload";
    static PAYLOAD_DECL: std::sync::OnceLock<Step> = std::sync::OnceLock::new();
    let find = |name: &[u8]| match split(name).map(|(ns, local)| lookup(GLOBAL_ELEMENTS, ns, local))
    {
        Some(Some(d)) => Step::Decl(0, d),
        Some(None) => Step::Invalid,
        None => Step::Unchecked,
    };
    if name == PAYLOAD {
        *PAYLOAD_DECL.get_or_init(|| find(PAYLOAD))
    } else {
        find(name)
    }
}

/// The outcome of one child start tag for the parent's content model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The next automaton state and the child's declaration.
    Decl(u16, u16),
    Invalid,
    /// A wildcard matched, or the tables are not what the checker expects.
    Unchecked,
}

/// The parent's content-model automaton (`None`: the parent has no element content).
fn automaton(parent: &Frame) -> Option<Option<&'static crate::wire::validate::tables::Automaton>> {
    let model = match parent.ty {
        TypeRef::Complex(c) => COMPLEX_TYPES.get(usize::from(c)).map(|c| &c.content),
        TypeRef::Simple(_) => None,
    };
    match model {
        Some(Content::Model(a)) => Some(AUTOMATA.get(usize::from(*a))),
        _ => None,
    }
}

/// The child `{ns}local` of `parent`, as `wire::validate` resolves it.
fn child_by_name(parent: &Frame, ns: &str, local: &str) -> Step {
    let Some(aut) = automaton(parent) else {
        return Step::Invalid;
    };
    let Some(aut) = aut else {
        return Step::Unchecked;
    };
    match transition(aut, parent.state, ns, local) {
        Some((next, Match::Decl(d))) => Step::Decl(next, d),
        // Wildcards (lax/strict/skip processing) are the validator's.
        Some((_, Match::Wild(_))) => Step::Unchecked,
        None => Step::Invalid,
    }
}

/// The child of `parent` whose declaration the generator gave: the same transition as
/// [`child_by_name`] (the generator gives an index only for a name no other declaration
/// has), found by comparing indices instead of names.
fn child_by_decl(parent: &Frame, decl: u16) -> Step {
    let Some(aut) = automaton(parent) else {
        return Step::Invalid;
    };
    let (Some(aut), Some(d)) = (aut, ELEMENTS.get(usize::from(decl))) else {
        return Step::Unchecked;
    };
    let Some(follow) = aut.follow.get(usize::from(parent.state)) else {
        return Step::Invalid;
    };
    let mut wild = false;
    for p in follow.iter() {
        match aut.terms.get(usize::from(*p)) {
            Some(Term::Elements(list)) => {
                if list.iter().any(|(_, x)| *x == decl) {
                    return Step::Decl(p + 1, decl);
                }
            }
            Some(Term::Any(w)) => wild |= w.ns.allows(d.name.ns),
            None => return Step::Invalid,
        }
    }
    if wild {
        Step::Unchecked
    } else {
        Step::Invalid
    }
}

fn white_space(ty: u16) -> WhiteSpace {
    SIMPLE_TYPES
        .get(usize::from(ty))
        .map_or(WhiteSpace::Preserve, |t| t.white_space)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_the_roots() {
        for (ns, prefix) in ROOT_NAMESPACES {
            assert_eq!(namespace(prefix).map(str::as_bytes), Some(ns), "{prefix:?}");
        }
        assert_eq!(namespace(b""), Some(""));
        assert_eq!(namespace(b"xsi"), None);
        assert_eq!(namespace(b"oadrns-68"), None);
    }
}
