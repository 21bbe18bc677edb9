//! Integrity of the message corpus in `tests/fixtures/` (see its README): what the corpus
//! promises to the other tests, checked against the oracles rather than taken on trust.
//!
//! - every payload type of `oadrSignedObject` in `xsd/oadr_20b.xsd` has valid fixtures, at least
//!   one of them captured from OpenLEADR, and every file is named for the payload it holds;
//! - `xmllint --schema xsd/oadr_20b.xsd` accepts every valid and signed file and rejects every
//!   invalid one, and `invalid/cases.json` lists exactly the invalid files;
//! - each `*-as-<style>.xml` has the same content as its source (namespace-resolved names,
//!   attributes and character data), so decoders can be held to equal results;
//! - the signed captures verify with `xmlsec1` against the certificate the manifest names (one
//!   per run and payload type);
//! - `certs/FINGERPRINTS` is what OpenLEADR's `fingerprint` script prints today;
//! - `tests/interop/parse_message.py` decodes every valid file with OpenLEADR;
//! - `disputed/cases.json` lists the disputed files, and Debian's xmllint still gives the
//!   verdicts recorded there (which differ from XML Schema 1.0's);
//! - the encodings/ variants (BOM, UTF-16, ISO-8859-1, CRLF, comments and PIs) are schema-valid
//!   and have their source's content; hostile/ is listed with what each file tries.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    support::root().join("tests/fixtures")
}

fn xml_files(dir: &str) -> Vec<PathBuf> {
    support::fixture_files(dir)
}

fn name(p: &Path) -> String {
    support::file_name(p)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The payload names in the `xs:choice` of `oadrSignedObject`, read from the schema itself.
fn payload_types() -> BTreeSet<String> {
    let xsd = read(&support::root().join("xsd/oadr_20b.xsd"));
    let start = xsd
        .find("<xs:element name=\"oadrSignedObject\">")
        .expect("oadrSignedObject declaration");
    let choice = &xsd[start..start + xsd[start..].find("</xs:choice>").expect("end of choice")];
    choice
        .split("ref=\"oadr:")
        .skip(1)
        .map(|s| s.split('"').next().expect("ref value").to_owned())
        .collect()
}

/// Local name of the element inside `oadrSignedObject`.
fn payload_of(xml: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let signed = doc
        .root_element()
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "oadrSignedObject")?;
    let payload = signed.children().find(|n| n.is_element())?;
    Some(payload.tag_name().name().to_owned())
}

#[test]
fn every_payload_type_has_valid_and_captured_fixtures_named_for_their_payload() {
    let types = payload_types();
    assert_eq!(types.len(), 23, "oadrSignedObject choice: {types:?}");
    let mut files = xml_files("valid");
    files.extend(xml_files("signed/openleadr"));
    let mut seen = BTreeSet::new();
    let mut captured = BTreeSet::new();
    for f in &files {
        let n = name(f);
        let (prefix, _) = n.split_once("--").unwrap_or_else(|| panic!("{n}: no `--`"));
        let payload = payload_of(&read(f)).unwrap_or_else(|| panic!("{n}: no payload"));
        assert_eq!(prefix, payload, "{n} holds {payload}");
        if n.contains("--openleadr-") {
            captured.insert(payload.clone());
        }
        seen.insert(payload);
    }
    assert_eq!(seen, types, "payload types with valid fixtures");
    assert_eq!(captured, types, "payload types captured from OpenLEADR");
}

/// The files xmllint reports as `<file> validates`, from one run over all of them (the schema
/// is compiled once; a file that is not well-formed gets a parser error instead).
fn xmllint_validates(xmllint: &Path, files: &[PathBuf]) -> BTreeSet<String> {
    let out = Command::new(xmllint)
        .arg("--noout")
        .arg("--schema")
        .arg(support::root().join("xsd/oadr_20b.xsd"))
        .args(files)
        .output()
        .expect("run xmllint");
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_suffix(" validates"))
        .map(str::to_owned)
        .collect()
}

