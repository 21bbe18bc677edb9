//! Differential test of the validating encoder (`wire::encode` without a second validation
//! pass in release builds): the verdict of the checks the encoder runs while it writes
//! (`codec::to_xml_checked`) equals `wire::validate`'s verdict on the same bytes, and every
//! document the checks accept passes `xmllint --schema xsd/oadr_20b.xsd`.
//!
//! Wire values come from: every fixture under tests/fixtures (valid, signed, invalid,
//! encodings, disputed) read by the codec alone (`from_xml`, no validation, so invalid
//! fixtures give invalid wire values); thousands of deterministic mutants of them (the
//! generator of `wire_xmllint.rs`: elements dropped, duplicated, reordered, renamed; enum
//! values, numbers, dates and durations corrupted); a table of single-field corruptions of a
//! valid payload; and generated model messages of every type (the strategies of
//! `model_wire.rs`).
//!
//! The checks may answer `Unchecked` (content they do not follow, such as `xs:any`
//! elements): `wire::encode` then validates the bytes itself. The test counts those, and
//! requires the typed corpus (no `xs:any` content) to be decided.

mod mutants;
mod support;
mod model {
    pub mod strategies;
}

use std::collections::BTreeSet;
use std::process::Command;

use oadr::wire::codec::{to_xml_checked, Verdict};
use oadr::wire::generated::oadr::OadrDistributeEvent;
use oadr::wire::{from_xml, validate, Limits, OadrPayload, SignedObjectPayload};
use proptest::prelude::*;

/// Mutants per fixture (same seeds as wire_xmllint's first 24).
const PER_FIXTURE: u64 = 24;

fn limits() -> Limits {
    Limits {
        max_size: usize::MAX,
        ..Limits::default()
    }
}

#[derive(Default)]
struct Tally {
    valid: usize,
    invalid: usize,
    unchecked: usize,
    unencodable: usize,
    disagreements: Vec<String>,
    /// Documents the checks accepted, for xmllint.
    accepted: BTreeSet<Vec<u8>>,
}

impl Tally {
    /// Encode `payload` through the checks, compare with `wire::validate` on the bytes.
    fn check(&mut self, label: &str, payload: &OadrPayload) {
        let (xml, verdict) = match to_xml_checked(payload) {
            Ok(x) => x,
            // A character XML cannot carry: refused before any schema check.
            Err(_) => {
                self.unencodable += 1;
                return;
            }
        };
        let validator = validate(&xml, &limits());
        match (verdict, &validator) {
            (Verdict::Valid, Ok(_)) => {
                self.valid += 1;
                self.accepted.insert(xml);
            }
            (Verdict::Invalid, Err(_)) => self.invalid += 1,
            (Verdict::Unchecked, _) => self.unchecked += 1,
            (v, r) => self.disagreements.push(format!(
                "{label}: checks say {v:?}, wire::validate says {r:?}\n{}",
                String::from_utf8_lossy(&xml)
            )),
        }
    }

    fn assert_agreement(&self) {
        assert!(
            self.disagreements.is_empty(),
            "{} disagreements:\n{}",
            self.disagreements.len(),
            self.disagreements.join("\n\n")
        );
    }
}

fn fixture_documents() -> Vec<(String, Vec<u8>)> {
    let mut docs = Vec::new();
    let dirs = [
        "valid",
        "signed/openleadr",
        "invalid",
        "encodings",
        "disputed",
    ];
    for (fi, f) in dirs
        .iter()
        .flat_map(|d| support::fixture_files(d))
        .enumerate()
    {
        let bytes = std::fs::read(&f).expect("read fixture");
        let name = support::file_name(&f);
        // Mutants of the typed corpus only: the signed fixtures' ds:Object content is
        // `xs:any` (left to the validator), as their mutants would be.
        let signed = f.components().any(|c| c.as_os_str() == "signed");
        if let Some(doc) = (!signed).then(|| mutants::parse(&bytes)).flatten() {
            for j in 0..PER_FIXTURE {
                if let Some((label, xml)) = mutants::mutate(&doc, (fi as u64) << 20 | j) {
                    docs.push((format!("{label} from {name}"), xml.into_bytes()));
                }
            }
        }
        docs.push((name, bytes));
    }
    docs
}

