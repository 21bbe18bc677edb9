//! A strict XML 1.0 tokenizer for the fast paths of signing and verifying ([`super::outline`],
//! [`super::stream_c14n`]): start and end tags, text, CDATA, comments, processing
//! instructions, over the received text, without building a tree.
//!
//! It accepts a subset of well-formed XML and says [`Bail`] for everything else: anything it
//! does not recognise is handed to the complete path (roxmltree), which either accepts it or
//! produces the precise error. Names must be ASCII (`[A-Za-z_][A-Za-z0-9._-]*`, at most one
//! `:`), there is no DTD, the only references are the five predefined entities and character
//! references to XML characters, no control characters, no `U+FFFE`/`U+FFFF`.

/// "Not for the fast path": the input is malformed or outside the accepted subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bail;

/// Result of the fast paths.
pub(crate) type Fast<T> = Result<T, Bail>;

/// One token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// A start tag (or an empty-element tag when `empty`): its qualified name and the raw
    /// attribute region (after the name, before `>` or `/>`).
    Start {
        name: &'a str,
        attrs: &'a str,
        empty: bool,
    },
    /// An end tag. Its name is not checked here: the one consumer, [`super::outline`],
    /// compares it with the (checked) name of the element it closes.
    End { name: &'a str },
    /// Character data as written (may hold references and line ends to normalize);
    /// `has_reference`: it holds a `&` (its references are checked by the consumer).
    Text { text: &'a str, has_reference: bool },
    /// The content of a CDATA section.
    CData(&'a str),
    /// The content of a comment.
    Comment(&'a str),
    /// A processing instruction: target and value (after the separating whitespace).
    Pi { target: &'a str, value: &'a str },
}

/// Tokens of `text` from byte `pos`, each with its start offset; the XML declaration is
/// checked and skipped when `pos` is 0.
pub(crate) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    /// The attributes of the last start tag, parsed with it (see [`Lexer::attributes`]).
    attributes: Vec<RawAttribute<'a>>,
}

/// An attribute as written in a start tag.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RawAttribute<'a> {
    /// Qualified name (checked).
    pub name: &'a str,
    /// The raw value between the quotes (its references are valid).
    pub value: &'a str,
    /// The value holds a reference (`&`): its raw text is not its parsed text.
    pub has_reference: bool,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str, pos: usize) -> Self {
        Lexer {
            text,
            pos,
            attributes: Vec::with_capacity(8),
        }
    }

    /// Check the input as a whole: no control characters (other than tab, LF, CR), no
    /// `U+FFFE`/`U+FFFF`, no byte order mark, then skip the XML declaration.
    pub(crate) fn document(text: &'a str) -> Fast<Self> {
        // One branch-free pass for control characters (see [`has_control`]); the three
        // excluded characters all start with byte 0xEF (U+FEFF: EF BB BF, U+FFFE/U+FFFF:
        // EF BF BE/BF).
        let bytes = text.as_bytes();
        let control = has_control(bytes);
        let excluded = memchr::memchr_iter(0xEF, bytes).any(|i| {
            matches!(
                bytes.get(i + 1..i + 3),
                Some([0xBB, 0xBF] | [0xBF, 0xBE] | [0xBF, 0xBF])
            )
        });
        if control || excluded {
            return Err(Bail);
        }
        let mut lexer = Lexer::new(text, 0);
        if text.starts_with("<?xml") {
            let end = text.find("?>").ok_or(Bail)?;
            check_declaration(&text[5..end])?;
            lexer.pos = end + 2;
        }
        Ok(lexer)
    }

    /// The offset of the next token.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The attributes of the start tag [`next`](Self::next) returned last, in document order.
    pub(crate) fn attributes(&self) -> &[RawAttribute<'a>] {
        &self.attributes
    }

    /// The next token, `Ok(None)` at the end of the input.
    #[allow(clippy::should_implement_trait)]
    pub(crate) fn next(&mut self) -> Fast<Option<Token<'a>>> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        if start >= bytes.len() {
            return Ok(None);
        }
        if bytes[start] != b'<' {
            // Most texts are short values: a byte loop over their first bytes costs less
            // than a search call.
            let rest = &bytes[start..];
            let head = rest.len().min(SHORT);
            let end = match rest[..head].iter().position(|&b| b == b'<') {
                Some(i) => start + i,
                None => {
                    memchr::memchr(b'<', &rest[head..]).map_or(bytes.len(), |i| start + head + i)
                }
            };
            let text = &self.text[start..end];
            let has_reference = text_marks(text.as_bytes())?;
            self.pos = end;
            return Ok(Some(Token::Text {
                text,
                has_reference,
            }));
        }
        let rest = &self.text[start..];
        match bytes.get(start + 1) {
            Some(b'/') => {
                let body = &rest[2..];
                let end = memchr::memchr(b'>', body.as_bytes()).ok_or(Bail)?;
                self.pos = start + 2 + end + 1;
                return Ok(Some(Token::End {
                    name: body[..end].trim_end_matches(is_space),
                }));
            }
            Some(b'!') => return self.markup_declaration(start),
            Some(b'?') => return self.processing_instruction(start),
            _ => {}
        }
        self.start_tag(start).map(Some)
    }

    /// A comment or CDATA section at `start` (`<!`); anything else there (a DOCTYPE) bails.
    fn markup_declaration(&mut self, start: usize) -> Fast<Option<Token<'a>>> {
        let rest = &self.text[start..];
        if let Some(body) = rest.strip_prefix("<!--") {
            let end = memchr::memmem::find(body.as_bytes(), b"--").ok_or(Bail)?;
            if !body[end..].starts_with("-->") {
                return Err(Bail);
            }
            self.pos = start + 4 + end + 3;
            return Ok(Some(Token::Comment(&body[..end])));
        }
        if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let end = memchr::memmem::find(body.as_bytes(), b"]]>").ok_or(Bail)?;
            self.pos = start + 9 + end + 3;
            return Ok(Some(Token::CData(&body[..end])));
        }
        Err(Bail) // DOCTYPE or garbage
    }

    /// A processing instruction at `start` (`<?`).
    fn processing_instruction(&mut self, start: usize) -> Fast<Option<Token<'a>>> {
        let body = &self.text[start + 2..];
        let end = memchr::memmem::find(body.as_bytes(), b"?>").ok_or(Bail)?;
        let inner = &body[..end];
        let split = inner.find(is_space).unwrap_or(inner.len());
        let (target, value) = inner.split_at(split);
        check_name(target)?;
        if target.contains(':') || target.eq_ignore_ascii_case("xml") {
            return Err(Bail);
        }
        if !value.is_empty() && !value.starts_with(is_space) {
            return Err(Bail);
        }
        self.pos = start + 2 + end + 2;
        Ok(Some(Token::Pi {
            target,
            value: value.trim_start_matches(is_space),
        }))
    }

    /// A start tag at `start`, its attributes parsed in the same pass (each preceded by
    /// whitespace, `name = "value"` with either quote, no `<` in values, only valid
    /// references); they are left in [`attributes`](Self::attributes).
    fn start_tag(&mut self, start: usize) -> Fast<Token<'a>> {
        let rest = &self.text[start..];
        let tag = rest.as_bytes();
        let head = name_end(tag, 1)?;
        let name = &rest[1..head];
        self.attributes.clear();
        let skip_space = |mut i: usize| {
            while tag.get(i).is_some_and(|&b| is_space_byte(b)) {
                i += 1;
            }
            i
        };
        let mut i = head;
        let empty = loop {
            let before = i;
            i = skip_space(i);
            match tag.get(i) {
                Some(b'>') => break false,
                Some(b'/') if tag.get(i + 1) == Some(&b'>') => {
                    i += 1;
                    break true;
                }
                Some(b'/') => return Err(Bail),
                Some(_) if i > before => {}
                _ => return Err(Bail), // no whitespace before the attribute, or the end
            }
            let attr_end = name_end(tag, i)?;
            let attr = &rest[i..attr_end];
            i = skip_space(attr_end);
            if tag.get(i) != Some(&b'=') {
                return Err(Bail);
            }
            i = skip_space(i + 1);
            let quote = match tag.get(i) {
                Some(&q @ (b'"' | b'\'')) => q,
                _ => return Err(Bail),
            };
            let open = i + 1;
            let mut has_reference = false;
            i = open;
            loop {
                i += memchr::memchr3(quote, b'<', b'&', &tag[i..]).ok_or(Bail)?;
                match tag[i] {
                    b'<' => return Err(Bail),
                    b'&' => has_reference = true,
                    _ => break, // the quote
                }
                i += 1;
            }
            let value = &rest[open..i];
            if has_reference {
                check_references(value)?;
            }
            self.attributes.push(RawAttribute {
                name: attr,
                value,
                has_reference,
            });
            i += 1;
        };
        let attrs = &rest[head..if empty { i - 1 } else { i }];
        self.pos = start + i + 1;
        Ok(Token::Start { name, attrs, empty })
    }
}

