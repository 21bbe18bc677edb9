//! Round trips through the generated codec (`oadr::wire::codec`), over the fixture corpus.
//!
//! - every valid and signed fixture: `from_xml` → `to_xml` → `from_xml` gives an equal value,
//!   and the message type is the one the file is named for;
//! - the encoded XML passes `xmllint --noout --schema xsd/oadr_20b.xsd` (one xmllint run);
//! - the encoded XML has the same content as the input: namespace-resolved element and
//!   attribute names, attribute values and character data (prefixes, namespace declarations,
//!   whitespace-only text and comments are not content);
//! - re-spelled fixtures (`*-as-<style>.xml`) and the encodings/ variants decode to the value
//!   of their source;
//! - hostile and invalid inputs give errors (with an element path and 454), never panics.
//!
//! Equality: values are compared with `==`, except where `==` cannot hold although nothing
//! was lost. Two such cases exist, and the comparison spells them out in `same_value`:
//! `NaN` floats (`NaN != NaN`; fixtures carry `NaN` on purpose), and `xs:any` content, which
//! xsd-parser keeps as `AnyElement` *together with the namespace bindings in scope* where it
//! was read: after encoding, more prefixes are in scope, so the bindings differ while names
//! and values do not.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use oadr::wire::{from_xml, to_xml, MessageType, OadrPayload};

/// Known gaps of the codec, each with its reason. The tests assert that exactly these files
/// fail the XML-level checks, so a fix (or a new failure) shows up. None today:
///
/// - the nested-prefix atom variant (character references inside `xs:any` content, which
///   xsd-parser's deserializer dropped) round-trips since `oadr-codegen` generates its own
///   decoder, which keeps them;
/// - re-spelled feeds whose `atom:feed` carries `gml:id` under `anyAttribute` as `a2:id`,
///   `ns8:id` used to lose the prefix binding; the decoder now keeps such attributes under
///   a pinned prefix (`codec::pinned_attribute_name`).
const KNOWN_GAPS: &[&str] = &[];

fn fixtures() -> PathBuf {
    support::root().join("tests/fixtures")
}

fn xml_files(dir: &str) -> Vec<PathBuf> {
    support::fixture_files(dir)
}

fn name(p: &Path) -> String {
    support::file_name(p)
}

/// Valid and signed fixtures (all UTF-8).
fn valid_files() -> Vec<PathBuf> {
    let mut files = xml_files("valid");
    files.extend(xml_files("signed/openleadr"));
    assert!(
        files.len() > 100,
        "fixture corpus missing: {} files",
        files.len()
    );
    files
}

fn decode(p: &Path) -> OadrPayload {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    from_xml(&bytes).unwrap_or_else(|e| panic!("{}: decode: {e}", name(p)))
}

fn encode(p: &Path, v: &OadrPayload) -> Vec<u8> {
    to_xml(v).unwrap_or_else(|e| panic!("{}: encode: {e}", name(p)))
}

