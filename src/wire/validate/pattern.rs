//! XSD regular expressions (XML Schema 1.0 Part 2, Appendix F) translated to the `regex`
//! crate's syntax, anchored at both ends as the pattern facet requires.
//!
//! Differences handled: `^`/`$` are ordinary characters in XSD; `.` excludes only `\n` and
//! `\r`; `\d`, `\w`, `\s`, `\i`, `\c` have XSD's Unicode definitions; class subtraction
//! `[a-z-[aeiou]]` becomes `[a-z--[aeiou]]`; groups do not capture.

use std::sync::OnceLock;

use regex::Regex;

use super::tables::PATTERNS;

const NAME_START: &str = r":A-Z_a-z\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{2FF}\x{370}-\x{37D}\x{37F}-\x{1FFF}\x{200C}-\x{200D}\x{2070}-\x{218F}\x{2C00}-\x{2FEF}\x{3001}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFFD}\x{10000}-\x{EFFFF}";
const NAME_EXTRA: &str = r"\-.0-9\x{B7}\x{300}-\x{36F}\x{203F}-\x{2040}";

/// The translation of a multi-character escape (`\s`, `\d`...) as a bracketed class.
fn multi_escape(c: char) -> Option<String> {
    Some(match c {
        's' => r"[\x20\t\n\r]".into(),
        'S' => r"[^\x20\t\n\r]".into(),
        'd' => r"[\p{Nd}]".into(),
        'D' => r"[^\p{Nd}]".into(),
        'w' => r"[^\p{P}\p{Z}\p{C}]".into(),
        'W' => r"[\p{P}\p{Z}\p{C}]".into(),
        'i' => format!("[{NAME_START}]"),
        'I' => format!("[^{NAME_START}]"),
        'c' => format!("[{NAME_START}{NAME_EXTRA}]"),
        'C' => format!("[^{NAME_START}{NAME_EXTRA}]"),
        _ => return None,
    })
}

fn single_escape(c: char) -> Option<char> {
    Some(match c {
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        '\\' | '|' | '.' | '-' | '^' | '?' | '*' | '+' | '{' | '}' | '(' | ')' | '[' | ']' => c,
        _ => return None,
    })
}

fn lit(c: char) -> String {
    regex::escape(c.encode_utf8(&mut [0; 4]))
}

/// Translate `\p{..}`/`\P{..}` (the caller consumed the `p`/`P`).
fn category(
    neg: bool,
    it: &mut std::iter::Peekable<std::str::Chars<'_>>,
) -> Result<String, String> {
    if it.next() != Some('{') {
        return Err("expected { after \\p".into());
    }
    let mut name = String::new();
    for c in it.by_ref() {
        if c == '}' {
            let name = name
                .strip_prefix("Is")
                .map(|b| format!("Block={b}"))
                .unwrap_or(name);
            return Ok(format!("{}{{{name}}}", if neg { r"\P" } else { r"\p" }));
        }
        name.push(c);
    }
    Err("unterminated \\p{".into())
}

/// Translate a character class; the caller consumed `[`.
fn class(it: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, String> {
    let mut out = String::from("[");
    if it.peek() == Some(&'^') {
        it.next();
        out.push('^');
    }
    let mut first = true;
    loop {
        let c = it.next().ok_or("unterminated character class")?;
        match c {
            ']' if !first => break,
            '-' if it.peek() == Some(&'[') => {
                it.next();
                let sub = class(it)?;
                out.push_str("--");
                out.push_str(&sub);
                if it.next() != Some(']') {
                    return Err("class subtraction must end the class".into());
                }
                break;
            }
            '\\' => {
                let e = it.next().ok_or("dangling escape")?;
                if let Some(m) = multi_escape(e) {
                    out.push_str(&m);
                } else if e == 'p' || e == 'P' {
                    out.push_str(&category(e == 'P', it)?);
                } else {
                    let ch = single_escape(e).ok_or_else(|| format!("unknown escape \\{e}"))?;
                    out.push_str(&lit(ch));
                }
            }
            '-' if !first && it.peek() != Some(&']') => out.push('-'),
            '-' => out.push_str(r"\-"),
            c => out.push_str(&lit(c)),
        }
        first = false;
    }
    out.push(']');
    Ok(out)
}

/// Translate an XSD regular expression into an anchored `regex` pattern.
pub fn translate(xsd: &str) -> Result<String, String> {
    let mut out = String::from(r"\A(?:");
    let mut it = xsd.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => {
                let e = it.next().ok_or("dangling escape")?;
                if let Some(m) = multi_escape(e) {
                    out.push_str(&m);
                } else if e == 'p' || e == 'P' {
                    out.push_str(&category(e == 'P', &mut it)?);
                } else {
                    let ch = single_escape(e).ok_or_else(|| format!("unknown escape \\{e}"))?;
                    out.push_str(&lit(ch));
                }
            }
            '[' => out.push_str(&class(&mut it)?),
            '.' => out.push_str(r"[^\n\r]"),
            '(' => out.push_str("(?:"),
            ')' | '|' | '?' | '*' | '+' => out.push(c),
            '{' => {
                out.push('{');
                for c in it.by_ref() {
                    out.push(c);
                    if c == '}' {
                        break;
                    }
                }
            }
            c => out.push_str(&lit(c)),
        }
    }
    out.push_str(r")\z");
    Ok(out)
}

/// The compiled regular expression of pattern `i`, compiled when that pattern is first
/// needed, not with the others: XSD's `\w` alone (Unicode classes) compiles into a large
/// automaton, and a VEN whose messages never use it should not carry it (idle memory, issue 5).
pub fn get(i: u16) -> Option<&'static Regex> {
    static COMPILED: OnceLock<Vec<OnceLock<Option<Regex>>>> = OnceLock::new();
    let i = usize::from(i);
    COMPILED
        .get_or_init(|| PATTERNS.iter().map(|_| OnceLock::new()).collect())
        .get(i)?
        .get_or_init(|| {
            let p = PATTERNS.get(i)?;
            Regex::new(&translate(p).ok()?).ok()
        })
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Regex::new(&translate(p).unwrap()).unwrap().is_match(s)
    }

    #[test]
    fn every_schema_pattern_compiles() {
        for (i, p) in PATTERNS.iter().enumerate() {
            assert!(get(i as u16).is_some(), "pattern {p} does not compile");
        }
    }

    #[test]
    fn xsd_semantics() {
        assert!(m(r"[0-9][0-9][0-9]", "123"));
        assert!(!m(r"[0-9][0-9][0-9]", "1234"), "patterns are anchored");
        assert!(m(r"x-\S.*", "x-foo bar"));
        assert!(!m(r"x-\S.*", "x- foo"));
        assert!(m(r"\w+@(\w+\.)+\w+", "a@b.c"));
        assert!(m(r"a^b$", "a^b$"), "^ and $ are literals in XSD");
        assert!(!m(r".", "\n"));
        assert!(m(r"[a-z-[aeiou]]+", "bcd"));
        assert!(!m(r"[a-z-[aeiou]]+", "bad"));
        assert!(m(r"\d+", "\u{0663}"), "\\d is Unicode Nd");
        assert!(m(r"\w", "$"), "symbols are word characters in XSD");
        assert!(!m(r"\w", "_"), "punctuation is not");
    }
}
