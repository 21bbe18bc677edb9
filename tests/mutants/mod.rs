//! Deterministic mutants of XML fixtures for the differential tests: a small raw-preserving
//! tree (prefixes and escapes kept byte for byte), and mutations chosen by a seeded RNG.
#![allow(dead_code)] // each test crate uses a different subset

use quick_xml::events::Event;
use quick_xml::Reader;

#[derive(Clone, Debug)]
pub enum Node {
    Elem(Elem),
    /// Raw (still escaped) text or other markup, written back verbatim.
    Raw(String),
}

#[derive(Clone, Debug)]
pub struct Elem {
    /// Qualified name as written.
    pub name: String,
    /// Attributes as written (everything after the name inside the start tag).
    pub attrs: String,
    pub children: Vec<Node>,
}

#[derive(Clone, Debug)]
pub struct Doc {
    pub prolog: Vec<String>,
    pub root: Elem,
}

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Parse a well-formed document; `None` if it is not.
pub fn parse(xml: &[u8]) -> Option<Doc> {
    let mut r = Reader::from_reader(xml);
    let mut stack: Vec<Elem> = Vec::new();
    let mut prolog = Vec::new();
    let mut root = None;
    loop {
        let ev = r.read_event().ok()?;
        let push = |stack: &mut Vec<Elem>, n: Node| {
            if let Some(top) = stack.last_mut() {
                top.children.push(n);
            }
        };
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) if root.is_none() => {
                let raw = s(e);
                let name = s(e.name().as_ref());
                let attrs = raw[name.len()..].to_owned();
                let el = Elem {
                    name,
                    attrs,
                    children: Vec::new(),
                };
                if matches!(ev, Event::Empty(_)) {
                    if stack.is_empty() {
                        root = Some(el);
                    } else {
                        push(&mut stack, Node::Elem(el));
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop()?;
                if stack.is_empty() {
                    root = Some(el);
                } else {
                    push(&mut stack, Node::Elem(el));
                }
            }
            Event::Text(t) if !stack.is_empty() => push(&mut stack, Node::Raw(s(&t))),
            Event::GeneralRef(g) => push(&mut stack, Node::Raw(format!("&{};", s(&g)))),
            Event::CData(c) => push(&mut stack, Node::Raw(format!("<![CDATA[{}]]>", s(&c)))),
            Event::Comment(c) => push(&mut stack, Node::Raw(format!("<!--{}-->", s(&c)))),
            Event::PI(p) => push(&mut stack, Node::Raw(format!("<?{}?>", s(&p)))),
            Event::Decl(d) => prolog.push(format!("<?{}?>", s(&d))),
            Event::Eof => break,
            _ => {}
        }
    }
    Some(Doc {
        prolog,
        root: root?,
    })
}

fn write_elem(e: &Elem, out: &mut String) {
    out.push('<');
    out.push_str(&e.name);
    out.push_str(&e.attrs);
    if e.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for c in &e.children {
        match c {
            Node::Elem(e) => write_elem(e, out),
            Node::Raw(t) => out.push_str(t),
        }
    }
    out.push_str("</");
    out.push_str(&e.name);
    out.push('>');
}

impl Doc {
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        for p in &self.prolog {
            out.push_str(p);
            out.push('\n');
        }
        write_elem(&self.root, &mut out);
        out
    }

    /// Index paths of every element (pre-order); the root is `[]`.
    pub fn element_paths(&self) -> Vec<Vec<usize>> {
        fn walk(e: &Elem, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
            out.push(path.clone());
            for (i, c) in e.children.iter().enumerate() {
                if let Node::Elem(ch) = c {
                    path.push(i);
                    walk(ch, path, out);
                    path.pop();
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut Vec::new(), &mut out);
        out
    }

    pub fn get_mut(&mut self, path: &[usize]) -> Option<&mut Elem> {
        let mut e = &mut self.root;
        for i in path {
            e = match e.children.get_mut(*i)? {
                Node::Elem(c) => c,
                Node::Raw(_) => return None,
            };
        }
        Some(e)
    }

    pub fn all_names(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        fn walk(e: &Elem, v: &mut Vec<String>) {
            if !v.contains(&e.name) {
                v.push(e.name.clone());
            }
            for c in &e.children {
                if let Node::Elem(c) = c {
                    walk(c, v);
                }
            }
        }
        walk(&self.root, &mut v);
        v
    }
}

/// splitmix64: small, deterministic.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        if v.is_empty() {
            None
        } else {
            v.get(self.below(v.len()))
        }
    }
}

fn text_of(e: &Elem) -> Option<String> {
    if e.children
        .iter()
        .all(|c| matches!(c, Node::Raw(t) if !t.starts_with("<!--") && !t.starts_with("<?")))
    {
        let t: String = e
            .children
            .iter()
            .map(|c| if let Node::Raw(t) = c { t.as_str() } else { "" })
            .collect();
        Some(t)
    } else {
        None
    }
}