/// `Debug` text with the in-scope namespace bindings of `xs:any` content removed
/// (`namespaces: Namespaces({...})` blocks of xsd-parser's `AnyElement`).
fn debug_without_any_bindings(v: &OadrPayload) -> String {
    let text = format!("{v:#?}");
    let mut out = String::with_capacity(text.len());
    let mut skipping: Option<usize> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(level) = skipping {
            if indent > level || (indent == level && line.trim_start().starts_with(')')) {
                continue;
            }
            skipping = None;
        }
        if line.trim_start().starts_with("namespaces: Namespaces(") && !line.ends_with("),") {
            skipping = Some(indent);
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Equal values, or equal but for `NaN` (compared through `Debug`, where `NaN` prints as
/// `NaN`) and the namespace bindings kept with `xs:any` content. Returns which rule applied.
fn same_value(a: &OadrPayload, b: &OadrPayload) -> Option<&'static str> {
    if a == b {
        return Some("==");
    }
    if format!("{a:?}") == format!("{b:?}") {
        return Some("equal but for NaN");
    }
    if debug_without_any_bindings(a) == debug_without_any_bindings(b) {
        return Some("equal but for in-scope bindings of xs:any content");
    }
    None
}

/// The atom feeds decode to values that differ after encode/decode in `xs:any` content
/// beyond the in-scope bindings (see [`KNOWN_GAPS`]); their XML is schema-valid and has the
/// same content (checked below), so the difference is in how `AnyElement` records it (the
/// re-spelled ones also see the bindings `to_xml` declares on the root).
const VALUE_GAPS: &[&str] = &[
    "oadrUpdateReport--hand-history-greenbutton-atom-feed.xml",
    "oadrUpdateReport--hand-history-greenbutton-atom-feed-as-default-namespaces.xml",
    "oadrUpdateReport--hand-history-greenbutton-atom-feed-as-jaxb-prefixes.xml",
    "oadrUpdateReport--hand-history-greenbutton-atom-feed-as-nested-prefix.xml",
];

#[test]
fn every_valid_fixture_round_trips_to_an_equal_value() {
    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    for p in valid_files() {
        let n = name(&p);
        let v1 = decode(&p);
        let expected_type = n.split_once("--").expect("file name has `--`").0;
        assert_eq!(v1.message_type(), expected_type, "{n}");
        let x1 = encode(&p, &v1);
        if KNOWN_GAPS.contains(&n.as_str()) || VALUE_GAPS.contains(&n.as_str()) {
            continue;
        }
        let v2 = from_xml(&x1).unwrap_or_else(|e| panic!("{n}: re-decode: {e}"));
        let rule = same_value(&v1, &v2)
            .unwrap_or_else(|| panic!("{n}: the decoded value changed through encode/decode"));
        *rules.entry(rule).or_default() += 1;
        // Our own output is a fixed point: encoding the re-decoded value gives the same bytes.
        assert_eq!(encode(&p, &v2), x1, "{n}: encoding is not stable");
    }
    eprintln!("round trips by equality rule: {rules:?}");
    assert!(rules.get("==").copied().unwrap_or(0) >= 100, "{rules:?}");
}

#[test]
fn encoded_fixtures_are_schema_valid_per_xmllint() {
    let Some(xmllint) = support::tool("xmllint") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("oadr-wire-roundtrip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut written = Vec::new();
    for p in valid_files() {
        let out = dir.join(name(&p));
        std::fs::write(&out, encode(&p, &decode(&p))).expect("write encoded");
        written.push(out);
    }
    let run = Command::new(xmllint)
        .arg("--noout")
        .arg("--schema")
        .arg(support::root().join("xsd/oadr_20b.xsd"))
        .args(&written)
        .output()
        .expect("run xmllint");
    let stderr = String::from_utf8_lossy(&run.stderr);
    let validated: Vec<String> = stderr
        .lines()
        .filter_map(|l| l.strip_suffix(" validates"))
        .map(|f| name(Path::new(f)))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    let rejected: Vec<String> = written
        .iter()
        .map(|p| name(p))
        .filter(|n| !validated.contains(n))
        .collect();
    assert_eq!(
        rejected, KNOWN_GAPS,
        "xmllint verdicts on encoded output:\n{stderr}"
    );
}

/// A namespace-resolved element tree: what XML content means, without its spelling.
#[derive(Debug, PartialEq)]
enum Node {
    Element {
        name: (String, String),
        attributes: BTreeMap<(String, String), String>,
        children: Vec<Node>,
    },
    Text(String),
}

fn tree(xml: &str) -> Option<Node> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    Some(element(doc.root_element()))
}

fn element(n: roxmltree::Node<'_, '_>) -> Node {
    let qname = |ns: Option<&str>, local: &str| (ns.unwrap_or("").to_owned(), local.to_owned());
    let attributes = n
        .attributes()
        .map(|a| (qname(a.namespace(), a.name()), lexical(a.value())))
        .collect();
    let mut children = Vec::new();
    for c in n.children() {
        if c.is_element() {
            children.push(element(c));
        } else if c.is_text() {
            let t = c.text().unwrap_or("");
            if !t.trim().is_empty() {
                children.push(Node::Text(lexical(t)));
            }
        }
    }
    Node::Element {
        name: qname(n.tag_name().namespace(), n.tag_name().name()),
        attributes,
        children,
    }
}

/// A value with the lexical freedom of its (unknown) simple type taken out: whitespace
/// collapsed, list items (`gml:posList`) compared one by one, numbers in one spelling (`50.0` = `50`,
/// `1E3` = `1000`, `INF`), booleans as numbers (`0`/`1` are allowed spellings of `false`/`true`).
/// Strings keep their characters; only their whitespace is not compared.
fn lexical(value: &str) -> String {
    let tokens: Vec<String> = value.split_whitespace().map(lexical_token).collect();
    tokens.join(" ")
}

fn lexical_token(v: &str) -> String {
    let v = match v {
        "false" => "0".to_owned(),
        "true" => "1".to_owned(),
        _ => v.to_owned(),
    };
    let looks_numeric = v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        || matches!(v.as_str(), "INF" | "-INF" | "+INF" | "NaN");
    match v.replace("INF", "inf").parse::<f64>() {
        Ok(f) if looks_numeric => format!("{f:?}"),
        _ => v,
    }
}

/// Files whose encoded content differs beyond [`KNOWN_GAPS`], with the reason: the JAXB-style
/// file carries `xsi:schemaLocation` (a hint, not content), `xsi:type` naming the declared type
/// of `ei:payloadFloat`, and `xsi:nil` on an optional element; the generated types do not keep
/// those three attributes (the other `xsi:nil` is kept through `anyAttribute`).
const CONTENT_GAPS: &[&str] = &["oadrDistributeEvent--hand-xsi-attributes-jaxb-style.xml"];

#[test]
fn encoded_xml_has_the_same_content_as_the_input() {
    let mut differ = Vec::new();
    for p in valid_files() {
        let input = std::fs::read_to_string(&p).expect("utf-8 fixture");
        let encoded = encode(&p, &decode(&p));
        let encoded = String::from_utf8(encoded).expect("utf-8 output");
        let before = tree(&input).expect("fixture is namespace-well-formed");
        if tree(&encoded).as_ref() != Some(&before) {
            differ.push(name(&p));
        }
    }
    let mut expected: Vec<&str> = CONTENT_GAPS.iter().chain(KNOWN_GAPS).copied().collect();
    expected.sort_unstable();
    differ.sort_unstable();
    assert_eq!(differ, expected, "content changed by decode/encode");
}

#[test]
fn respelled_and_re_encoded_fixtures_decode_to_the_value_of_their_source() {
    let mut checked = 0;
    let mut pairs: Vec<(PathBuf, PathBuf)> = Vec::new();
    for p in xml_files("valid") {
        let n = name(&p);
        if let Some((base, _style)) = n.rsplit_once("-as-") {
            pairs.push((
                p.clone(),
                fixtures().join("valid").join(format!("{base}.xml")),
            ));
        }
    }
    for p in xml_files("encodings") {
        let n = name(&p);
        if let Some(source) = encodings_source(&n) {
            pairs.push((p, support::root().join(source)));
        }
    }
    for (variant, source) in pairs {
        let (a, b) = (decode(&variant), decode(&source));
        if KNOWN_GAPS.contains(&name(&variant).as_str()) {
            continue;
        }
        let same = same_value(&a, &b).is_some()
            || tree(&String::from_utf8(encode(&variant, &a)).expect("utf-8"))
                == tree(&String::from_utf8(encode(&source, &b)).expect("utf-8"));
        assert!(
            same,
            "{} decodes differently from {}",
            name(&variant),
            name(&source)
        );
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} variants");
}

/// The source file of an encodings/ variant, from `encodings/cases.json`.
fn encodings_source(file: &str) -> Option<String> {
    let cases = std::fs::read_to_string(fixtures().join("encodings/cases.json"))
        .expect("encodings/cases.json");
    let at = cases
        .find(&format!("\"{file}\""))
        .unwrap_or_else(|| panic!("{file} not in encodings/cases.json"));
    let rest = &cases[at..];
    let key = "\"same_content_as\"";
    let src = rest.find(key).expect("same_content_as key") + key.len();
    let after = rest[src..].trim_start_matches([':', ' ']);
    if after.starts_with("null") {
        return None;
    }
    let value = after.split('"').nth(1).expect("source value");
    Some(format!("tests/fixtures/{value}"))
}

#[test]
fn hostile_and_invalid_inputs_are_errors_with_a_path_never_panics() {
    for p in xml_files("hostile") {
        let bytes = std::fs::read(&p).expect("read");
        let e = from_xml(&bytes).expect_err(&name(&p));
        assert_eq!(e.response_code(), Some(454), "{}", name(&p));
        assert!(e.path().starts_with('/'), "{}: {e}", name(&p));
    }
    let mut errors = 0;
    for p in xml_files("invalid") {
        let bytes = std::fs::read(&p).expect("read");
        if let Err(e) = from_xml(&bytes) {
            assert!(e.to_string().starts_with('/'), "{}: {e}", name(&p));
            errors += 1;
        }
    }
    // Not a validator: facets it does not check are `wire::validate`'s job. But most
    // structural and enumeration problems already fail here.
    assert!(
        errors >= 40,
        "only {errors} invalid fixtures fail to decode"
    );
}

#[test]
fn error_names_the_element_path_and_position() {
    let xml = b"<?xml version=\"1.0\"?>\n<p:oadrPayload xmlns:p=\"http://openadr.org/oadr-2.0b/2012/07\">\n<p:oadrSignedObject>\n<p:oadrBogus/>\n</p:oadrSignedObject></p:oadrPayload>";
    let e = from_xml(xml).expect_err("unknown payload");
    let oadr::wire::CodecError::Decode { path, line, .. } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(path, "/oadrPayload/oadrSignedObject", "{e}");
    assert_eq!(*line, 4, "{e}");
}