/// `xmllint --schema` over the documents the checks accepted (in batches, one schema load
/// per batch). Skipped locally without xmllint; required under OADR_REQUIRE_ORACLES.
fn xmllint_accepts(docs: &BTreeSet<Vec<u8>>, tag: &str) {
    let Some(xmllint) = support::tool("xmllint") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("oadr-encode-check-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let files: Vec<_> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let p = dir.join(format!("{i:05}.xml"));
            std::fs::write(&p, d).expect("write");
            p
        })
        .collect();
    let schema = support::root().join("xsd/oadr_20b.xsd");
    for batch in files.chunks(200) {
        let out = Command::new(&xmllint)
            .arg("--noout")
            .arg("--schema")
            .arg(&schema)
            .args(batch)
            .output()
            .expect("run xmllint");
        assert!(
            out.status.success(),
            "xmllint refuses output the encoder's checks accepted:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn checks_agree_with_the_validator_on_fixtures_and_mutants() {
    let mut tally = Tally::default();
    let mut typed_unchecked = Vec::new();
    // Valid fixtures left to the validator because they hold content kept from the input
    // (`xs:any`, foreign attributes): listed in the output.
    let mut foreign_unchecked = Vec::new();
    let mut decoded = 0;
    for (label, bytes) in fixture_documents() {
        let Ok(payload) = from_xml(&bytes) else {
            continue;
        };
        decoded += 1;
        let before = tally.unchecked;
        tally.check(&label, &payload);
        let valid_fixture = !label.contains(" from ") && validate(&bytes, &limits()).is_ok();
        if tally.unchecked > before && valid_fixture {
            if has_foreign_content(&bytes) {
                foreign_unchecked.push(label);
            } else {
                typed_unchecked.push(label);
            }
        }
    }
    tally.assert_agreement();
    assert!(
        typed_unchecked.is_empty(),
        "valid fixtures without xs:any content left undecided: {typed_unchecked:?}"
    );
    eprintln!(
        "{decoded} documents: {} valid, {} invalid, {} unchecked, {} unencodable",
        tally.valid, tally.invalid, tally.unchecked, tally.unencodable
    );
    eprintln!(
        "valid fixtures left to the validator (foreign content): {}: {foreign_unchecked:?}",
        foreign_unchecked.len()
    );
    // The corpus must exercise both verdicts, and undecided documents must stay the exception.
    assert!(decoded > 1000, "{decoded} documents decoded");
    assert!(tally.valid > 500, "{} accepted", tally.valid);
    assert!(tally.invalid > 40, "{} refused", tally.invalid);
    assert!(
        tally.unchecked * 4 < decoded,
        "{} of {decoded} undecided",
        tally.unchecked
    );
    xmllint_accepts(&tally.accepted, "fixtures");
}

/// Replacement values for the leaf corruptions: outside enumerations, patterns, lengths,
/// ranges, and the lexical spaces of xs:dateTime, xs:duration, xs:anyURI, numbers, booleans.
const CORRUPTIONS: &[&str] = &[
    "",
    " ",
    "x",
    "-1",
    "1.5",
    "99999999999999999999",
    "2024-13-01T00:00:00Z",
    "2024-01-01T00:00:00",
    "P1Q",
    "PT",
    "http://a b/%zz",
    "true ",
    "NaN",
    "0",
];

/// Every valid typed fixture with one leaf value replaced (each leaf gets three of the
/// corruptions, rotating), as far as the codec can read it into wire values.
#[test]
fn checks_agree_with_the_validator_on_corrupted_leaf_values() {
    fn leaves(e: &mutants::Elem, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        let elems: Vec<_> = e
            .children
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c {
                mutants::Node::Elem(c) => Some((i, c)),
                mutants::Node::Raw(_) => None,
            })
            .collect();
        if elems.is_empty() {
            out.push(path.clone());
        }
        for (i, c) in elems {
            path.push(i);
            leaves(c, path, out);
            path.pop();
        }
    }
    let mut tally = Tally::default();
    let mut decoded = 0;
    let mut turn = 0;
    for f in support::fixture_files("valid") {
        let bytes = std::fs::read(&f).expect("read fixture");
        if has_foreign_content(&bytes) {
            continue;
        }
        let name = support::file_name(&f);
        let doc = mutants::parse(&bytes).expect("valid fixture parses");
        let mut paths = Vec::new();
        leaves(&doc.root, &mut Vec::new(), &mut paths);
        for path in paths {
            for _ in 0..3 {
                turn += 1;
                let value = CORRUPTIONS[turn % CORRUPTIONS.len()];
                let mut d = doc.clone();
                let Some(leaf) = d.get_mut(&path) else {
                    continue;
                };
                leaf.children = vec![mutants::Node::Raw(value.to_owned())];
                let Ok(payload) = from_xml(d.to_xml().as_bytes()) else {
                    continue;
                };
                decoded += 1;
                tally.check(&format!("{name}: leaf {path:?} = {value:?}"), &payload);
            }
        }
    }
    eprintln!(
        "{decoded} corrupted documents: {} valid, {} invalid, {} unchecked",
        tally.valid, tally.invalid, tally.unchecked
    );
    tally.assert_agreement();
    assert_eq!(tally.unchecked, 0, "typed documents are decided");
    assert!(tally.invalid > 200, "{} refused", tally.invalid);
    assert!(tally.valid > 200, "{} accepted", tally.valid);
    xmllint_accepts(&tally.accepted, "leaves");
}

