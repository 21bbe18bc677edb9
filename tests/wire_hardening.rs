//! Hardening of the wire reader: DTDs and entities refused, size and depth capped, no
//! panic on truncated or corrupted input.

mod support;

use oadr::wire::{validate, ErrorKind, Limits};

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(support::root().join("tests/fixtures").join(rel)).expect("fixture")
}

#[test]
fn dtds_and_entities_are_refused() {
    for f in [
        "oadrResponse--billion-laughs.xml",
        "oadrResponse--external-dtd.xml",
        "oadrResponse--internal-entity.xml",
        "oadrResponse--parameter-entities.xml",
        "oadrResponse--xxe-external-entity.xml",
    ] {
        let e = validate(&fixture(&format!("hostile/{f}")), &Limits::default()).expect_err(f);
        assert_eq!(
            e.first().map(|e| &e.kind),
            Some(&ErrorKind::Dtd),
            "{f}: {e}"
        );
        assert_eq!(e.response_code(), 454);
    }
}

#[test]
fn deep_nesting_is_capped() {
    let doc = fixture("hostile/oadrUpdateReport--nesting-20000-deep-in-any-content.xml");
    let e = validate(&doc, &Limits::default()).expect_err("too deep");
    assert!(
        e.iter().any(|e| matches!(e.kind, ErrorKind::TooDeep(64))),
        "{e}"
    );
    // The limit is configurable: a tighter cap trips on a normal message.
    let ok = fixture("valid/oadrDistributeEvent--openleadr-one-event.xml");
    assert!(validate(&ok, &Limits::default()).is_ok());
    let tight = Limits {
        max_depth: 5,
        ..Limits::default()
    };
    let e = validate(&ok, &tight).expect_err("depth 5");
    assert!(
        matches!(e.first().map(|e| &e.kind), Some(ErrorKind::TooDeep(5))),
        "{e}"
    );
}

#[test]
fn size_is_capped() {
    let ok = fixture("valid/oadrDistributeEvent--openleadr-one-event.xml");
    let small = Limits {
        max_size: 100,
        ..Limits::default()
    };
    let e = validate(&ok, &small).expect_err("too large");
    assert!(
        matches!(
            e.first().map(|e| &e.kind),
            Some(ErrorKind::TooLarge { limit: 100, .. })
        ),
        "{e}"
    );
}

#[test]
fn every_prefix_and_byte_flip_is_handled() {
    // Truncations and single-byte corruptions of a real message: never a panic, and a
    // truncated document is never accepted.
    let doc = fixture("valid/oadrDistributeEvent--openleadr-one-event.xml");
    let end = doc.iter().rposition(|b| *b == b'>').expect("a tag");
    for cut in (0..end).step_by(7) {
        assert!(
            validate(&doc[..cut], &Limits::default()).is_err(),
            "prefix of {cut} bytes accepted"
        );
    }
    for i in (0..doc.len()).step_by(5) {
        for b in [0u8, b'<', b'&', 0xFF, b'"'] {
            let mut m = doc.clone();
            m[i] = b;
            let _ = validate(&m, &Limits::default());
        }
    }
}

#[test]
fn errors_carry_path_line_column_and_code() {
    let doc = fixture("invalid/oadrDistributeEvent--missing-vtn-id.xml");
    let e = validate(&doc, &Limits::default()).expect_err("invalid");
    let first = e.first().expect("one error");
    assert!(
        first
            .path
            .starts_with("/oadrPayload/oadrSignedObject/oadrDistributeEvent"),
        "{first}"
    );
    assert!(first.line >= 1 && first.column >= 1);
    assert_eq!(first.response_code(), 459);
    let doc = fixture("invalid/oadrDistributeEvent--date-time-month-13.xml");
    let e = validate(&doc, &Limits::default()).expect_err("invalid");
    assert_eq!(e.response_code(), 454, "{e}");
}

#[test]
fn all_errors_are_collected() {
    // Two independent problems in one message: both reported.
    let doc = fixture("valid/oadrDistributeEvent--openleadr-one-event.xml");
    let s = String::from_utf8(doc).expect("utf8");
    let s = s
        .replacen("<ei:signalType>", "<ei:signalType>x", 1)
        .replacen("<ei:eventStatus>", "<ei:eventStatus>x", 1);
    let e = validate(s.as_bytes(), &Limits::default()).expect_err("invalid");
    assert!(e.len() >= 2, "{e:?}");
}
