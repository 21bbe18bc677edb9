//! model ↔ wire: the fixture corpus decodes into the model and survives
//! model → XML → model; encoded XML is schema-valid (xmllint); and for generated messages of
//! every type, model → wire → XML → wire → model is the identity (proptest).

mod support;
mod model {
    pub mod strategies;
}

use oadr::model::{decode, encode, Message};
use proptest::prelude::*;
use std::path::PathBuf;
use std::process::Command;

fn corpus() -> Vec<PathBuf> {
    support::fixture_files("valid")
}

fn name(p: &std::path::Path) -> String {
    support::file_name(p)
}

#[test]
fn every_valid_fixture_decodes_and_round_trips_through_the_model() {
    let files = corpus();
    assert!(files.len() >= 23);
    let mut failures = Vec::new();
    let mut types = std::collections::BTreeSet::new();
    for f in &files {
        let xml = std::fs::read(f).expect("read fixture");
        let m = match decode(&xml) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{}: decode: {e}", name(f)));
                continue;
            }
        };
        types.insert(m.message_type());
        let again = encode(&m).and_then(|x| decode(&x));
        // compare through JSON, where NaN is "NaN" (NaN != NaN as a float)
        let json = |m: &Message| serde_json::to_value(m).expect("json");
        match again {
            Ok(back) if json(&back) == json(&m) => {}
            Ok(back) => failures.push(format!("{}: round trip changed\n{m:?}\n{back:?}", name(f))),
            Err(_) if any_element_text_lost(f) => {}
            Err(e) => failures.push(format!("{}: re-encode: {e}", name(f))),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        types.len(),
        Message::TYPES.len(),
        "all 23 payload types in the corpus"
    );
}

/// Fixtures whose re-encoding xmllint rejects because of the generated wire codec, not the
/// model (the model hands it the same values it decoded). Reported to the wire layer.
const KNOWN_WIRE_CODEC_BUGS: &[(&str, &str)] = &[
    (
        "every-target-kind",
        "the codec writes the gml:id attribute of gml:FeatureCollection/gml:Polygon unqualified (`id`)",
    ),
    (
        "greenbutton-atom-feed",
        "the codec writes the xml:lang attribute of atom:feed unqualified (`lang`)",
    ),
    (
        "resource-status-and-data-quality",
        "the codec writes an infinite xs:float as Rust's `inf` instead of `INF`",
    ),
];

/// The one fixture whose Green Button feed writes CDATA sections and character references
/// inside `xs:any` content: the generated `AnyElement` drops that text, so the re-encoded
/// feed has empty values and `encode` (which validates) refuses it. Listed with the same
/// reason in tests/wire_roundtrip.rs (`KNOWN_GAPS`).
fn any_element_text_lost(f: &std::path::Path) -> bool {
    name(f) == "oadrUpdateReport--hand-history-greenbutton-atom-feed-as-nested-prefix.xml"
}

#[test]
fn encoded_fixtures_are_schema_valid() {
    let Some(xmllint) = support::tool("xmllint") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("oadr-model-wire-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut outs = Vec::new();
    for f in corpus() {
        let xml = std::fs::read(&f).expect("read");
        let m = decode(&xml).unwrap_or_else(|e| panic!("{}: {e}", name(&f)));
        let out = dir.join(name(&f));
        let xml = match encode(&m) {
            Ok(x) => x,
            Err(_) if any_element_text_lost(&f) => continue,
            Err(e) => panic!("{}: encode: {e}", name(&f)),
        };
        std::fs::write(&out, xml).expect("write");
        outs.push(out);
    }
    let out = Command::new(xmllint)
        .arg("--noout")
        .arg("--schema")
        .arg(support::root().join("xsd/oadr_20b.xsd"))
        .args(&outs)
        .output()
        .expect("run xmllint");
    let _ = std::fs::remove_dir_all(&dir);
    let report = String::from_utf8_lossy(&out.stderr);
    let failed: Vec<&str> = report
        .lines()
        .filter_map(|l| l.strip_suffix(" fails to validate"))
        .filter_map(|f| f.rsplit('/').next())
        .collect();
    let unexplained: Vec<&&str> = failed
        .iter()
        .filter(|f| !KNOWN_WIRE_CODEC_BUGS.iter().any(|(k, _)| f.contains(k)))
        .collect();
    assert!(
        unexplained.is_empty(),
        "xmllint rejected oadr's encoding of {unexplained:?}:\n{report}"
    );
}

#[test]
fn builder_messages_encode_to_schema_valid_xml() {
    use chrono::TimeZone;
    use oadr::model::*;
    let t = chrono::Utc.with_ymd_and_hms(2026, 7, 1, 14, 0, 0).unwrap();
    let event = Event::builder("e1", "http://mc.example")
        .start(t)
        .created(t)
        .simple_signal([(Duration::minutes(30), 1.0), (Duration::minutes(30), 2.0)])
        .targets(Targets::vens(["ven-1"]))
        .build();
    let m = Message::from(DistributeEvent {
        response: None,
        request_id: "r1".into(),
        vtn_id: "vtn".into(),
        events: vec![event],
    });
    let xml = encode(&m).expect("encode");
    let text = String::from_utf8(xml.clone()).expect("utf-8");
    assert!(text.contains("oadrDistributeEvent"), "{text}");
    assert_eq!(decode(&xml).expect("decode"), m);
    // a value the wire type refuses is reported with its path
    let mut bad = match m {
        Message::DistributeEvent(d) => d,
        _ => unreachable!(),
    };
    bad.events[0].event_signals[0].measurement =
        Some(ItemBase::currency(ItemKind::Currency, "XXXX"));
    let err = encode(&Message::from(bad)).expect_err("bad currency");
    assert!(
        err.to_string()
            .contains("/eiEventSignal/currency/itemUnits"),
        "{err}"
    );
    assert_eq!(err.response_code(), ResponseCode::INVALID_DATA);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// model → wire → XML → wire → model is the identity, for every message type.
    #[test]
    fn model_wire_xml_round_trip(m in model::strategies::message()) {
        let xml = match encode(&m) {
            Ok(xml) => xml,
            // The strategy can give two gml:FeatureCollections the same id; xs:ID values
            // must be unique in a document (XSD 1.0 Part 2 §3.3.8), so encode must refuse.
            Err(e) if e.to_string().contains("duplicate ID") => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(format!("encode: {e}"))),
        };
        let back = decode(&xml).map_err(|e| {
            TestCaseError::fail(format!("decode: {e}\n{}", String::from_utf8_lossy(&xml)))
        })?;
        prop_assert_eq!(back, m);
    }
}
