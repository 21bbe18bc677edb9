//! xs:anyURI as libxml2 checks it: characters that RFC 3986 would need escaped (controls,
//! non-ASCII, space, `<>"{}|\^`'`) are first replaced by an unreserved character, then the
//! result must be an RFC 3986 URI-reference (`xmlParseURI`).

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// Whether `s` is made of `allowed` characters and well-formed `%HH` escapes.
fn chars_ok(s: &[u8], allowed: impl Fn(u8) -> bool) -> bool {
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            if !(s.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            {
                return false;
            }
            i += 3;
        } else if allowed(s[i]) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

fn pchar(b: u8) -> bool {
    unreserved(b) || sub_delim(b) || b == b':' || b == b'@'
}

fn authority(a: &[u8]) -> bool {
    let (userinfo, hostport) = match a.iter().rposition(|b| *b == b'@') {
        Some(i) => (&a[..i], &a[i + 1..]),
        None => (&a[..0], a),
    };
    if !chars_ok(userinfo, |b| unreserved(b) || sub_delim(b) || b == b':') {
        return false;
    }
    let (host, port) = if hostport.first() == Some(&b'[') {
        match hostport.iter().position(|b| *b == b']') {
            Some(i) => (&hostport[..=i], &hostport[i + 1..]),
            None => return false,
        }
    } else {
        match hostport.iter().position(|b| *b == b':') {
            Some(i) => (&hostport[..i], &hostport[i..]),
            None => (hostport, &hostport[..0]),
        }
    };
    let host_ok = if host.first() == Some(&b'[') {
        host.len() > 2
            && host[1..host.len() - 1].iter().all(|b| {
                b.is_ascii_hexdigit() || matches!(b, b':' | b'.') || unreserved(*b) || sub_delim(*b)
            })
    } else {
        chars_ok(host, |b| unreserved(b) || sub_delim(b))
    };
    let port_ok = port.is_empty() || (port[0] == b':' && port[1..].iter().all(u8::is_ascii_digit));
    host_ok && port_ok
}

/// hier-part / relative-part, then `?query` and `#fragment`.
fn rest(s: &[u8], relative: bool) -> bool {
    let (s, frag) = match s.iter().position(|b| *b == b'#') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (s, query) = match s.iter().position(|b| *b == b'?') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let qf = |x: &[u8]| chars_ok(x, |b| pchar(b) || b == b'/' || b == b'?');
    if frag.is_some_and(|f| !qf(f)) || query.is_some_and(|q| !qf(q)) {
        return false;
    }
    let path = if let Some(after) = s.strip_prefix(b"//") {
        let end = after.iter().position(|b| *b == b'/').unwrap_or(after.len());
        if !authority(&after[..end]) {
            return false;
        }
        &after[end..]
    } else {
        s
    };
    if relative && !s.starts_with(b"/") {
        // path-noscheme: the first segment has no ':'.
        let first = path.split(|b| *b == b'/').next().unwrap_or(&[]);
        if first.contains(&b':') {
            return false;
        }
    }
    chars_ok(path, |b| pchar(b) || b == b'/')
}

/// Check an xs:anyURI value (already whitespace-collapsed).
pub fn check(v: &str) -> Result<(), String> {
    let bytes: Vec<u8> = v
        .bytes()
        .map(|b| {
            if !(32..127).contains(&b)
                || matches!(
                    b,
                    b' ' | b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'\\' | b'^' | b'`' | b'\''
                )
            {
                b'_'
            } else {
                b
            }
        })
        .collect();
    if bytes.is_empty() {
        return Ok(());
    }
    let scheme_end = bytes.iter().position(|b| *b == b':');
    let absolute = scheme_end.is_some_and(|i| {
        i > 0
            && bytes[0].is_ascii_alphabetic()
            && bytes[1..i]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    });
    let ok = match (absolute, scheme_end) {
        (true, Some(i)) => rest(&bytes[i + 1..], false) || rest(&bytes, true),
        _ => rest(&bytes, true),
    };
    if ok {
        Ok(())
    } else {
        Err("not a valid xs:anyURI".into())
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn uris_as_libxml2_sees_them() {
        for ok in [
            "http://example.com/a?b#c",
            "a b",
            "urn:x:y",
            "/x/y",
            "",
            "http://[::1]:80/",
            "mailto:a@b",
            "é",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in ["%zz", "http://[x", "::", "http://a b:x/"] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