/// Texts up to this length are scanned byte by byte, longer ones with `memchr`.
const SHORT: usize = 32;

/// Whether character data `text` holds a `&`; [`Bail`] on `]]>` (not allowed in text).
fn text_marks(text: &[u8]) -> Fast<bool> {
    let end_of_cdata = |i: usize| i >= 2 && &text[i - 2..i] == b"]]";
    let mut has_reference = false;
    if text.len() <= SHORT {
        for (i, &b) in text.iter().enumerate() {
            match b {
                b'&' => has_reference = true,
                b'>' if end_of_cdata(i) => return Err(Bail),
                _ => {}
            }
        }
    } else {
        for i in memchr::memchr2_iter(b'&', b'>', text) {
            match text[i] {
                b'&' => has_reference = true,
                _ if end_of_cdata(i) => return Err(Bail),
                _ => {}
            }
        }
    }
    Ok(has_reference)
}

/// Whether `bytes` holds a control character other than tab, LF and CR. Eight bytes at a
/// time: `(x - 0x20..20) & !x & 0x80..80` is non-zero exactly when a byte of `x` is below
/// 0x20 (only such a word, one with a line end usually, is looked at byte by byte). A
/// byte-by-byte test cost several instructions per byte of every message.
fn has_control(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let control = |b: &u8| *b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r');
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let x = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        if x.wrapping_sub(ONES * 0x20) & !x & HIGHS != 0 && word.iter().any(control) {
            return true;
        }
    }
    words.remainder().iter().any(control)
}