fn path_str(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_owned()
}

#[test]
fn xmllint_accepts_every_valid_and_signed_fixture() {
    let Some(xmllint) = support::tool("xmllint") else {
        return;
    };
    let mut files = xml_files("valid");
    files.extend(xml_files("signed/openleadr"));
    assert!(
        files.len() > 100,
        "corpus unexpectedly small: {}",
        files.len()
    );
    let accepted = xmllint_validates(&xmllint, &files);
    let rejected: Vec<String> = files
        .iter()
        .filter(|f| !accepted.contains(&path_str(f)))
        .map(|f| name(f))
        .collect();
    assert!(rejected.is_empty(), "xmllint rejects {rejected:?}");
}

#[test]
fn xmllint_rejects_every_invalid_fixture_and_cases_json_lists_them() {
    let files = xml_files("invalid");
    let listed: BTreeSet<String> = serde_json::from_str::<Vec<serde_json::Value>>(&read(
        &fixtures().join("invalid/cases.json"),
    ))
    .expect("cases.json")
    .iter()
    .map(|c| c["file"].as_str().expect("file").to_owned())
    .collect();
    let present: BTreeSet<String> = files.iter().map(|f| name(f)).collect();
    assert_eq!(listed, present, "invalid/cases.json vs invalid/*.xml");
    let Some(xmllint) = support::tool("xmllint") else {
        return;
    };
    let validates = xmllint_validates(&xmllint, &files);
    let accepted: Vec<String> = files
        .iter()
        .filter(|f| validates.contains(&path_str(f)))
        .map(|f| name(f))
        .collect();
    assert!(accepted.is_empty(), "xmllint accepts {accepted:?}");
}

/// Namespace-resolved structure: (namespace, name) of each element, its attributes (sorted),
/// and the character data between elements, in document order; comments are ignored.
fn infoset(node: roxmltree::Node, out: &mut Vec<String>) {
    let tag = node.tag_name();
    let mut attrs: Vec<String> = node
        .attributes()
        .map(|a| {
            format!(
                "{{{}}}{}={:?}",
                a.namespace().unwrap_or(""),
                a.name(),
                a.value()
            )
        })
        .collect();
    attrs.sort();
    out.push(format!(
        "<{{{}}}{} {}>",
        tag.namespace().unwrap_or(""),
        tag.name(),
        attrs.join(" ")
    ));
    let mut text = String::new();
    for child in node.children() {
        if child.is_element() {
            out.push(format!("text {text:?}"));
            text.clear();
            infoset(child, out);
        } else if child.is_text() {
            text.push_str(child.text().unwrap_or(""));
        }
    }
    out.push(format!("text {text:?}"));
    out.push("</>".to_owned());
}

fn infoset_of(p: &Path) -> Vec<String> {
    let xml = read(p);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut out = Vec::new();
    infoset(doc.root_element(), &mut out);
    out
}

#[test]
fn respelled_fixtures_have_the_content_of_their_source() {
    let respelled: Vec<PathBuf> = xml_files("valid")
        .into_iter()
        .filter(|p| name(p).contains("-as-"))
        .collect();
    assert!(
        respelled.len() >= 15,
        "respelled fixtures: {}",
        respelled.len()
    );
    for p in respelled {
        let n = name(&p);
        let source = fixtures()
            .join("valid")
            .join(format!("{}.xml", n.rsplit_once("-as-").expect("-as-").0));
        assert_eq!(infoset_of(&p), infoset_of(&source), "{n}");
        assert_ne!(read(&p), read(&source), "{n} is spelled like its source");
    }
}

