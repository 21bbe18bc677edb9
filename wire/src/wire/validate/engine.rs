//! The streaming validator: one pass of quick-xml events against the generated tables.
//!
//! Each open element has a [`Frame`] holding how it is validated ([`Mode`]): against a
//! declared type (with the current state of its content-model automaton), laxly (no
//! declaration, children checked against global declarations when they exist), or skipped
//! (`processContents="skip"` wildcards, and recovery after an error). Errors are collected,
//! not fatal, except where the XML itself cannot be read further.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::ids::Ids;
use super::simple::{self, normalize, ValueCtx};
use super::tables::*;
use super::{Limits, Validated};
use crate::wire::error::{Error, ErrorKind, Errors};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const OADR: &str = "http://openadr.org/oadr-2.0b/2012/07";

#[derive(Debug, Clone, Copy)]
enum Mode {
    Typed {
        decl: Option<u16>,
        ty: TypeRef,
        state: u16,
        failed: bool,
        nil: bool,
    },
    Lax,
    Skip,
}

#[derive(Debug)]
struct Frame {
    mode: Mode,
    path_len: usize,
    start: u64,
    text: String,
    collect: bool,
    text_error: bool,
    has_children: bool,
    last_child: String,
    last_count: u32,
    /// Element name (for the message type of oadrSignedObject's child).
    name: &'static str,
}

/// One attribute of the current start tag: (namespace, local name, value).
type Attr = (String, String, String);

/// The validator's state over one document; [`validate`] drives it with its own reader, the
/// fused pass of `wire::decode` feeds it the events the typed decoder reads.
pub(crate) struct Validator<'a> {
    input: &'a [u8],
    /// `input` as text, when it is UTF-8 (it always is once `encoding::to_utf8` ran).
    input_str: Option<&'a str>,
    limits: &'a Limits,
    stack: Vec<Frame>,
    /// The `text` and `last_child` buffers of popped frames, reused by the next frames so
    /// that an element costs no allocation once the document's depth has been reached.
    spare: Vec<(String, String)>,
    path: String,
    errors: Vec<Error>,
    ids: Ids,
    attrs: Vec<Attr>,
    root_done: bool,
    root: Option<&'static str>,
    message_type: Option<&'static str>,
    /// An attribute in a namespace was matched by `anyAttribute` (or is an `xsi` one).
    foreign_attributes: bool,
    /// The end of the document has been checked.
    eof_seen: bool,
    /// The character data of the last element closed, when it was collected (simple
    /// content): handed to the typed decoder of the fused pass ([`Validator::closed_text`]).
    closed_text: String,
    /// `closed_text` belongs to the event fed last.
    closed_text_ready: bool,
    /// See [`Validator::start_ns`].
    start_ns: Option<&'static str>,
    /// Whether errors carry the element path. The fused pass of `wire::decode` only needs the
    /// verdict (on any error it validates again, with paths), so it skips building the path
    /// for every element ([`Validator::without_paths`]).
    track_path: bool,
}

/// Validation cannot go on (malformed XML, or the error limit was reached).
pub(crate) struct Fatal;

/// The buffers of the last validator that finished on this thread, emptied, for the next
/// one: a document then costs no allocation for the element stack, path, attribute and text
/// buffers (about 25 allocations per message before, callgrind). Buffers grown beyond
/// [`SCRATCH_KEEP`] bytes by a large document are dropped instead of kept.
#[derive(Default)]
struct Scratch {
    stack: Vec<Frame>,
    spare: Vec<(String, String)>,
    path: String,
    ids: Ids,
    attrs: Vec<Attr>,
    closed_text: String,
}

const SCRATCH_KEEP: usize = 64 << 10;

std::thread_local! {
    static SCRATCH: std::cell::Cell<Option<Box<Scratch>>> = const { std::cell::Cell::new(None) };
}

impl Drop for Validator<'_> {
    fn drop(&mut self) {
        let small = |s: &String| s.capacity() <= SCRATCH_KEEP;
        let mut spare = std::mem::take(&mut self.spare);
        for f in self.stack.drain(..) {
            spare.push((f.text, f.last_child));
        }
        spare.retain(|(t, l)| small(t) && small(l));
        for (t, l) in &mut spare {
            t.clear();
            l.clear();
        }
        self.ids.clear();
        let mut scratch = Scratch {
            stack: std::mem::take(&mut self.stack),
            spare,
            path: std::mem::take(&mut self.path),
            ids: std::mem::take(&mut self.ids),
            attrs: std::mem::take(&mut self.attrs),
            closed_text: std::mem::take(&mut self.closed_text),
        };
        scratch.path.clear();
        scratch.closed_text.clear();
        if !small(&scratch.path) || !small(&scratch.closed_text) || scratch.ids.capacity() > 4096 {
            return;
        }
        scratch
            .attrs
            .retain(|(n, l, v)| small(n) && small(l) && small(v));
        SCRATCH.with(|c| c.set(Some(Box::new(scratch))));
    }
}

fn bytes_str(b: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(b).map_err(|e| format!("invalid UTF-8: {e}"))
}