pub(crate) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// [`is_space`] for a byte.
pub(crate) fn is_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Whether `text` is empty or only whitespace.
pub(crate) fn is_blank(text: &str) -> bool {
    text.bytes().all(is_space_byte)
}

/// Byte classes of names: may start a name part (`[A-Za-z_]`), may continue one (those and
/// `[0-9.-]`).
const NAME_START: u8 = 1;
const NAME_CHAR: u8 = 2;
static NAME_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        if c.is_ascii_alphabetic() || c == b'_' {
            t[i] = NAME_START | NAME_CHAR;
        } else if c.is_ascii_digit() || c == b'-' || c == b'.' {
            t[i] = NAME_CHAR;
        }
        i += 1;
    }
    t
};

/// The end of the name that starts at `bytes[from]`, checked as [`check_name`] checks it, in
/// one pass (names are most of the bytes the tokenizer looks at one by one): the offset of
/// the first byte that can be part of no name.
fn name_end(bytes: &[u8], from: usize) -> Fast<usize> {
    let class = |i: usize| bytes.get(i).map_or(0, |&b| NAME_CLASS[usize::from(b)]);
    // One name part from `i`: its end.
    let part = |mut i: usize| {
        if class(i) & NAME_START == 0 {
            return Err(Bail);
        }
        i += 1;
        while class(i) & NAME_CHAR != 0 {
            i += 1;
        }
        Ok(i)
    };
    let mut end = part(from)?;
    if bytes.get(end) == Some(&b':') {
        end = part(end + 1)?;
        if bytes.get(end) == Some(&b':') {
            return Err(Bail);
        }
    }
    if end == bytes.len() {
        return Err(Bail); // the input ends inside a name
    }
    Ok(end)
}

/// `[A-Za-z_][A-Za-z0-9._-]*`, optionally `prefix:local` of two such names.
pub(crate) fn check_name(name: &str) -> Fast<()> {
    let mut at_start = true;
    let mut colon = false;
    for &b in name.as_bytes() {
        let class = NAME_CLASS[usize::from(b)];
        if at_start {
            if class & NAME_START == 0 {
                return Err(Bail);
            }
            at_start = false;
        } else if b == b':' {
            if colon {
                return Err(Bail);
            }
            colon = true;
            at_start = true;
        } else if class & NAME_CHAR == 0 {
            return Err(Bail);
        }
    }
    if at_start {
        Err(Bail)
    } else {
        Ok(())
    }
}