#[test]
fn signed_captures_verify_with_xmlsec1() {
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&fixtures().join("capture/manifest.json"))).expect("manifest");
    let entries: Vec<&serde_json::Value> = manifest["captures"]
        .as_object()
        .expect("captures")
        .values()
        .flat_map(|run| run["files"].as_array().expect("files").iter())
        .filter(|e| e["signed_by"].is_string())
        .collect();
    assert_eq!(
        entries.len(),
        xml_files("signed/openleadr").len(),
        "manifest vs signed/openleadr/"
    );
    let Some(xmlsec1) = support::tool("xmlsec1") else {
        return;
    };
    // One file per (run, payload type): every payload type, RSA and ECDSA, both directions,
    // without 150 xmlsec1 processes (scripts: tests/fixtures/capture/check.py checks them all).
    let mut seen = BTreeSet::new();
    let sample = entries.into_iter().filter(|e| {
        seen.insert((
            e["run"].as_str().unwrap_or("").to_owned(),
            e["message_type"].as_str().unwrap_or("").to_owned(),
        ))
    });
    for e in sample {
        let file = fixtures().join(e["file"].as_str().expect("file"));
        let cert = fixtures()
            .join("certs")
            .join(e["signed_by"].as_str().expect("signed_by"));
        let out = Command::new(&xmlsec1)
            .arg("--verify")
            .arg("--pubkey-cert-pem")
            .arg(&cert)
            .arg("--id-attr:Id")
            .arg("http://openadr.org/oadr-2.0b/2012/07:oadrSignedObject")
            .arg(&file)
            .output()
            .expect("run xmlsec1");
        assert!(
            out.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn fingerprints_file_matches_openleadrs_fingerprint_script() {
    let Some(python) = support::python() else {
        return;
    };
    let lines: Vec<(String, String)> = read(&fixtures().join("certs/FINGERPRINTS"))
        .lines()
        .map(|l| {
            let (f, fp) = l.split_once(' ').expect("`<file> <fingerprint>`");
            (f.to_owned(), fp.to_owned())
        })
        .collect();
    assert_eq!(lines.len(), 4, "FINGERPRINTS: {lines:?}");
    // What OpenLEADR's `fingerprint` console script prints (openleadr/fingerprint.py reads the
    // file as text and prints certificate_fingerprint of it), for all files in one interpreter.
    let out = Command::new(python)
        .arg("-c")
        .arg(
            "import sys\nfrom openleadr.utils import certificate_fingerprint\n\
             for f in sys.argv[1:]:\n    print(certificate_fingerprint(open(f).read()))",
        )
        .args(lines.iter().map(|(f, _)| fixtures().join("certs").join(f)))
        .output()
        .expect("run OpenLEADR's certificate_fingerprint");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let expected: Vec<String> = lines.into_iter().map(|(_, fp)| fp).collect();
    assert_eq!(printed, expected);
}

#[test]
fn openleadr_parse_message_decodes_every_valid_fixture() {
    let Some(python) = support::python() else {
        return;
    };
    let files = xml_files("valid");
    let out = Command::new(python)
        .arg(support::root().join("tests/interop/parse_message.py"))
        .args(&files)
        .output()
        .expect("run parse_message.py");
    assert!(
        out.status.success(),
        "parse_message.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), files.len());
    for (line, file) in lines.iter().zip(&files) {
        let n = name(file);
        assert_eq!(line["file"].as_str(), file.to_str(), "{n}");
        let prefix = n.split_once("--").expect("--").0;
        assert_eq!(line["message_type"].as_str(), Some(prefix), "{n}");
        assert!(line["payload"].is_object(), "{n}: {line}");
    }
}

#[test]
fn disputed_fixtures_are_listed_and_xmllint_still_disagrees_with_xsd() {
    let cases: serde_json::Value =
        serde_json::from_str(&read(&fixtures().join("disputed/cases.json")))
            .expect("disputed/cases.json");
    let list = cases["cases"].as_array().expect("cases");
    let listed: BTreeSet<String> = list
        .iter()
        .map(|c| c["file"].as_str().expect("file").to_owned())
        .collect();
    let files = xml_files("disputed");
    let present: BTreeSet<String> = files.iter().map(|f| name(f)).collect();
    assert_eq!(listed, present, "disputed/cases.json vs disputed/*.xml");
    for c in list {
        let xsd = c["xsd10_valid"].as_bool().expect("xsd10_valid");
        let disagrees =
            c["xmllint_valid"].as_bool() != Some(xsd) || c["lxml_valid"].as_bool() != Some(xsd);
        assert!(disagrees, "not a disputed case: {c}");
    }
    let Some(xmllint) = support::tool("xmllint") else {
        return;
    };
    let version = Command::new(&xmllint)
        .arg("--version")
        .output()
        .expect("xmllint --version");
    let version = String::from_utf8_lossy(&version.stderr);
    let recorded = cases["xmllint"].as_str().expect("xmllint");
    if version.lines().next().map(str::trim) != Some(recorded) {
        eprintln!("xmllint is not {recorded}: its recorded verdicts are not checked");
        return;
    }
    let validates = xmllint_validates(&xmllint, &files);
    for c in list {
        let f = fixtures()
            .join("disputed")
            .join(c["file"].as_str().expect("file"));
        assert_eq!(
            Some(validates.contains(&path_str(&f))),
            c["xmllint_valid"].as_bool(),
            "{}",
            name(&f)
        );
    }
}

/// Text of an XML file in UTF-8, UTF-16 (with BOM) or ISO-8859-1 (declared), for the
/// encodings/ fixtures; the XML declaration's encoding is left as it is (roxmltree ignores it).
fn decode_text(bytes: &[u8]) -> String {
    let utf16 = |be: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if be {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).expect("UTF-16")
    };
    match bytes {
        [0xFF, 0xFE, ..] => utf16(false),
        [0xFE, 0xFF, ..] => utf16(true),
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8(rest.to_vec()).expect("UTF-8"),
        _ if bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>") => {
            bytes.iter().map(|&b| char::from(b)).collect()
        }
        _ => String::from_utf8(bytes.to_vec()).expect("UTF-8"),
    }
}

fn infoset_of_text(xml: &str, what: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut out = Vec::new();
    infoset(doc.root_element(), &mut out);
    out
}

#[test]
fn encoding_variants_are_schema_valid_and_have_the_content_of_their_source() {
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(&read(&fixtures().join("encodings/cases.json"))).expect("cases.json");
    let files = xml_files("encodings");
    let listed: BTreeSet<String> = cases
        .iter()
        .map(|c| c["file"].as_str().expect("file").to_owned())
        .collect();
    assert_eq!(
        listed,
        files.iter().map(|f| name(f)).collect::<BTreeSet<_>>(),
        "encodings/cases.json vs encodings/*.xml"
    );
    for c in &cases {
        let file = c["file"].as_str().expect("file");
        let Some(source) = c["same_content_as"].as_str() else {
            continue;
        };
        let bytes = std::fs::read(fixtures().join("encodings").join(file)).expect("read");
        let source_bytes = std::fs::read(fixtures().join(source)).expect("read source");
        assert_ne!(bytes, source_bytes, "{file} is byte-identical to {source}");
        assert_eq!(
            infoset_of_text(&decode_text(&bytes), file),
            infoset_of_text(&decode_text(&source_bytes), source),
            "{file} vs {source}"
        );
    }
    let Some(xmllint) = support::tool("xmllint") else {
        return;
    };
    let validates = xmllint_validates(&xmllint, &files);
    let rejected: Vec<String> = files
        .iter()
        .filter(|f| !validates.contains(&path_str(f)))
        .map(|f| name(f))
        .collect();
    assert!(rejected.is_empty(), "xmllint rejects {rejected:?}");
}

#[test]
fn hostile_inputs_are_listed_with_what_they_try() {
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(&read(&fixtures().join("hostile/cases.json"))).expect("cases.json");
    let listed: BTreeSet<String> = cases
        .iter()
        .map(|c| c["file"].as_str().expect("file").to_owned())
        .collect();
    let present: BTreeSet<String> = xml_files("hostile").iter().map(|f| name(f)).collect();
    assert_eq!(listed, present, "hostile/cases.json vs hostile/*.xml");
    for c in &cases {
        assert!(c["tries"].is_string() && c["expected"].is_string(), "{c}");
    }
}