/// The namespaces `wire::to_xml` declares on the root (their customary prefixes, notes §3).
const ROOT_NAMESPACES: [&str; 13] = [
    "http://www.w3.org/XML/1998/namespace",
    "http://openadr.org/oadr-2.0b/2012/07",
    "urn:ietf:params:xml:ns:icalendar-2.0:stream",
    "http://docs.oasis-open.org/ns/energyinterop/201110",
    "http://docs.oasis-open.org/ns/energyinterop/201110/payloads",
    "http://docs.oasis-open.org/ns/emix/2011/06",
    "http://docs.oasis-open.org/ns/emix/2011/06/siscale",
    "urn:ietf:params:xml:ns:icalendar-2.0",
    "urn:un:unece:uncefact:codelist:standard:5:ISO42173A:2010-04-07",
    "http://www.w3.org/2005/Atom",
    "http://www.w3.org/2000/09/xmldsig#",
    "http://docs.oasis-open.org/ns/emix/2011/06/power",
    "http://www.opengis.net/gml/3.2",
];

/// Whether the document declares a namespace other than those of the root (`xs:any`
/// content, `xsi:` attributes): the checks leave such documents to the validator.
fn has_foreign_content(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.split("xmlns").skip(1).any(|rest| {
        let Some(value) = rest.split_once('=').map(|(_, v)| v.trim_start()) else {
            return false;
        };
        let Some(quote) = value.chars().next() else {
            return false;
        };
        let uri = value[1..].split(quote).next().unwrap_or("");
        !ROOT_NAMESPACES.contains(&uri)
    })
}

/// The every-target-kind oadrDistributeEvent fixture with one field of its payload broken.
fn distribute_event(edit: impl FnOnce(&mut OadrDistributeEvent)) -> OadrPayload {
    let p = support::root()
        .join("tests/fixtures/valid/oadrDistributeEvent--hand-three-events-every-target-kind.xml");
    let mut payload = from_xml(&std::fs::read(p).expect("fixture")).expect("decode");
    match &mut payload.oadr_signed_object.content {
        SignedObjectPayload::OadrDistributeEvent(event) => edit(event),
        _ => panic!("not an oadrDistributeEvent"),
    }
    payload
}

type Edit = fn(&mut OadrDistributeEvent);

#[test]
fn checks_refuse_single_field_corruptions() {
    use oadr::wire::generated::xcal::{DateTimeType, DurationValueType};
    let edits: &[(&str, Edit)] = &[
        ("untouched", |_| {}),
        ("dateTime breaking the xcal pattern", |e| {
            e.oadr_event[0].ei_event.event_descriptor.created_date_time =
                DateTimeType::new("yesterday".to_owned()).expect("new does not check");
        }),
        ("dateTime without a time zone", |e| {
            e.oadr_event[0].ei_event.event_descriptor.created_date_time =
                DateTimeType::new("2024-01-01T00:00:00".to_owned()).expect("new");
        }),
        ("dateTime with month 13", |e| {
            e.oadr_event[0].ei_event.event_descriptor.created_date_time =
                DateTimeType::new("2024-13-01T00:00:00Z".to_owned()).expect("new");
        }),
        ("empty eventID", |e| {
            e.oadr_event[0].ei_event.event_descriptor.event_id = String::new();
        }),
        ("URI with a space", |e| {
            e.oadr_event[0]
                .ei_event
                .event_descriptor
                .ei_market_context
                .market_context = "http://a b/%zz".to_owned();
        }),
        ("no oadrEvent (allowed: minOccurs 0)", |e| {
            e.oadr_event.clear();
        }),
        ("no eiEventSignal (minOccurs 1)", |e| {
            e.oadr_event[0]
                .ei_event
                .ei_event_signals
                .ei_event_signal
                .clear();
        }),
        ("no interval (minOccurs 1)", |e| {
            let signal = &mut e.oadr_event[0].ei_event.ei_event_signals.ei_event_signal[0];
            signal.intervals.interval.clear();
        }),
        ("duration breaking the pattern", |e| {
            let p = &mut e.oadr_event[0].ei_event.ei_active_period.properties;
            p.duration.duration = DurationValueType("1 hour".to_owned());
        }),
    ];
    let mut tally = Tally::default();
    for (label, edit) in edits {
        tally.check(label, &distribute_event(edit));
    }
    tally.assert_agreement();
    assert_eq!(tally.unchecked, 0, "every corruption decided");
    assert!(tally.invalid >= 5, "{} refused", tally.invalid);
    xmllint_accepts(&tally.accepted, "corruptions");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Generated model messages of every type: the checks decide, and agree with the
    /// validator (a duplicate gml:id from the strategy is a refusal on both sides).
    #[test]
    fn checks_agree_with_the_validator_on_generated_messages(m in model::strategies::message()) {
        let wire = m.to_wire().map_err(|e| TestCaseError::fail(format!("to_wire: {e}")))?;
        let mut tally = Tally::default();
        tally.check("generated", &wire);
        prop_assert!(tally.disagreements.is_empty(), "{}", tally.disagreements.join("\n"));
        prop_assert_eq!(tally.unchecked, 0, "undecided");
    }
}