/// `version="1.0"`, then optionally `encoding` (UTF-8) and `standalone`.
fn check_declaration(body: &str) -> Fast<()> {
    let mut attrs = Attributes::new(body);
    let (name, value) = attrs.next().ok_or(Bail)??;
    if name != "version" || value != "1.0" {
        return Err(Bail);
    }
    let mut expected = ["encoding", "standalone"].into_iter();
    for a in attrs {
        let (name, value) = a?;
        let ok = match expected.find(|e| *e == name) {
            Some("encoding") => value.eq_ignore_ascii_case("utf-8"),
            Some(_) => value == "yes" || value == "no",
            None => false,
        };
        if !ok {
            return Err(Bail);
        }
    }
    Ok(())
}

/// The attributes of a start tag's attribute region: `(qualified name, raw value)`. Each must
/// be preceded by whitespace; values hold no `<` (the lexer checked) and only valid
/// references.
pub(crate) struct Attributes<'a> {
    rest: &'a str,
}

impl<'a> Attributes<'a> {
    pub(crate) fn new(region: &'a str) -> Self {
        Attributes { rest: region }
    }
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Fast<(&'a str, &'a str)>;

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.rest.as_bytes();
        let from = b.iter().position(|&c| !is_space_byte(c))?;
        if from == 0 {
            self.rest = "";
            return Some(Err(Bail)); // no whitespace before the attribute
        }
        let item = self.attribute(from);
        if item.is_err() {
            self.rest = "";
        }
        Some(item)
    }
}

impl<'a> Attributes<'a> {
    /// The attribute whose name starts at byte `from` of the rest of the region.
    fn attribute(&mut self, from: usize) -> Fast<(&'a str, &'a str)> {
        let rest = self.rest;
        let b = rest.as_bytes();
        let end = name_end(b, from)?;
        let name = &rest[from..end];
        let eq = end
            + b[end..]
                .iter()
                .position(|&c| !is_space_byte(c))
                .ok_or(Bail)?;
        if b[eq] != b'=' {
            return Err(Bail);
        }
        let open = eq
            + 1
            + b[eq + 1..]
                .iter()
                .position(|&c| !is_space_byte(c))
                .ok_or(Bail)?;
        let quote = b[open];
        if quote != b'"' && quote != b'\'' {
            return Err(Bail);
        }
        let close = open + 1 + memchr::memchr(quote, &b[open + 1..]).ok_or(Bail)?;
        let value = &rest[open + 1..close];
        check_references(value)?;
        self.rest = &rest[close + 1..];
        Ok((name, value))
    }
}

/// Every `&` of `text` starts a valid reference.
pub(crate) fn check_references(text: &str) -> Fast<()> {
    let mut rest = text;
    while let Some(at) = memchr::memchr(b'&', rest.as_bytes()) {
        let (_, len) = reference(&rest[at..])?;
        rest = &rest[at + len..];
    }
    Ok(())
}

