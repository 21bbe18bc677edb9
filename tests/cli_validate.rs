//! The `oadr validate` contract: output lines, JSON shape and exit codes.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn oadr(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oadr"));
    c.args(args)
        .current_dir(support::root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = c.spawn().expect("spawn oadr");
    if let Some(data) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(data)
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait oadr")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const VALID: &str = "tests/fixtures/valid/oadrDistributeEvent--openleadr-one-event.xml";
const INVALID: &str = "tests/fixtures/invalid/oadrDistributeEvent--bad-signal-type.xml";

#[test]
fn valid_file_plain() {
    let o = oadr(&["validate", VALID], None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(stdout(&o), format!("{VALID}: ok (oadrDistributeEvent)\n"));
}

#[test]
fn invalid_file_plain_names_path_and_line() {
    let o = oadr(&["validate", VALID, INVALID], None);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0], format!("{VALID}: ok (oadrDistributeEvent)"));
    let prefix = format!("{INVALID}: invalid: /oadrPayload/oadrSignedObject/oadrDistributeEvent/");
    assert!(lines[1].starts_with(&prefix), "{}", lines[1]);
    assert!(
        lines[1].contains("signalType") && lines[1].contains("(line "),
        "{}",
        lines[1]
    );
}

#[test]
fn json_lines() {
    let o = oadr(&["validate", "--json", VALID, INVALID], None);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let objs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(objs.len(), 2);
    assert_eq!(objs[0]["file"], VALID);
    assert_eq!(objs[0]["valid"], true);
    assert_eq!(objs[0]["type"], "oadrDistributeEvent");
    assert_eq!(objs[0]["errors"], serde_json::json!([]));
    assert_eq!(objs[1]["valid"], false);
    assert!(objs[1]["type"].is_null());
    let e = &objs[1]["errors"][0];
    assert!(e["path"]
        .as_str()
        .is_some_and(|p| p.starts_with("/oadrPayload/oadrSignedObject/")));
    assert!(e["line"].as_u64().is_some_and(|n| n >= 1));
    assert!(e["column"].as_u64().is_some_and(|n| n >= 1));
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn directory_is_searched_recursively() {
    let o = oadr(&["validate", "tests/fixtures/signed"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let n = stdout(&o).lines().filter(|l| l.contains(": ok (")).count();
    let expected = support::fixture_files("signed/openleadr").len();
    assert_eq!(n, expected);
}

#[test]
fn stdin_dash() {
    let bytes = std::fs::read(support::root().join(VALID)).expect("read");
    let o = oadr(&["validate", "-"], Some(&bytes));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "-: ok (oadrDistributeEvent)\n");
    let o = oadr(&["validate", "--json", "-"], Some(b"<oops"));
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(v["file"], "-");
    assert_eq!(v["valid"], false);
}

#[test]
fn missing_file_is_an_io_error() {
    let o = oadr(
        &["validate", "tests/fixtures/no-such-file.xml", VALID],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-file.xml"));
}

#[test]
fn no_path_is_a_usage_error() {
    let o = oadr(&["validate"], None);
    assert_eq!(o.status.code(), Some(2));
}

/// `--conformance`: a schema-valid message that breaks rule 2 (interval uids start at 0) is
/// invalid, with the finding in the same JSON shape plus `rule` and `severity`, located at
/// the element's line and column.
#[test]
fn conformance_findings_use_the_same_shape() {
    let xml = std::fs::read_to_string(support::root().join(VALID)).expect("fixture");
    let bad = xml.replace("<text>0</text>", "<text>5</text>");
    assert_ne!(bad, xml, "the fixture has a uid 0 interval");

    let o = oadr(&["validate", "-"], Some(bad.as_bytes()));
    assert_eq!(
        o.status.code(),
        Some(0),
        "schema-valid without --conformance"
    );

    let o = oadr(
        &["validate", "--json", "--conformance", "-"],
        Some(bad.as_bytes()),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(v["valid"], false);
    assert_eq!(v["type"], "oadrDistributeEvent");
    let e = &v["errors"][0];
    assert_eq!(e["rule"], "2", "{v}");
    assert_eq!(e["severity"], "error");
    assert!(e["path"]
        .as_str()
        .unwrap()
        .starts_with("/oadrPayload/oadrSignedObject/oadrDistributeEvent/oadrEvent/eiEvent"));
    assert!(
        e["line"].as_u64().unwrap() >= 1 && e["column"].as_u64().unwrap() > 1,
        "{e}"
    );

    let o = oadr(&["validate", "--conformance", "-"], Some(bad.as_bytes()));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("-: invalid: /oadrPayload/"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("rule 2:"), "{}", stdout(&o));

    let o = oadr(&["validate", "--conformance", VALID], None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}