/// Corruptions for a text value, chosen by its shape.
fn corruptions(t: &str) -> Vec<String> {
    let t = t.trim();
    let mut v: Vec<String> = Vec::new();
    let is_int = !t.is_empty()
        && t.trim_start_matches(['-', '+'])
            .bytes()
            .all(|b| b.is_ascii_digit());
    let is_num = t.parse::<f64>().is_ok();
    if is_int {
        v.extend(
            [
                "-1",
                "4294967296",
                "1.5",
                "12a",
                "99999999999999999999999",
                "+7",
                "007",
                "2147483648",
                "-2147483649",
                "101",
                "0",
            ]
            .map(String::from),
        );
        v.push(format!(" {t} "));
    } else if is_num || matches!(t, "INF" | "-INF" | "NaN") {
        v.extend(
            [
                "1e400", "NaN", "INF", "-INF", "+INF", "1,5", ".", "1.5e3", "1.e2", "abc", "-0",
                "1E",
            ]
            .map(String::from),
        );
        v.push(format!(" {t} "));
    } else if t.len() >= 10 && t.as_bytes().get(4) == Some(&b'-') && t.contains('T') {
        v.push(format!("{}13{}", &t[..5], &t[7..]));
        v.push(format!("{}02-30{}", &t[..5], &t[10..]));
        v.push(format!("{t}+02:00"));
        v.push(t.trim_end_matches('Z').to_owned());
        v.push(format!("0000{}", &t[4..]));
        v.push(t.replacen('T', " ", 1));
        v.push("2020-01-01T24:00:00Z".into());
        v.push("2020-01-01T23:59:60Z".into());
        v.push("2020-01-01T10:00:00.5Z".into());
        v.push(format!(" {t} "));
    } else if t.starts_with('P') || t.starts_with("-P") {
        v.extend(
            [
                "P1H",
                "PT1.5M",
                "PT",
                "P",
                "PT1H30M",
                "-PT1H",
                "P1W",
                "PT0S",
                "1H",
                "P1Y2M3DT4H5M6S",
                "PT1M1H",
            ]
            .map(String::from),
        );
        v.push(format!(" {t} "));
    } else if t == "true" || t == "false" {
        v.extend(["TRUE", "1", "0", "yes", " true ", ""].map(String::from));
    } else {
        v.push(format!("{t}x"));
        v.push(t.to_uppercase());
        v.push(t.to_lowercase());
        v.push(String::new());
        v.push(format!(" {t}"));
        v.push("x-custom".into());
        v.push("a".repeat(300));
    }
    v.retain(|c| c != t);
    v
}

/// Produce mutant number `n` of `doc` (deterministic in `seed`), with a label saying what
/// was done; `None` when the chosen mutation does not apply.
pub fn mutate(doc: &Doc, seed: u64) -> Option<(String, String)> {
    let mut rng = Rng(seed);
    let mut d = doc.clone();
    let paths = doc.element_paths();
    let path = rng.pick(&paths)?.clone();
    let kind = rng.below(9);
    let label;
    match kind {
        // drop, duplicate, reorder: need a parent
        0..=2 => {
            let (&idx, parent_path) = path.split_last()?;
            let parent = d.get_mut(parent_path)?;
            match kind {
                0 => {
                    let removed = parent.children.remove(idx);
                    let Node::Elem(e) = removed else { return None };
                    label = format!("drop {}", e.name);
                }
                1 => {
                    let c = parent.children.get(idx)?.clone();
                    let Node::Elem(e) = &c else { return None };
                    label = format!("duplicate {}", e.name);
                    parent.children.insert(idx + 1, c);
                }
                _ => {
                    let next = (idx + 1..parent.children.len())
                        .find(|i| matches!(parent.children[*i], Node::Elem(_)))?;
                    parent.children.swap(idx, next);
                    label = "reorder siblings".to_string();
                }
            }
        }
        3 => {
            let names = doc.all_names();
            let other = rng.pick(&names)?.clone();
            let e = d.get_mut(&path)?;
            let new = if rng.below(2) == 0 {
                format!("{}X", e.name)
            } else {
                other
            };
            if new == e.name {
                return None;
            }
            label = format!("rename {} to {new}", e.name);
            e.name = new;
        }
        4..=6 => {
            let e = d.get_mut(&path)?;
            let t = text_of(e)?;
            if t.trim().is_empty() && !e.children.is_empty() {
                return None;
            }
            let c = corruptions(&t);
            let new = rng.pick(&c)?.clone();
            label = format!("text of {}: {:?} -> {:?}", e.name, t.trim(), new);
            e.children = if new.is_empty() {
                Vec::new()
            } else {
                vec![Node::Raw(new)]
            };
        }
        7 => {
            let e = d.get_mut(&path)?;
            let attr = [
                " bogus=\"1\"",
                " xml:lang=\"en\"",
                " xsi:nil=\"true\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
            ];
            let a = *rng.pick(&attr)?;
            label = format!("attribute{a} on {}", e.name);
            e.attrs = format!("{a}{}", e.attrs);
        }
        _ => {
            let e = d.get_mut(&path)?;
            // Corrupt the value of a non-namespace attribute.
            let attrs = e.attrs.clone();
            let spots: Vec<usize> = attrs
                .match_indices("=\"")
                .map(|(i, _)| i)
                .filter(|i| {
                    !attrs[..*i]
                        .rsplit(' ')
                        .next()
                        .unwrap_or("")
                        .starts_with("xmlns")
                })
                .collect();
            let at = *rng.pick(&spots)?;
            let v = [("x", true), ("", false), (" ", true)];
            let (ins, keep) = *rng.pick(&v)?;
            let close = attrs[at + 2..].find('"')? + at + 2;
            let new = if keep {
                format!("{}{}{}", &attrs[..close], ins, &attrs[close..])
            } else {
                format!("{}{}", &attrs[..at + 2], &attrs[close..])
            };
            label = format!("attribute value on {}: {:?}", e.name, &new[at..]);
            e.attrs = new;
        }
    }
    Some((label, d.to_xml()))
}