/// The character of the reference at the start of `s` (`&name;` or `&#...;`) and its length.
pub(crate) fn reference(s: &str) -> Fast<(char, usize)> {
    let end = memchr::memchr(b';', s.as_bytes()).ok_or(Bail)?;
    let body = s.get(1..end).ok_or(Bail)?;
    let c = match body {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let code = if let Some(hex) = body.strip_prefix("#x") {
                u32::from_str_radix(hex, 16).map_err(|_| Bail)?
            } else if let Some(dec) = body.strip_prefix('#') {
                dec.parse::<u32>().map_err(|_| Bail)?
            } else {
                return Err(Bail);
            };
            if body.contains(['+', '-']) {
                return Err(Bail);
            }
            let c = char::from_u32(code).ok_or(Bail)?;
            let xml_char = matches!(c, '\t' | '\n' | '\r')
                || ('\u{20}'..='\u{D7FF}').contains(&c)
                || ('\u{E000}'..='\u{FFFD}').contains(&c)
                || c >= '\u{10000}';
            if !xml_char {
                return Err(Bail);
            }
            c
        }
    };
    Ok((c, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Fast<Vec<Token<'_>>> {
        let mut l = Lexer::document(text)?;
        let mut out = Vec::new();
        while let Some(t) = l.next()? {
            match t {
                Token::Start { attrs, .. } => {
                    // The attributes parsed with the tag are those of its attribute region.
                    let region = Attributes::new(attrs).collect::<Fast<Vec<_>>>()?;
                    let parsed: Vec<_> = l.attributes().iter().map(|a| (a.name, a.value)).collect();
                    assert_eq!(parsed, region);
                    for a in l.attributes() {
                        assert_eq!(a.has_reference, a.value.contains('&'));
                    }
                }
                Token::Text {
                    text,
                    has_reference,
                } => {
                    assert_eq!(has_reference, text.contains('&'));
                    check_references(text)?
                }
                _ => {}
            }
            out.push(t);
        }
        Ok(out)
    }

    #[test]
    fn tokenizes_the_accepted_subset() {
        let t = tokens("<?xml version='1.0' encoding=\"UTF-8\"?>\n<a:b x='1>2' y=\"&amp;&#x41;\">t<![CDATA[<c>]]><!-- k --><?pi  v?><e/></a:b>").unwrap();
        assert_eq!(
            t[0],
            Token::Text {
                text: "\n",
                has_reference: false
            }
        );
        assert_eq!(
            t[1],
            Token::Start {
                name: "a:b",
                attrs: " x='1>2' y=\"&amp;&#x41;\"",
                empty: false
            }
        );
        assert_eq!(t[3], Token::CData("<c>"));
        assert_eq!(t[4], Token::Comment(" k "));
        assert_eq!(
            t[5],
            Token::Pi {
                target: "pi",
                value: "v"
            }
        );
        assert_eq!(
            t[6],
            Token::Start {
                name: "e",
                attrs: "",
                empty: true
            }
        );
        assert_eq!(t[7], Token::End { name: "a:b" });
        let attrs: Vec<_> = Attributes::new(" x='1>2' y=\"&amp;&#x41;\"")
            .collect::<Fast<_>>()
            .unwrap();
        assert_eq!(attrs, [("x", "1>2"), ("y", "&amp;&#x41;")]);
        // Whitespace around `=` and before the end tag's `>`.
        let t = tokens("<p:a\tx = '1'\ny\r\n=\"2\"></p:a \n>").unwrap();
        assert_eq!(t[1], Token::End { name: "p:a" });
        let Token::Start { attrs, .. } = t[0] else {
            panic!("{t:?}")
        };
        let attrs: Vec<_> = Attributes::new(attrs).collect::<Fast<_>>().unwrap();
        assert_eq!(attrs, [("x", "1"), ("y", "2")]);
    }

    #[test]
    fn end_tag_names_are_left_to_the_outline() {
        // The tokenizer hands them over as written; the outline refuses any that is not the
        // name of the element it closes.
        let t = tokens("<a></a b>").unwrap();
        assert_eq!(t[1], Token::End { name: "a b" });
        for bad in [
            "<a></a b>",
            "<a></a:>",
            "<a></b>",
            "<a></\u{e9}>",
            "<a></ a>",
        ] {
            assert!(super::super::outline::Outline::scan(bad).is_err(), "{bad}");
        }
        assert!(super::super::outline::Outline::scan("<a></a\n>").is_ok());
    }

    #[test]
    fn finds_every_control_character_at_every_offset() {
        for b in 0u8..0x80 {
            for at in 0..20 {
                let mut text = vec![b'a'; 19];
                text.insert(at, b);
                let want = b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r');
                assert_eq!(has_control(&text), want, "byte {b:#x} at {at}");
            }
        }
        assert!(!has_control(
            "caf\u{e9} \u{10000}\r\n\t".repeat(9).as_bytes()
        ));
    }

    #[test]
    fn bails_outside_the_subset() {
        for bad in [
            "<!DOCTYPE a><a/>",
            "<a x='<'/>",
            "<a x='1'y='2'/>",
            "<a>&unknown;</a>",
            "<a>&#0;</a>",
            "<a>]]></a>",
            "<a><!-- -- --></a>",
            "<a:b:c/>",
            "<\u{e9}/>",
            "<a>\u{1}</a>",
            "<?xml version='1.1'?><a/>",
            "<?xml version='1.0' encoding='latin1'?><a/>",
            "<a><?xml x?></a>",
            "<a:/>",
            "<a::b/>",
            "<:a/>",
            "<a\u{e9}/>",
            "<a x y='1'/>",
            "<a x:='1'/>",
            "<a x='1' y/>",
            "<a",
            "<a></a",
            "<a x='1'/ >",
            "<a x='1' / >",
            "<a/ >",
            "<a x='1",
            "<a x=1/>",
            "<a x='1'",
            "<a x 'a'/>",
            "<a\"x\"/>",
            "<a x='&bad;'/>",
            "<a>x]]>y</a>",
            "<a>a long text, longer than the short ones, then ]]> here</a>",
        ] {
            assert_eq!(tokens(bad), Err(Bail), "{bad}");
        }
    }
}