/// `b` as text. Names are slices of the document, which is known to be UTF-8 (`input`):
/// those are sliced from it (a char-boundary check) instead of being validated again, which
/// was ~100 instructions per element name (callgrind). Anything else is validated.
fn str_in<'n>(input: Option<&'n str>, b: &'n [u8]) -> Result<&'n str, String> {
    if let Some(input) = input {
        let start = (b.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
        if let Some(s) = input.get(start..start.wrapping_add(b.len())) {
            if std::ptr::eq(s.as_ptr(), b.as_ptr()) {
                return Ok(s);
            }
        }
    }
    bytes_str(b)
}

/// The namespace of a resolved name. The schema's own namespaces (and `xsi`, `xml`) come back
/// borrowed from the tables (no allocation per element); others are copied.
fn ns_of(r: &ResolveResult<'_>) -> Result<Cow<'static, str>, String> {
    match r {
        ResolveResult::Bound(ns) => {
            let ns = ns.as_ref();
            match known_namespaces().iter().find(|k| k.as_bytes() == ns) {
                Some(k) => Ok(Cow::Borrowed(k)),
                None => Ok(Cow::Owned(bytes_str(ns)?.to_owned())),
            }
        }
        // An unbound prefix is a namespace error that libxml2 recovers from: the name is
        // kept whole ("p:x") in no namespace. We do the same (see `name_of`).
        ResolveResult::Unbound | ResolveResult::Unknown(_) => Ok(Cow::Borrowed("")),
    }
}

/// The distinct namespaces of the global element and attribute declarations, plus `xsi` and
/// `xml`: a dozen or so, compared by length first, instead of a binary search over every
/// declaration per name.
fn known_namespaces() -> &'static [&'static str] {
    static KNOWN: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        // The oadr namespace first (most elements), `xsi` and `xml` last (rare; the `xml`
        // URI has the length of the oadr one, so before it every oadr name cost a memcmp).
        let mut known: Vec<&'static str> = vec![OADR];
        let names = GLOBAL_ELEMENTS
            .iter()
            .map(|(q, _)| q.ns)
            .chain(GLOBAL_ATTRIBUTES.iter().map(|a| a.name.ns))
            .chain([XSI, XML_NS]);
        for ns in names {
            if !ns.is_empty() && !known.contains(&ns) {
                known.push(ns);
            }
        }
        known
    })
}

/// The local name to validate: the whole QName when its prefix is unbound. `input` is the
/// document the names are slices of (see [`str_in`]).
fn name_of<'n>(
    input: Option<&'n str>,
    r: &ResolveResult<'_>,
    qname: &'n [u8],
    local: &'n [u8],
) -> Result<&'n str, String> {
    let name = if matches!(r, ResolveResult::Unknown(_)) {
        qname
    } else {
        local
    };
    str_in(input, name)
}

fn display(ns: &str, local: &str) -> String {
    if ns.is_empty() {
        local.to_owned()
    } else {
        format!("{{{ns}}}{local}")
    }
}

fn expected(a: &Automaton, state: u16) -> String {
    let mut names: Vec<String> = Vec::new();
    for p in a.follow.get(usize::from(state)).copied().unwrap_or(&[]) {
        match a.terms.get(usize::from(*p)) {
            Some(Term::Elements(list)) => {
                names.extend(list.iter().map(|(q, _)| q.local.to_owned()))
            }
            Some(Term::Any(w)) => names.push(match w.ns {
                NsConstraint::Any => "any element".into(),
                NsConstraint::Not(_) => "an element of another namespace".into(),
                NsConstraint::List(l) => format!("an element of {}", l.join(" | ")),
            }),
            None => {}
        }
    }
    names.dedup();
    if names.is_empty() {
        "no more elements".into()
    } else {
        names.join(", ")
    }
}

/// Where a child matched in a content model (also used by the encoder's checker).
pub(crate) enum Match<'t> {
    Decl(u16),
    Wild(&'t Wildcard),
}

/// The automaton state after child `{ns}local` in `state`, with what it matched.
pub(crate) fn transition(
    a: &Automaton,
    state: u16,
    ns: &str,
    local: &str,
) -> Option<(u16, Match<'static>)> {
    let follow = a.follow.get(usize::from(state))?;
    let mut wild = None;
    for p in follow.iter() {
        match a.terms.get(usize::from(*p))? {
            Term::Elements(list) => {
                if let Some((_, d)) = list.iter().find(|(q, _)| q.local == local && q.ns == ns) {
                    return Some((p + 1, Match::Decl(*d)));
                }
            }
            Term::Any(w) => {
                if wild.is_none() && w.ns.allows(ns) {
                    wild = Some((p + 1, Match::Wild(w)));
                }
            }
        }
    }
    wild
}

impl<'a> Validator<'a> {
    fn location(&self, pos: u64) -> (u32, u32) {
        let end = usize::try_from(pos)
            .unwrap_or(usize::MAX)
            .min(self.input.len());
        let before = &self.input[..end];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let col = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }

    fn error(&mut self, pos: u64, kind: ErrorKind) -> Result<(), Fatal> {
        let (line, column) = self.location(pos);
        self.errors.push(Error {
            path: self.path.clone(),
            line,
            column,
            kind,
        });
        if self.errors.len() >= self.limits.max_errors {
            Err(Fatal)
        } else {
            Ok(())
        }
    }

