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

/// Whether `value` matches pattern `i` (anchored). The schema's frequent patterns (xcal
/// date-times and durations in every event, response codes, UUIDs, extension tokens) have
/// hand-written matchers, chosen by the pattern's exact text, that the test
/// `fast_matchers_agree_with_regex` checks against the regex; the others, and non-ASCII
/// values where a pattern uses `\d` (Unicode digits in XSD), go to the regex.
pub fn matches(i: u16, value: &str) -> bool {
    // The hand-written matcher of each pattern, chosen once rather than by comparing the
    // pattern's text with theirs on every call.
    static FAST: OnceLock<Vec<Option<Fast>>> = OnceLock::new();
    let fast = FAST.get_or_init(|| PATTERNS.iter().map(|p| fast_matcher(p)).collect());
    if let Some(fast) = fast.get(usize::from(i)).copied().flatten() {
        if let Some(verdict) = fast(value) {
            return verdict;
        }
    }
    get(i).is_some_and(|r| r.is_match(value))
}

/// A matcher: `Some(verdict)`, or `None` when it cannot decide (the regex then does).
type Fast = fn(&str) -> Option<bool>;

/// The hand-written matcher for an XSD pattern, by its text.
fn fast_matcher(pattern: &str) -> Option<Fast> {
    Some(match pattern {
        r"(\-|\+)?\d{4}\-\d{2}\-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*)?Z?" => xcal_date_time,
        r"(\+|\-)?P((\d+Y)?(\d+M)?(\d+D)?T?(\d+H)?(\d+M)?(\d+S)?)|(\d+W)" => xcal_duration,
        "[0-9][0-9][0-9]" => |v| Some(v.len() == 3 && v.bytes().all(|b| b.is_ascii_digit())),
        "[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}" => uuid,
        r"x-\S.*" => extension_token,
        _ => return None,
    })
}

fn ascii_digits(s: &[u8]) -> usize {
    s.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// `(\-|\+)?\d{4}\-\d{2}\-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*)?Z?`, for ASCII values.
fn xcal_date_time(v: &str) -> Option<bool> {
    if !v.is_ascii() {
        return None;
    }
    let s = v.as_bytes();
    let s = s
        .strip_prefix(b"-")
        .or_else(|| s.strip_prefix(b"+"))
        .unwrap_or(s);
    const SHAPE: &[u8; 19] = b"dddd-dd-ddTdd:dd:dd";
    let Some((head, rest)) = s.split_at_checked(SHAPE.len()) else {
        return Some(false);
    };
    let shape_ok = head.iter().zip(SHAPE).all(|(c, p)| {
        if *p == b'd' {
            c.is_ascii_digit()
        } else {
            c == p
        }
    });
    let rest = match rest.strip_prefix(b".") {
        Some(r) => &r[ascii_digits(r)..],
        None => rest,
    };
    Some(shape_ok && (rest.is_empty() || rest == b"Z"))
}

/// `(\+|\-)?P((\d+Y)?(\d+M)?(\d+D)?T?(\d+H)?(\d+M)?(\d+S)?)|(\d+W)`, for ASCII values:
/// after `P`, items `\d+<unit>` and a bare `T` whose units form a subsequence of `YMDTHMS`.
fn xcal_duration(v: &str) -> Option<bool> {
    if !v.is_ascii() {
        return None;
    }
    let s = v.as_bytes();
    if let Some(d) = s.strip_suffix(b"W") {
        if !d.is_empty() && ascii_digits(d) == d.len() {
            return Some(true);
        }
    }
    let s = s
        .strip_prefix(b"+")
        .or_else(|| s.strip_prefix(b"-"))
        .unwrap_or(s);
    let Some(mut s) = s.strip_prefix(b"P") else {
        return Some(false);
    };
    const ORDER: &[u8] = b"YMDTHMS";
    let mut at = 0;
    while !s.is_empty() {
        let n = ascii_digits(s);
        let Some(&unit) = s.get(n) else {
            return Some(false);
        };
        if (n == 0) != (unit == b'T') {
            return Some(false);
        }
        // Earliest place at or after `at`: M is both months and minutes.
        match ORDER
            .get(at..)
            .and_then(|o| o.iter().position(|u| *u == unit))
        {
            Some(i) => at += i + 1,
            None => return Some(false),
        }
        s = &s[n + 1..];
    }
    Some(true)
}

/// `[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}`.
fn uuid(v: &str) -> Option<bool> {
    const SHAPE: &[u8; 36] = b"hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh";
    let s = v.as_bytes();
    Some(
        s.len() == SHAPE.len()
            && s.iter().zip(SHAPE).all(|(c, p)| {
                if *p == b'h' {
                    matches!(c, b'a'..=b'f' | b'0'..=b'9')
                } else {
                    c == p
                }
            }),
    )
}

/// `x-\S.*`: `\S` is anything but space, tab, CR, LF; `.` anything but CR, LF.
fn extension_token(v: &str) -> Option<bool> {
    let Some(rest) = v.strip_prefix("x-") else {
        return Some(false);
    };
    let mut chars = rest.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| !matches!(c, ' ' | '\t' | '\n' | '\r'));
    Some(first_ok && !chars.as_str().contains(['\n', '\r']))
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

    /// Every hand-written matcher gives the regex's verdict: exhaustively over short strings
    /// of the characters that matter, and over single-character edits of realistic values.
    #[test]
    fn fast_matchers_agree_with_regex() {
        let alphabet: Vec<char> = "0123456789PTYMDHSWZ+-.:xa f\n\u{0663}".chars().collect();
        let seeds = [
            "2024-07-15T13:05:00Z",
            "-2024-07-15T13:05:00.123",
            "+2024-07-15T13:05:00.",
            "P1Y2M3DT4H5M6S",
            "-PT15M",
            "+P1M1M",
            "52W",
            "200",
            "x-schedule",
            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        ];
        let mut inputs: Vec<String> = seeds.iter().map(|s| s.to_string()).collect();
        for seed in seeds {
            let chars: Vec<char> = seed.chars().collect();
            for i in 0..=chars.len() {
                for c in &alphabet {
                    let mut ins = chars.clone();
                    ins.insert(i, *c);
                    inputs.push(ins.into_iter().collect());
                    if i < chars.len() {
                        let mut rep = chars.clone();
                        rep[i] = *c;
                        inputs.push(rep.into_iter().collect());
                    }
                }
                if i < chars.len() {
                    let mut del = chars.clone();
                    del.remove(i);
                    inputs.push(del.into_iter().collect());
                }
            }
        }
        let short = "P1TMW-x";
        let mut level = vec![String::new()];
        for _ in 0..5 {
            level = level
                .iter()
                .flat_map(|p| short.chars().map(move |c| format!("{p}{c}")))
                .collect();
            inputs.extend(level.iter().cloned());
        }
        let mut checked = 0;
        for (i, p) in PATTERNS.iter().enumerate() {
            let Some(fast) = fast_matcher(p) else {
                continue;
            };
            let regex = get(i as u16).expect("pattern compiles");
            for v in &inputs {
                if let Some(verdict) = fast(v) {
                    assert_eq!(verdict, regex.is_match(v), "pattern {p} on {v:?}");
                }
            }
            checked += 1;
        }
        assert_eq!(
            checked, 5,
            "every hand-written matcher is used by the schema"
        );
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
