//! Differential test of the generated decoder against xsd-parser's deserializer (its oracle
//! while both exist): for every fixture, the fuzz corpus and mutants of the valid fixtures,
//! both give equal values, and a message one refuses the other refuses too.

mod mutants;
mod support;

use std::path::PathBuf;

use oadr::wire::codec::from_xml_legacy;
use oadr::wire::{from_xml, validate, Limits};

fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![support::root().join("tests/fixtures")];
    dirs.push(support::root().join("fuzz/corpus/decode"));
    while let Some(d) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_none_or(|x| x == "xml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn generated_decoder_equals_xsd_parser_deserializer() {
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for (fi, f) in files().iter().enumerate() {
        let bytes = std::fs::read(f).expect("read");
        let name = f.display().to_string();
        if name.contains("/valid/") || name.contains("/signed/") {
            if let Some(doc) = mutants::parse(&bytes) {
                for j in 0..24u64 {
                    if let Some((label, xml)) = mutants::mutate(&doc, (fi as u64) << 20 | j) {
                        inputs.push((format!("{label} of {name}"), xml.into()));
                    }
                }
            }
        }
        inputs.push((name, bytes));
    }
    let (mut equal, mut both_refuse, mut kept_references, mut stricter) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    for (name, bytes) in &inputs {
        let old = from_xml_legacy(bytes);
        let new = from_xml(bytes);
        let valid = validate(bytes, &Limits::default()).is_ok();
        match (&old, &new) {
            (Ok(a), Ok(b)) if a == b || debug(a) == debug(b) => equal += 1,
            // The old deserializer dropped entity and character references (`&#51;`) in
            // `xs:any` content; the new one keeps them as escaped text.
            (Ok(a), Ok(b)) if dropped_references(&debug(a), &debug(b)) => kept_references += 1,
            (Ok(a), Ok(b)) => {
                problems.push(format!("{name}: values differ\n old: {a:?}\n new: {b:?}"))
            }
            (Err(_), Err(_)) => both_refuse += 1,
            // Stricter on schema-invalid input (root element name, trailing content, minOccurs
            // of repeated elements), which `wire::decode` refuses anyway.
            (Ok(_), Err(_)) if !valid => stricter += 1,
            (Ok(_), Err(e)) => problems.push(format!("{name}: new refuses a valid message: {e}")),
            (Err(e), Ok(_)) => problems.push(format!("{name}: old refuses (valid={valid}): {e}")),
        }
    }
    for p in &problems {
        eprintln!("{p}");
    }
    eprintln!(
        "{} inputs: {equal} equal, {kept_references} equal but for references kept in xs:any \
         content, {both_refuse} refused by both, {stricter} invalid ones refused by the new decoder only, \
         {} problems",
        inputs.len(),
        problems.len()
    );
    assert!(problems.is_empty(), "{} disagreements", problems.len());
}

/// Debug output with the `Namespaces` maps (hash maps) in sorted order; also compares NaN
/// payload values equal (PartialEq does not).
fn debug(v: &oadr::wire::OadrPayload) -> String {
    let text = format!("{v:?}");
    let re = regex::Regex::new(r"Namespaces\(\{([^}]*)\}\)").expect("regex");
    let entry = regex::Regex::new(r#"Key\("[^"]*"\): Value\("[^"]*"\)"#).expect("regex");
    re.replace_all(&text, |c: &regex::Captures<'_>| {
        let mut entries: Vec<&str> = entry.find_iter(&c[1]).map(|m| m.as_str()).collect();
        entries.sort_unstable();
        format!("Namespaces({{{}}})", entries.join(", "))
    })
    .into_owned()
}

/// `new` is `old` with `Text("&...;")` values added (references the old decoder dropped).
fn dropped_references(old: &str, new: &str) -> bool {
    let after = regex::Regex::new(r#", Text\("&[^"]*;"\)"#).expect("regex");
    let first = regex::Regex::new(r#"Text\("&[^"]*;"\)(, )?"#).expect("regex");
    first.is_match(new) && first.replace_all(&after.replace_all(new, ""), "") == old
}