    fn fatal(&mut self, pos: u64, kind: ErrorKind) -> Fatal {
        let _ = self.error(pos, kind);
        Fatal
    }

    fn run(&mut self) -> Result<(), Fatal> {
        let mut r = NsReader::from_reader(self.input);
        r.config_mut().check_end_names = true;
        loop {
            let pos = r.buffer_position();
            let ev = match r.read_event() {
                Ok(ev) => ev,
                Err(e) => {
                    let at = r.error_position();
                    return Err(self.fatal(at, ErrorKind::Syntax(e.to_string())));
                }
            };
            let eof = matches!(ev, Event::Eof);
            self.feed(&r, &ev, pos)?;
            if eof {
                return Ok(());
            }
        }
    }

    /// Validate one event, read by `r` (whose namespace scope is that of the event) from byte
    /// offset `pos`. [`Event::Eof`] runs the end-of-document checks.
    pub(crate) fn feed(
        &mut self,
        r: &NsReader<&'a [u8]>,
        ev: &Event<'a>,
        pos: u64,
    ) -> Result<(), Fatal> {
        self.closed_text_ready = false;
        self.start_ns = None;
        match ev {
            Event::Start(e) => self.start_tag(r, e, pos)?,
            Event::Empty(e) => {
                self.start_tag(r, e, pos)?;
                self.end(pos)?;
            }
            Event::End(_) => self.end(pos)?,
            // White space outside simple content (most text events: the indentation between
            // elements): `text` treats every non-empty run of it alike, so it is not decoded.
            Event::Text(t)
                if !self.collecting()
                    && t.iter().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) =>
            {
                self.text(if t.is_empty() { "" } else { " " }, pos)?;
            }
            Event::Text(t) => {
                let s = t
                    .xml10_content()
                    .map_err(|e| self.fatal(pos, ErrorKind::Syntax(e.to_string())))?;
                self.text(&s, pos)?;
            }
            // Line ends normalized in CDATA sections too (XML 1.0 §2.11 applies to the
            // whole entity).
            Event::CData(t) => {
                let s = t
                    .xml10_content()
                    .map_err(|e| self.fatal(pos, ErrorKind::Syntax(e.to_string())))?;
                self.text(&s, pos)?;
            }
            Event::GeneralRef(g) => {
                let c = match g.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    // `&[u8]` spelled out: with winnow linked (via toml), `as_ref` alone is ambiguous.
                    Ok(None) => match AsRef::<[u8]>::as_ref(&**g) {
                        b"lt" => '<',
                        b"gt" => '>',
                        b"amp" => '&',
                        b"apos" => '\'',
                        b"quot" => '"',
                        other => {
                            let name = String::from_utf8_lossy(other).into_owned();
                            return Err(self.fatal(
                                pos,
                                ErrorKind::Syntax(format!("undefined entity &{name};")),
                            ));
                        }
                    },
                    Err(e) => return Err(self.fatal(pos, ErrorKind::Syntax(e.to_string()))),
                };
                if !is_xml_char(c) {
                    return Err(self.fatal(
                        pos,
                        ErrorKind::Syntax(format!(
                            "character reference to U+{:04X} is not an XML character",
                            c as u32
                        )),
                    ));
                }
                self.text(c.encode_utf8(&mut [0; 4]), pos)?;
            }
            Event::DocType(_) => return Err(self.fatal(pos, ErrorKind::Dtd)),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => self.end_of_document()?,
        }
        Ok(())
    }

    /// A start tag (of a `Start` or `Empty` event): resolve its name, then [`Self::start`].
    fn start_tag(
        &mut self,
        r: &NsReader<&'a [u8]>,
        e: &BytesStart<'a>,
        pos: u64,
    ) -> Result<(), Fatal> {
        let (res, _) = r.resolve_element(e.name());
        let ns = ns_of(&res).map_err(|m| self.fatal(pos, ErrorKind::Syntax(m)))?;
        if let (ResolveResult::Bound(_), Cow::Borrowed(known)) = (&res, &ns) {
            self.start_ns = Some(known);
        }
        let input = self.input_str;
        let local = name_of(
            input,
            &res,
            e.name().into_inner(),
            e.local_name().into_inner(),
        )
        .map_err(|m| self.fatal(pos, ErrorKind::Syntax(m)))?;
        self.start(r, &ns, local, e, pos)
    }

    /// The namespace of the start tag fed last, when it is bound to one of the schema's
    /// namespaces (then borrowed from the tables): the fused decoder takes it instead of
    /// resolving and copying the name's namespace a second time.
    pub(crate) fn start_ns(&self) -> Option<&'static str> {
        self.start_ns
    }

    fn end_of_document(&mut self) -> Result<(), Fatal> {
        if self.eof_seen {
            return Ok(());
        }
        self.eof_seen = true;
        let end = self.input.len() as u64;
        if !self.stack.is_empty() {
            return Err(self.fatal(
                end,
                ErrorKind::Syntax("premature end of data: unclosed elements".into()),
            ));
        }
        if !self.root_done {
            return Err(self.fatal(
                end,
                ErrorKind::Syntax("the document has no root element".into()),
            ));
        }
        Ok(())
    }

    fn text(&mut self, s: &str, pos: u64) -> Result<(), Fatal> {
        if let Some(bad) = first_non_xml_char(s) {
            return Err(self.fatal(
                pos,
                ErrorKind::Syntax(format!("U+{:04X} is not an XML character", bad as u32)),
            ));
        }
        let Some(f) = self.stack.last_mut() else {
            if is_xml_whitespace(s) {
                return Ok(());
            }
            return Err(self.fatal(
                pos,
                ErrorKind::Syntax("character data outside the root element".into()),
            ));
        };
        if f.collect {
            f.text.push_str(s);
            return Ok(());
        }
        let whitespace = is_xml_whitespace(s);
        if let Mode::Typed {
            ty: TypeRef::Complex(ct),
            nil,
            ..
        } = f.mode
        {
            let ct = COMPLEX_TYPES.get(usize::from(ct));
            let mixed = ct.is_some_and(|c| c.mixed);
            // Empty content admits no character children at all, not even whitespace.
            let empty = ct.is_some_and(|c| matches!(c.content, Content::Empty));
            if (!whitespace || nil || empty) && !mixed && !f.text_error && !s.is_empty() {
                f.text_error = true;
                let msg = if nil {
                    "a nilled element must be empty"
                } else {
                    "character content is not allowed: the type has element-only or empty content"
                };
                return self.error(pos, ErrorKind::Content(msg.into()));
            }
        }
        Ok(())
    }

    fn collect_attrs(
        &mut self,
        r: &NsReader<&[u8]>,
        e: &BytesStart<'_>,
        pos: u64,
    ) -> Result<usize, Fatal> {
        // Most start tags have no attributes: not even an iterator for them (~140
        // instructions per element, callgrind).
        if e.attributes_raw()
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            return Ok(0);
        }
        let mut n = 0;
        for a in e.attributes() {
            let a = a.map_err(|err| self.fatal(pos, ErrorKind::Syntax(err.to_string())))?;
            if a.key.as_namespace_binding().is_some() {
                continue;
            }
            let (res, local) = r.resolve_attribute(a.key);
            let ns = ns_of(&res).map_err(|m| self.fatal(pos, ErrorKind::Syntax(m)))?;
            let local = name_of(self.input_str, &res, a.key.into_inner(), local.into_inner())
                .map_err(|m| self.fatal(pos, ErrorKind::Syntax(m)))?;
            // Normalized (XML 1.0 §3.3.3) and unescaped as the typed decoder reads it.
            let value = crate::wire::decode::attribute_value(&a.value)
                .map_err(|m| self.fatal(pos, ErrorKind::Syntax(m)))?;
            if let Some(bad) = first_non_xml_char(&value) {
                return Err(self.fatal(
                    pos,
                    ErrorKind::Syntax(format!("U+{:04X} is not an XML character", bad as u32)),
                ));
            }
            if n == self.attrs.len() {
                self.attrs.push(Default::default());
            }
            let slot = &mut self.attrs[n];
            slot.0.clear();
            slot.0.push_str(&ns);
            slot.1.clear();
            slot.1.push_str(local);
            slot.2.clear();
            slot.2.push_str(&value);
            n += 1;
        }
        Ok(n)
    }

    fn start(
        &mut self,
        r: &NsReader<&[u8]>,
        ns: &str,
        local: &str,
        e: &BytesStart<'_>,
        pos: u64,
    ) -> Result<(), Fatal> {
        if self.root_done {
            return Err(self.fatal(
                pos,
                ErrorKind::Syntax("extra content after the root element".into()),
            ));
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.fatal(pos, ErrorKind::TooDeep(self.limits.max_depth)));
        }
        // Path segment, with an index when the previous sibling had the same name.
        let path_len = self.path.len();
        if let Some(p) = self.stack.last_mut() {
            p.has_children = true;
        }
        if self.track_path {
            self.push_path(local);
        }
        let n_attrs = self.collect_attrs(r, e, pos)?;
        let decl = self.child_decl(ns, local, pos)?;
        let mode = match decl {
            DeclFor::Decl(d) => self.typed(r, d, n_attrs, pos)?,
            DeclFor::Lax => {
                self.lax_attrs(n_attrs, pos)?;
                Mode::Lax
            }
            DeclFor::Skip => Mode::Skip,
        };
        let (collect, name) = match (mode, decl) {
            (Mode::Typed { ty, .. }, DeclFor::Decl(d)) => {
                let dd = ELEMENTS.get(usize::from(d));
                let simple = match ty {
                    TypeRef::Simple(_) => true,
                    TypeRef::Complex(c) => COMPLEX_TYPES
                        .get(usize::from(c))
                        .is_some_and(|c| matches!(c.content, Content::Simple(_))),
                };
                (
                    simple || dd.is_some_and(|d| d.fixed.is_some()),
                    dd.map_or("", |d| d.name.local),
                )
            }
            _ => (false, ""),
        };
        // The message type: the root's name, or the child of oadrPayload/oadrSignedObject.
        match self.stack.len() {
            0 => {
                self.root = Some(name);
            }
            2 if self.root == Some("oadrPayload")
                && self.message_type.is_none()
                && ns == OADR
                && !name.is_empty()
                && self
                    .stack
                    .get(1)
                    .is_some_and(|f| f.name == "oadrSignedObject") =>
            {
                self.message_type = Some(name);
            }
            _ => {}
        }
        let (text, last_child) = self.spare.pop().unwrap_or_default();
        self.stack.push(Frame {
            mode,
            path_len,
            start: pos,
            text,
            collect,
            text_error: false,
            has_children: false,
            last_child,
            last_count: 0,
            name,
        });
        Ok(())
    }

    /// Append the path segment of a child element `local` of the innermost open element,
    /// with an index when the previous sibling had the same name.
    fn push_path(&mut self, local: &str) {
        let mut index = 1;
        if let Some(p) = self.stack.last_mut() {
            if p.last_child == local {
                p.last_count += 1;
                index = p.last_count;
            } else {
                p.last_child.clear();
                p.last_child.push_str(local);
                p.last_count = 1;
            }
        }
        self.path.push('/');
        self.path.push_str(local);
        if index > 1 {
            use std::fmt::Write as _;
            let _ = write!(self.path, "[{index}]");
        }
    }

    /// Find the declaration for a child element in its parent's context.
    fn child_decl(&mut self, ns: &str, local: &str, pos: u64) -> Result<DeclFor, Fatal> {
        let global = |ns: &str, local: &str| lookup(GLOBAL_ELEMENTS, ns, local);
        let Some(parent) = self.stack.last_mut() else {
            return match global(ns, local) {
                Some(d) => Ok(DeclFor::Decl(d)),
                None => {
                    self.error(
                        pos,
                        ErrorKind::Content(format!(
                            "no global declaration for root element {}",
                            display(ns, local)
                        )),
                    )?;
                    Ok(DeclFor::Skip)
                }
            };
        };
        let (ct, state, failed, nil) = match &mut parent.mode {
            Mode::Skip => return Ok(DeclFor::Skip),
            Mode::Lax => return Ok(global(ns, local).map_or(DeclFor::Lax, DeclFor::Decl)),
            Mode::Typed {
                ty: TypeRef::Simple(_),
                ..
            } => {
                self.error(
                    pos,
                    ErrorKind::Content(format!(
                        "element {} is not allowed: the parent has a simple type",
                        display(ns, local)
                    )),
                )?;
                return Ok(DeclFor::Skip);
            }
            Mode::Typed {
                ty: TypeRef::Complex(ct),
                state,
                failed,
                nil,
                ..
            } => (*ct, state, failed, *nil),
        };
        let Some(ctd) = COMPLEX_TYPES.get(usize::from(ct)) else {
            return Ok(DeclFor::Skip);
        };
        if nil {
            *failed = true;
            self.error(
                pos,
                ErrorKind::Content("a nilled element must be empty".into()),
            )?;
            return Ok(DeclFor::Skip);
        }
        let Content::Model(a) = ctd.content else {
            self.error(
                pos,
                ErrorKind::Content(format!(
                    "element {} is not allowed: the type {} has no element content",
                    display(ns, local),
                    ctd.name
                )),
            )?;
            return Ok(DeclFor::Skip);
        };
        let Some(aut) = AUTOMATA.get(usize::from(a)) else {
            return Ok(DeclFor::Skip);
        };
        if !*failed {
            if let Some((next, m)) = transition(aut, *state, ns, local) {
                *state = next;
                return Ok(match m {
                    Match::Decl(d) => DeclFor::Decl(d),
                    Match::Wild(w) => match w.process {
                        Process::Skip => DeclFor::Skip,
                        Process::Lax => global(ns, local).map_or(DeclFor::Lax, DeclFor::Decl),
                        Process::Strict => match global(ns, local) {
                            Some(d) => DeclFor::Decl(d),
                            None => {
                                self.error(pos, ErrorKind::Content(format!("no global declaration for {}, required by a strict wildcard", display(ns, local))))?;
                                DeclFor::Skip
                            }
                        },
                    },
                });
            }
            *failed = true;
            let msg = format!(
                "element {} is not expected here; expected: {}",
                display(ns, local),
                expected(aut, *state)
            );
            self.error(pos, ErrorKind::Content(msg))?;
        }
        // Recovery: validate the child against a same-named declaration of the model, if any.
        let local_decl = aut.terms.iter().find_map(|t| match t {
            Term::Elements(list) => list
                .iter()
                .find(|(q, _)| q.local == local && q.ns == ns)
                .map(|(_, d)| *d),
            Term::Any(_) => None,
        });
        Ok(local_decl
            .or_else(|| global(ns, local))
            .map_or(DeclFor::Skip, DeclFor::Decl))
    }

    fn typed(
        &mut self,
        r: &NsReader<&[u8]>,
        d: u16,
        n_attrs: usize,
        pos: u64,
    ) -> Result<Mode, Fatal> {
        let Some(decl) = ELEMENTS.get(usize::from(d)) else {
            return Ok(Mode::Skip);
        };
        if decl.abstract_ {
            self.error(
                pos,
                ErrorKind::Content(format!("element {} is abstract", decl.name.local)),
            )?;
        }
        let mut ty = decl.ty;
        let mut nil = false;
        for i in 0..n_attrs {
            let (ns, local, value) = &self.attrs[i];
            if ns != XSI {
                continue;
            }
            match local.as_str() {
                "nil" => match normalize(value, WhiteSpace::Collapse).as_ref() {
                    "true" | "1" if decl.nillable => nil = true,
                    "true" | "1" => {
                        let m = format!("element {} is not nillable", decl.name.local);
                        self.error(pos, ErrorKind::Attribute(m))?;
                    }
                    "false" | "0" => {}
                    v => {
                        let m = format!("xsi:nil: '{v}' is not a valid xs:boolean");
                        self.error(pos, ErrorKind::Value(m))?;
                    }
                },
                "type" => {
                    let v = normalize(value, WhiteSpace::Collapse).into_owned();
                    match self.xsi_type(r, &v, ty) {
                        Ok(t) => ty = t,
                        Err(m) => self.error(pos, ErrorKind::Value(format!("xsi:type: {m}")))?,
                    }
                }
                _ => {}
            }
        }
        self.check_attrs(r, ty, n_attrs, pos)?;
        if let TypeRef::Complex(c) = ty {
            if COMPLEX_TYPES
                .get(usize::from(c))
                .is_some_and(|c| c.abstract_)
            {
                let m = format!(
                    "element {} has an abstract type; use xsi:type",
                    decl.name.local
                );
                self.error(pos, ErrorKind::Content(m))?;
            }
        }
        Ok(Mode::Typed {
            decl: Some(d),
            ty,
            state: 0,
            failed: false,
            nil,
        })
    }

    fn xsi_type(&self, r: &NsReader<&[u8]>, v: &str, declared: TypeRef) -> Result<TypeRef, String> {
        let (prefix, local) = v.split_once(':').unwrap_or(("", v));
        if !super::lexical::is_ncname(local)
            || (!prefix.is_empty() && !super::lexical::is_ncname(prefix))
        {
            return Err(format!("'{v}' is not a valid QName"));
        }
        let (res, _) = r.resolve_element(quick_xml::name::QName(v.as_bytes()));
        let ns = ns_of(&res)?;
        let t = lookup(NAMED_TYPES, &ns, local)
            .ok_or_else(|| format!("unknown type {}", display(&ns, local)))?;
        // Derivation check: walk the base chain of the xsi:type up to the declared type.
        let mut cur = Some(t);
        let mut steps = 0;
        while let Some(c) = cur {
            if c == declared {
                return Ok(t);
            }
            if let TypeRef::Complex(d) = declared {
                if COMPLEX_TYPES
                    .get(usize::from(d))
                    .is_some_and(|x| x.name == "xs:anyType")
                {
                    return Ok(t);
                }
            }
            steps += 1;
            cur = match c {
                TypeRef::Complex(i) if steps < 64 => {
                    COMPLEX_TYPES.get(usize::from(i)).and_then(|x| x.base)
                }
                _ => None,
            };
        }
        Err(format!(
            "type {} is not derived from the declared type",
            display(&ns, local)
        ))
    }

    fn value_ctx_check(&mut self, r: &NsReader<&[u8]>, ty: u16, value: &str) -> Result<(), String> {
        let bound = |p: &str| {
            let q = format!("{p}:x");
            !matches!(
                r.resolve_element(quick_xml::name::QName(q.as_bytes())).0,
                ResolveResult::Unknown(_)
            )
        };
        let mut cx = ValueCtx {
            prefix_bound: &bound,
            ids: &mut self.ids,
        };
        simple::validate(ty, value, &mut cx)
    }

    fn check_attrs(
        &mut self,
        r: &NsReader<&[u8]>,
        ty: TypeRef,
        n_attrs: usize,
        pos: u64,
    ) -> Result<(), Fatal> {
        let (uses, wildcard): (&[AttrUse], Option<&Wildcard>) = match ty {
            TypeRef::Complex(c) => match COMPLEX_TYPES.get(usize::from(c)) {
                Some(ct) => (ct.attrs, ct.any_attr.as_ref()),
                None => (&[], None),
            },
            TypeRef::Simple(_) => (&[], None),
        };
        for i in 0..n_attrs {
            // Taken out (not cloned) while `self` reports errors; put back below.
            let attr = std::mem::take(&mut self.attrs[i]);
            let result = self.check_attr(r, uses, wildcard, &attr, pos);
            self.attrs[i] = attr;
            result?;
        }
        for u in uses.iter().filter(|u| u.required) {
            let present = self.attrs[..n_attrs]
                .iter()
                .any(|(ns, l, _)| *l == u.name.local && *ns == u.name.ns);
            if !present {
                self.error(
                    pos,
                    ErrorKind::Attribute(format!(
                        "required attribute {} is missing",
                        display(u.name.ns, u.name.local)
                    )),
                )?;
            }
        }
        Ok(())
    }

    /// Check one attribute of a typed element against its type's attribute uses and wildcard.
    fn check_attr(
        &mut self,
        r: &NsReader<&[u8]>,
        uses: &[AttrUse],
        wildcard: Option<&Wildcard>,
        (ns, local, value): &Attr,
        pos: u64,
    ) -> Result<(), Fatal> {
        let (ns, local, value) = (ns.as_str(), local.as_str(), value.as_str());
        if ns == XSI {
            self.foreign_attributes = true;
            if !matches!(
                local,
                "type" | "nil" | "schemaLocation" | "noNamespaceSchemaLocation"
            ) {
                self.error(
                    pos,
                    ErrorKind::Attribute(format!("attribute xsi:{local} is not allowed")),
                )?;
            }
            return Ok(());
        }
        // Only formatted when an error is reported.
        let name = || display(ns, local);
        let decl = match uses
            .iter()
            .find(|u| u.name.local == local && u.name.ns == ns)
        {
            Some(u) => Some(u),
            None => match wildcard {
                Some(w) if w.ns.allows(ns) => {
                    self.foreign_attributes |= !ns.is_empty() && ns != XML_NS;
                    match (w.process, global_attribute(ns, local)) {
                        (Process::Skip, _) => None,
                        (_, Some(g)) => Some(g),
                        (Process::Lax, None) => None,
                        (Process::Strict, None) => {
                            self.error(pos, ErrorKind::Attribute(format!("no global declaration for attribute {}, required by a strict wildcard", name())))?;
                            None
                        }
                    }
                }
                _ => {
                    self.error(
                        pos,
                        ErrorKind::Attribute(format!("attribute {} is not allowed", name())),
                    )?;
                    None
                }
            },
        };
        if let Some(u) = decl {
            if let Err(m) = self.value_ctx_check(r, u.ty, value) {
                self.error(pos, ErrorKind::Value(format!("attribute {}: {m}", name())))?;
            } else if let Some(fixed) = u.fixed {
                let ws = SIMPLE_TYPES
                    .get(usize::from(u.ty))
                    .map_or(WhiteSpace::Preserve, |t| t.white_space);
                if normalize(value, ws) != normalize(fixed, ws) {
                    self.error(
                        pos,
                        ErrorKind::Value(format!("attribute {}: value must be '{fixed}'", name())),
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Attributes of an undeclared element under a lax wildcard: check those with a global
    /// declaration.
    fn lax_attrs(&mut self, n_attrs: usize, pos: u64) -> Result<(), Fatal> {
        for i in 0..n_attrs {
            let (ns, local, _) = &self.attrs[i];
            if ns != XSI {
                if let Some(g) = global_attribute(ns, local) {
                    let (ty, value, name) = (g.ty, self.attrs[i].2.clone(), display(ns, local));
                    let mut no_ids = Ids::default();
                    let bound = |_: &str| true;
                    let mut cx = ValueCtx {
                        prefix_bound: &bound,
                        ids: &mut no_ids,
                    };
                    if let Err(m) = simple::validate(ty, &value, &mut cx) {
                        self.error(pos, ErrorKind::Value(format!("attribute {name}: {m}")))?;
                    }
                }
            }
        }
        Ok(())
    }

    fn end(&mut self, pos: u64) -> Result<(), Fatal> {
        let Some(f) = self.stack.pop() else {
            return Err(self.fatal(pos, ErrorKind::Syntax("unexpected end tag".into())));
        };
        if let Mode::Typed {
            decl,
            ty,
            state,
            failed,
            nil,
        } = f.mode
        {
            let decl = decl.and_then(|d| ELEMENTS.get(usize::from(d)));
            let simple_ty = match ty {
                TypeRef::Simple(s) => Some(s),
                TypeRef::Complex(c) => {
                    match COMPLEX_TYPES.get(usize::from(c)).map(|c| &c.content) {
                        Some(Content::Simple(s)) => Some(*s),
                        Some(Content::Model(a)) => {
                            let aut = AUTOMATA.get(usize::from(*a));
                            let accepting = aut
                                .and_then(|a| a.accepting.get(usize::from(state)))
                                .copied()
                                .unwrap_or(false);
                            if !failed && !nil && !accepting {
                                let exp = aut.map(|a| expected(a, state)).unwrap_or_default();
                                let m = format!("element content is incomplete; expected: {exp}");
                                self.error_at_frame(f.start, ErrorKind::Content(m))?;
                            }
                            None
                        }
                        _ => None,
                    }
                }
            };
            if nil {
                if (!f.text.is_empty() || f.has_children) && !f.text_error && !failed {
                    self.error_at_frame(
                        f.start,
                        ErrorKind::Content("a nilled element must be empty".into()),
                    )?;
                }
            } else {
                let fixed = decl.and_then(|d| d.fixed);
                let default = decl.and_then(|d| d.default);
                if let Some(s) = simple_ty {
                    let value = if f.text.is_empty() {
                        fixed.or(default).unwrap_or("")
                    } else {
                        f.text.as_str()
                    };
                    // The document order for QName prefixes is gone by now; prefixes are
                    // accepted here (no simple-content QName in the schema set).
                    let bound = |_: &str| true;
                    let mut cx = ValueCtx {
                        prefix_bound: &bound,
                        ids: &mut self.ids,
                    };
                    if let Err(m) = simple::validate(s, value, &mut cx) {
                        self.error_at_frame(f.start, ErrorKind::Value(m))?;
                    } else if let (Some(fx), false) = (fixed, f.text.is_empty()) {
                        let ws = SIMPLE_TYPES
                            .get(usize::from(s))
                            .map_or(WhiteSpace::Preserve, |t| t.white_space);
                        if normalize(&f.text, ws) != normalize(fx, ws) {
                            self.error_at_frame(
                                f.start,
                                ErrorKind::Value(format!("value must be the fixed value '{fx}'")),
                            )?;
                        }
                    }
                } else if let (Some(fx), false) = (fixed, f.text.is_empty()) {
                    if f.text != fx {
                        self.error_at_frame(
                            f.start,
                            ErrorKind::Value(format!("value must be the fixed value '{fx}'")),
                        )?;
                    }
                }
            }
        }
        self.path.truncate(f.path_len);
        if self.stack.is_empty() {
            self.root_done = true;
        }
        let (mut text, mut last_child) = (f.text, f.last_child);
        if f.collect {
            std::mem::swap(&mut text, &mut self.closed_text);
            self.closed_text_ready = true;
        }
        text.clear();
        last_child.clear();
        self.spare.push((text, last_child));
        Ok(())
    }

    /// Report an error about the element whose frame was just popped (path still includes it).
    fn error_at_frame(&mut self, start: u64, kind: ErrorKind) -> Result<(), Fatal> {
        self.error(start, kind)
    }
}

#[derive(Debug, Clone, Copy)]
enum DeclFor {
    Decl(u16),
    Lax,
    Skip,
}

/// The first character of `s` outside the XML 1.0 Char production, if any (ASCII checked
/// byte by byte, the rest char by char).
fn first_non_xml_char(s: &str) -> Option<char> {
    if s.bytes()
        .all(|b| (0x20..0x80).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r'))
    {
        return None;
    }
    s.chars().find(|c| !is_xml_char(*c))
}

/// Whether `s` is only XML white space (S production: space, tab, CR, LF).
fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// XML 1.0 Char production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Refuse input larger than `limits.max_size` before any work is done on it.
pub(crate) fn check_size(input: &[u8], limits: &Limits) -> Result<(), Errors> {
    if input.len() > limits.max_size {
        return Err(Errors(vec![Error {
            path: String::new(),
            line: 0,
            column: 0,
            kind: ErrorKind::TooLarge {
                size: input.len(),
                limit: limits.max_size,
            },
        }]));
    }
    Ok(())
}

/// Validate a complete document (see [`super::validate`]).
pub fn validate(input: &[u8], limits: &Limits) -> Result<Validated, Errors> {
    check_size(input, limits)?;
    let mut v = Validator::new(input, limits);
    let _ = v.run();
    v.outcome()
}

impl<'a> Validator<'a> {
    /// A validator for `input` (already UTF-8, size already checked), before its first event.
    pub(crate) fn new(input: &'a [u8], limits: &'a Limits) -> Self {
        let scratch = SCRATCH.with(std::cell::Cell::take).unwrap_or_default();
        let Scratch {
            stack,
            spare,
            path,
            ids,
            attrs,
            closed_text,
        } = *scratch;
        Validator {
            input,
            input_str: std::str::from_utf8(input).ok(),
            limits,
            stack,
            spare,
            path,
            errors: Vec::new(),
            ids,
            attrs,
            root_done: false,
            root: None,
            message_type: None,
            foreign_attributes: false,
            eof_seen: false,
            closed_text,
            closed_text_ready: false,
            start_ns: None,
            track_path: true,
        }
    }

    /// A validator whose errors carry no element path (the verdict and the messages are the
    /// same): for the fused pass of `wire::decode`, which validates again on any error.
    pub(crate) fn without_paths(mut self) -> Self {
        self.track_path = false;
        self
    }

    /// Whether the element open last collects its character data (it has simple content):
    /// its text is then [`Validator::closed_text`] once its end tag has been fed.
    pub(crate) fn collecting(&self) -> bool {
        self.stack.last().is_some_and(|f| f.collect)
    }

    /// The character data of the element whose end tag was fed last (character and entity
    /// references resolved, line ends normalized, not whitespace-normalized), if it was
    /// collected ([`Validator::collecting`]).
    pub(crate) fn closed_text(&self) -> Option<&str> {
        self.closed_text_ready.then_some(self.closed_text.as_str())
    }

    /// Whether an error has been found so far.
    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The verdict once the last event ([`Event::Eof`]) has been fed, or validation stopped.
    pub(crate) fn outcome(mut self) -> Result<Validated, Errors> {
        if self.errors.is_empty() {
            let root = self.root.unwrap_or("");
            Ok(Validated {
                root,
                message_type: self.message_type.unwrap_or(root),
                foreign_attributes: self.foreign_attributes,
            })
        } else {
            Err(Errors(std::mem::take(&mut self.errors)))
        }
    }
}
