//! `oadr decode` and `oadr encode` end to end, through the binary.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

fn oadr(args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oadr"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run oadr");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

#[test]
fn decode_then_encode_round_trips_a_fixture() {
    let fixture =
        support::root().join("tests/fixtures/valid/oadrDistributeEvent--openleadr-four-events.xml");
    let out = oadr(&["decode", fixture.to_str().expect("utf-8 path")], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["message_type"], "oadrDistributeEvent");
    assert!(json["payload"]["events"]
        .as_array()
        .is_some_and(|e| e.len() == 4));
    let enc = oadr(&["encode", "-"], Some(&out.stdout));
    assert!(
        enc.status.success(),
        "{}",
        String::from_utf8_lossy(&enc.stderr)
    );
    let xml = String::from_utf8(enc.stdout.clone()).expect("utf-8");
    assert!(xml.contains("oadrDistributeEvent"));
    let again = oadr(&["decode", "-"], Some(&enc.stdout));
    assert!(again.status.success());
    assert_eq!(
        again.stdout, out.stdout,
        "decode(encode(decode(x))) == decode(x)"
    );
}

#[test]
fn invalid_input_is_reported_with_path_and_code() {
    let bad = br#"{"message_type": "oadrPoll", "payload": {"ven": "x"}}"#;
    let out = oadr(&["encode", "-"], Some(bad));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("-: invalid: ") && err.contains("[454]"),
        "{err}"
    );
    let currency = br#"{"message_type": "oadrCreatedPartyRegistration", "payload": {
        "response": {"response_code": 200, "request_id": "r"}, "vtn_id": "v",
        "profiles": [{"profile_name": "2.0b", "transports": [{"transport_name": "simpleHttp"}]}],
        "requested_oadr_poll_freq": "PT1.5S"}}"#;
    let out = oadr(&["encode", "-"], Some(currency));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Schema errors of the encoded XML are reported as `oadr validate` reports them.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("-: invalid: /oadrPayload/oadrSignedObject/oadrCreatedPartyRegistration/oadrRequestedOadrPollFreq/duration")
            && err.contains("(line ")
            && err.trim_end().ends_with("[454]"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing printed for invalid output");
    let out = oadr(&["decode", "-"], Some(b"<oadrPayload/>"));
    assert_eq!(out.status.code(), Some(1));
    let out = oadr(&["decode", "/nonexistent/file.xml"], None);
    assert_eq!(out.status.code(), Some(2));
}
