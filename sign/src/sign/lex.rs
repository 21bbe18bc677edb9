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
    /// Character data as written (may hold references and line ends to normalize).
    Text(&'a str),
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
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str, pos: usize) -> Self {
        Lexer { text, pos }
    }

    /// Check the input as a whole: no control characters (other than tab, LF, CR), no
    /// `U+FFFE`/`U+FFFF`, no byte order mark, then skip the XML declaration.
    pub(crate) fn document(text: &'a str) -> Fast<Self> {
        // One branch-free pass (vectorized) for control characters; the three excluded
        // characters all start with byte 0xEF (U+FEFF: EF BB BF, U+FFFE/U+FFFF: EF BF BE/BF).
        let bytes = text.as_bytes();
        let control = bytes.iter().fold(false, |acc, &b| {
            acc | ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r'))
        });
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

    /// The next token, `Ok(None)` at the end of the input.
    #[allow(clippy::should_implement_trait)]
    pub(crate) fn next(&mut self) -> Fast<Option<Token<'a>>> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        if start >= bytes.len() {
            return Ok(None);
        }
        if bytes[start] != b'<' {
            let end = memchr::memchr(b'<', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            let text = &self.text[start..end];
            let tb = text.as_bytes();
            if memchr::memchr_iter(b'>', tb).any(|i| i >= 2 && &tb[i - 2..i] == b"]]") {
                return Err(Bail);
            }
            self.pos = end;
            return Ok(Some(Token::Text(text)));
        }
        let rest = &self.text[start..];
        if let Some(body) = rest.strip_prefix("</") {
            let end = memchr::memchr(b'>', body.as_bytes()).ok_or(Bail)?;
            self.pos = start + 2 + end + 1;
            return Ok(Some(Token::End {
                name: body[..end].trim_end_matches(is_space),
            }));
        }
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
        if let Some(body) = rest.strip_prefix("<?") {
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
            return Ok(Some(Token::Pi {
                target,
                value: value.trim_start_matches(is_space),
            }));
        }
        if rest.starts_with("<!") {
            return Err(Bail); // DOCTYPE or garbage
        }
        // A start tag: its end is the first `>` outside quotes.
        let tag = rest.as_bytes();
        let name_end = name_end(tag, 1)?;
        match tag.get(name_end) {
            Some(&b) if is_space_byte(b) || b == b'>' || b == b'/' => {}
            _ => return Err(Bail),
        }
        let name = &rest[1..name_end];
        let mut i = name_end;
        loop {
            i += memchr::memchr3(b'"', b'\'', b'>', &tag[i..]).ok_or(Bail)?;
            let quote = tag[i];
            if quote == b'>' {
                break;
            }
            // A quoted value: up to the same quote, with no `<` inside.
            let close = i + 1 + memchr::memchr2(quote, b'<', &tag[i + 1..]).ok_or(Bail)?;
            if tag[close] == b'<' {
                return Err(Bail);
            }
            i = close + 1;
        }
        let empty = tag[i - 1] == b'/' && i > name_end;
        let attrs = &rest[name_end..if empty { i - 1 } else { i }];
        self.pos = start + i + 1;
        Ok(Some(Token::Start { name, attrs, empty }))
    }
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
                    Attributes::new(attrs).collect::<Fast<Vec<_>>>()?;
                }
                Token::Text(t) => check_references(t)?,
                _ => {}
            }
            out.push(t);
        }
        Ok(out)
    }

    #[test]
    fn tokenizes_the_accepted_subset() {
        let t = tokens("<?xml version='1.0' encoding=\"UTF-8\"?>\n<a:b x='1>2' y=\"&amp;&#x41;\">t<![CDATA[<c>]]><!-- k --><?pi  v?><e/></a:b>").unwrap();
        assert_eq!(t[0], Token::Text("\n"));
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
        ] {
            assert_eq!(tokens(bad), Err(Bail), "{bad}");
        }
    }
}
