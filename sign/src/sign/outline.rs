//! One pass over a document for the fast paths: the elements (names resolved to namespaces,
//! byte ranges, parent and sibling links, namespace declarations, attributes with their
//! namespaces), every Id attribute, and the document's content as a flat list of [`Item`]s
//! that canonicalization ([`super::stream_c14n`]) walks without tokenizing the text again.
//! Built on [`super::lex`]; anything outside its subset is a [`Bail`] and the caller takes the
//! complete (roxmltree) path.

use super::dom::NODES_LIMIT;
use super::lex::{self, Bail, Fast, Lexer, RawAttribute, Token};

/// `xml:` namespace.
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// No element (as a parent, child or sibling link).
pub(crate) const NONE: u32 = u32::MAX;

/// An attribute other than a namespace declaration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attribute<'a> {
    /// Namespace URI (`""`: none).
    pub ns: &'a str,
    pub local: &'a str,
    pub qname: &'a str,
    /// The raw value (references not resolved).
    pub value: &'a str,
}

/// The content of the document inside its root element, in document order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Item<'a> {
    /// The start tag of an element (index into [`Outline::elements`]).
    Start(u32),
    /// The end of the innermost open element (also written for an empty-element tag).
    End,
    /// Character data as written (may hold references and line ends to normalize).
    Text(&'a str),
    /// The content of a CDATA section.
    CData(&'a str),
    /// The content of a comment.
    Comment(&'a str),
    /// A processing instruction: target and value.
    Pi { target: &'a str, value: &'a str },
}

/// One element.
#[derive(Debug, Clone)]
pub(crate) struct Element<'a> {
    /// Offset of `<` of the start tag.
    pub start: usize,
    /// Offset just after the start tag.
    pub head_end: usize,
    /// Offset just after the end tag (`head_end` for an empty-element tag).
    pub end: usize,
    pub qname: &'a str,
    pub local: &'a str,
    /// Namespace URI (`""`: none).
    pub ns: &'a str,
    /// Its attributes other than namespace declarations: a range of [`Outline::attributes`].
    pub attributes: std::ops::Range<u32>,
    /// Index of its [`Item::Start`] in [`Outline::items`].
    pub item: u32,
    pub parent: u32,
    pub first_child: u32,
    pub next_sibling: u32,
    /// Declarations made on this element: a range of [`Outline::decls`].
    pub decls: std::ops::Range<u32>,
    /// Non-whitespace character data (or CDATA) directly inside.
    pub has_text: bool,
    /// Comments, processing instructions, CDATA or references directly inside: its text is
    /// not simply the raw bytes between its tags.
    pub has_markup: bool,
    /// Carries `xml:*` attributes (inherited by an inclusive c14n apex below it).
    pub has_xml_attr: bool,
    /// Its start tag is exactly `<qname>`: no attributes or declarations, no whitespace.
    pub bare_start: bool,
    /// Its end tag is exactly `</qname>` (false for an empty-element tag).
    pub bare_end: bool,
}

/// The outline of a document.
#[derive(Debug)]
pub(crate) struct Outline<'a> {
    pub text: &'a str,
    pub elements: Vec<Element<'a>>,
    /// Namespace declarations `(prefix, uri)`, `""` prefix for the default namespace.
    pub decls: Vec<(&'a str, &'a str)>,
    /// Id attribute values (`Id`, `ID`, `id` in any namespace) and their element.
    pub ids: Vec<(&'a str, u32)>,
    pub attributes: Vec<Attribute<'a>>,
    pub items: Vec<Item<'a>>,
    /// Namespace declarations in scope at the current element while scanning (innermost
    /// last).
    scope: Vec<(&'a str, &'a str)>,
}

impl<'a> Outline<'a> {
    /// Scan a whole document.
    pub(crate) fn scan(text: &'a str) -> Fast<Self> {
        let mut lexer = Lexer::document(text)?;
        let mut out = Outline {
            text,
            elements: Vec::with_capacity(128),
            decls: Vec::with_capacity(16),
            ids: Vec::with_capacity(4),
            attributes: Vec::with_capacity(64),
            items: Vec::with_capacity(256),
            scope: Vec::with_capacity(16),
        };
        // Open elements, innermost last: the last child seen of each, and the length of
        // `scope` before it.
        let mut open: Vec<(u32, u32, usize)> = Vec::with_capacity(32);
        let mut root_done = false;
        loop {
            let at = lexer.pos();
            let Some(token) = lexer.next()? else { break };
            let parent = open.last().map_or(NONE, |o| o.0);
            match token {
                Token::Start { name, empty, .. } => {
                    if root_done || out.elements.len() >= NODES_LIMIT as usize {
                        return Err(Bail);
                    }
                    let index = out.elements.len() as u32;
                    let scope_mark = out.scope.len();
                    let element =
                        out.element(name, lexer.attributes(), at, lexer.pos(), parent, index)?;
                    out.elements.push(element);
                    out.items.push(Item::Start(index));
                    if let Some(o) = open.last_mut() {
                        match o.1 {
                            NONE => out.elements[o.0 as usize].first_child = index,
                            prev => out.elements[prev as usize].next_sibling = index,
                        }
                        o.1 = index;
                    }
                    if empty {
                        out.items.push(Item::End);
                        out.scope.truncate(scope_mark);
                        root_done |= open.is_empty();
                    } else {
                        open.push((index, NONE, scope_mark));
                    }
                }
                Token::End { name } => {
                    let (index, _, scope_mark) = open.pop().ok_or(Bail)?;
                    let e = &mut out.elements[index as usize];
                    if e.qname != name {
                        return Err(Bail);
                    }
                    e.end = lexer.pos();
                    e.bare_end = e.end - at == e.qname.len() + 3;
                    out.items.push(Item::End);
                    out.scope.truncate(scope_mark);
                    root_done |= open.is_empty();
                }
                Token::Text {
                    text: t,
                    has_reference,
                } => {
                    let blank = lex::is_blank(t);
                    if parent == NONE {
                        if !blank {
                            return Err(Bail);
                        }
                        continue;
                    }
                    let e = &mut out.elements[parent as usize];
                    e.has_text |= !blank;
                    if has_reference {
                        lex::check_references(t)?;
                        e.has_markup = true;
                    }
                    out.items.push(Item::Text(t));
                }
                Token::CData(t) => {
                    let e = out.elements.get_mut(parent as usize).ok_or(Bail)?;
                    e.has_text = true;
                    e.has_markup = true;
                    out.items.push(Item::CData(t));
                }
                Token::Comment(c) => {
                    if let Some(e) = out.elements.get_mut(parent as usize) {
                        e.has_markup = true;
                        out.items.push(Item::Comment(c));
                    }
                }
                Token::Pi { target, value } => {
                    if let Some(e) = out.elements.get_mut(parent as usize) {
                        e.has_markup = true;
                        out.items.push(Item::Pi { target, value });
                    }
                }
            }
        }
        if !open.is_empty() || !root_done {
            return Err(Bail);
        }
        Ok(out)
    }

    fn element(
        &mut self,
        qname: &'a str,
        attrs: &[RawAttribute<'a>],
        start: usize,
        head_end: usize,
        parent: u32,
        index: u32,
    ) -> Fast<Element<'a>> {
        let first_decl = self.decls.len() as u32;
        let mut has_xml_attr = false;
        // Declarations first (they apply to the element's own name and attributes).
        let mut n_plain = 0;
        for a in attrs {
            let Some(prefix) = declared_prefix(a.name) else {
                n_plain += 1;
                continue;
            };
            let value = a.value;
            if a.has_reference
                || prefix == "xml"
                || prefix == "xmlns"
                || value == XML_NS
                || (!prefix.is_empty() && value.is_empty())
            {
                return Err(Bail);
            }
            if self.decls[first_decl as usize..]
                .iter()
                .any(|d| d.0 == prefix)
            {
                return Err(Bail);
            }
            self.decls.push((prefix, value));
            self.scope.push((prefix, value));
        }
        if n_plain > 8 {
            return Err(Bail); // the duplicate check below is quadratic
        }
        let decls = first_decl..self.decls.len() as u32;
        let first_attribute = self.attributes.len() as u32;
        let (prefix, local) = split_qname(qname);
        let mut element = Element {
            start,
            head_end,
            end: head_end,
            qname,
            local,
            ns: self.resolve(prefix, true)?,
            attributes: first_attribute..first_attribute,
            item: self.items.len() as u32,
            parent,
            first_child: NONE,
            next_sibling: NONE,
            decls,
            has_text: false,
            has_markup: false,
            has_xml_attr: false,
            bare_start: attrs.is_empty() && head_end - start == qname.len() + 2,
            bare_end: false,
        };
        // Attributes: prefixes bound, expanded names unique, Ids recorded.
        for a in attrs.iter().filter(|a| declared_prefix(a.name).is_none()) {
            let (name, value) = (a.name, a.value);
            let (prefix, local) = split_qname(name);
            let ns = if prefix.is_empty() {
                ""
            } else {
                self.resolve(prefix, false)?
            };
            has_xml_attr |= prefix == "xml";
            if self.attributes[first_attribute as usize..]
                .iter()
                .any(|x| x.local == local && x.ns == ns)
            {
                return Err(Bail);
            }
            if matches!(local, "Id" | "ID" | "id") {
                if a.has_reference {
                    return Err(Bail);
                }
                self.ids.push((value, index));
            }
            self.attributes.push(Attribute {
                ns,
                local,
                qname: name,
                value,
            });
        }
        element.attributes.end = self.attributes.len() as u32;
        element.has_xml_attr = has_xml_attr;
        Ok(element)
    }

    /// The namespace bound to `prefix` at the element being scanned (its own declarations
    /// are in `scope` already); an undeclared default namespace (`xmlns=""`) is `""`.
    fn resolve(&self, prefix: &str, is_element: bool) -> Fast<&'a str> {
        if prefix == "xml" {
            return if is_element { Err(Bail) } else { Ok(XML_NS) };
        }
        if let Some((_, uri)) = self.scope.iter().rev().find(|d| d.0 == prefix) {
            return Ok(uri);
        }
        if prefix.is_empty() {
            Ok("")
        } else {
            Err(Bail)
        }
    }

    /// The element children of `index`.
    pub(crate) fn children(&self, index: u32) -> Children<'_, 'a> {
        let first = self
            .elements
            .get(index as usize)
            .map_or(NONE, |e| e.first_child);
        Children {
            outline: self,
            next: first,
        }
    }

    pub(crate) fn get(&self, index: u32) -> &Element<'a> {
        &self.elements[index as usize]
    }

    /// Whether element `index` is `{ns}local`.
    pub(crate) fn is(&self, index: u32, ns: &str, local: &str) -> bool {
        let e = self.get(index);
        e.local == local && e.ns == ns
    }

    /// The attributes (other than namespace declarations) of element `index`.
    pub(crate) fn attributes_of(&self, index: u32) -> &[Attribute<'a>] {
        let r = &self.get(index).attributes;
        &self.attributes[r.start as usize..r.end as usize]
    }

    /// The value of the unqualified attribute `name` of element `index`.
    pub(crate) fn attribute(&self, index: u32, name: &str) -> Option<&'a str> {
        self.attributes_of(index)
            .iter()
            .find(|a| a.qname == name)
            .map(|a| a.value)
    }

    /// The raw text between the tags of element `index`, when it is exactly its character
    /// data (no child elements, references, CDATA, comments, PIs or carriage returns, which
    /// a parser normalizes away: a nonce `a\r\nb` is the nonce `a\nb`).
    pub(crate) fn plain_text(&self, index: u32) -> Fast<&'a str> {
        let raw = self.plain_text_lines(index)?;
        if raw.contains('\r') {
            return Err(Bail);
        }
        Ok(raw)
    }

    /// Like [`plain_text`](Self::plain_text), carriage returns allowed (for base64 content,
    /// whose whitespace is dropped).
    pub(crate) fn plain_text_lines(&self, index: u32) -> Fast<&'a str> {
        let e = self.get(index);
        if e.first_child != NONE || e.has_markup {
            return Err(Bail);
        }
        if e.end == e.head_end {
            return Ok("");
        }
        // The end tag must be exactly `</qname>` (the lexer allows whitespace before `>`).
        let end = e.end.checked_sub(e.qname.len() + 3).ok_or(Bail)?;
        let tag = self.text.get(end..e.end).ok_or(Bail)?;
        if !(tag.starts_with("</") && tag.ends_with('>') && &tag[2..tag.len() - 1] == e.qname) {
            return Err(Bail);
        }
        let raw = self.text.get(e.head_end..end).ok_or(Bail)?;
        Ok(raw)
    }
}

/// Iterator over element children.
pub(crate) struct Children<'o, 'a> {
    outline: &'o Outline<'a>,
    next: u32,
}

impl Iterator for Children<'_, '_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let index = self.next;
        self.next = self.outline.elements.get(index as usize)?.next_sibling;
        Some(index)
    }
}

/// `xmlns` → `Some("")`, `xmlns:p` → `Some("p")`, other names → `None`.
pub(crate) fn declared_prefix(name: &str) -> Option<&str> {
    if name == "xmlns" {
        Some("")
    } else {
        name.strip_prefix("xmlns:")
    }
}

/// The offset of the `:` of a qualified name (names are short: a byte loop beats a search).
fn colon(qname: &str) -> Option<usize> {
    qname.bytes().position(|b| b == b':')
}

/// `(prefix, local name)` of a qualified name (`""` prefix when unprefixed).
fn split_qname(qname: &str) -> (&str, &str) {
    match colon(qname) {
        Some(i) => (&qname[..i], &qname[i + 1..]),
        None => ("", qname),
    }
}

pub(crate) fn prefix_of(qname: &str) -> &str {
    colon(qname).map_or("", |i| &qname[..i])
}
