//! `oadr demo` as a user runs it: the built binary, bounded (killed after 60 s). It must exit
//! 0 by itself, print the exchanges and the end-of-demo table with what the script did
//! (3 VENs registered, one event answered optIn twice and optOut once, one opt, readings in
//! the store), and with `--xml` / `--json` the payloads themselves.

mod support;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn demo(args: &[&str]) -> Run {
    let begin = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_oadr"))
        .arg("demo")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run oadr demo");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let o = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let e = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if begin.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = begin.elapsed();
    let stdout = o.join().unwrap();
    let stderr = e.join().unwrap();
    assert!(
        status.is_some(),
        "oadr demo did not exit within 60 s\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    Run {
        code: status.and_then(|s| s.code()),
        stdout,
        stderr,
        took,
    }
}

/// The demo exited 0 (else fail with what it printed).
fn assert_passed(r: &Run) {
    assert_eq!(
        r.code,
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        r.stdout,
        r.stderr
    );
}

fn line_with<'a>(out: &'a str, prefix: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{out}"))
}

#[test]
fn demo_runs_every_step_and_prints_the_table() {
    let r = demo(&[]);
    assert_passed(&r);
    assert!(r.took < Duration::from_secs(40), "took {:?}", r.took);
    let out = &r.stdout;
    // Exchanges, one line each, as they happened.
    for s in [
        "oadrCreatePartyRegistration → oadrCreatedPartyRegistration 200",
        "oadrRegisterReport → oadrRegisteredReport 200",
        "oadrCreatedReport → oadrResponse 200",
        "oadrPoll → oadrDistributeEvent",
        "oadrCreatedEvent → oadrResponse 200",
        "oadrCreateOpt → oadrCreatedOpt 200",
        "oadrUpdateReport → oadrUpdatedReport 200",
        "optIn event",
        "optOut event",
        "random startafter offset",
    ] {
        assert!(out.contains(s), "missing {s:?} in:\n{out}");
    }
    // The table.
    for v in ["ven-1", "ven-2", "ven-3"] {
        let row = line_with(out, &format!("{v} "));
        assert!(row.contains(" optIn ") || row.contains(" optOut "), "{row}");
    }
    assert!(line_with(out, "ven-3 ").contains(" optOut  optOut "));
    let events = line_with(out, "events:");
    assert!(events.starts_with("events:   1 ("), "{events}");
    assert!(events.contains("optIn 2, optOut 1"), "{events}");
    assert_eq!(line_with(out, "opts:").trim(), "opts:     1");
    let readings: usize = line_with(out, "readings:")
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a readings count");
    assert!(readings >= 6, "3 VENs × 2 reports at least: {readings}");
    let messages = line_with(out, "messages:");
    for ty in [
        "oadrCreatePartyRegistration 3",
        "oadrRegisterReport 3",
        "oadrDistributeEvent",
        "oadrCreateOpt 1",
        "oadrPoll",
    ] {
        assert!(messages.contains(ty), "missing {ty:?} in {messages}");
    }
    assert!(out.trim_end().ends_with("all steps passed"), "{out}");
    // No wire output without --xml.
    assert!(!out.contains("<oadr:oadrPayload") && !out.contains("oadrPayload xmlns"));
}

#[test]
fn demo_xml_and_json_print_the_payloads() {
    let r = demo(&["--xml", "--json"]);
    assert_passed(&r);
    let out = &r.stdout;
    for s in [
        "oadrDistributeEvent",
        "oadrCreatePartyRegistration",
        "oadrUpdateReport",
        "SignatureValue",
        "ReplayProtect",
        "\"message_type\": \"oadrDistributeEvent\"",
        "\"startafter\"",
    ] {
        assert!(out.contains(s), "missing {s:?}");
    }
    // The XML is printed as sent: signed payloads, one per message in each direction.
    assert!(
        out.matches("<ds:SignatureValue").count() + out.matches("SignatureValue>").count() > 10
    );
}

#[test]
fn demo_names_the_failed_step() {
    // A timeout too short for registration: exit 1, and say which step did not finish.
    let r = demo(&["--timeout", "1"]);
    assert_eq!(
        r.code,
        Some(1),
        "stdout:\n{}\nstderr:\n{}",
        r.stdout,
        r.stderr
    );
    assert!(
        r.stderr.contains("oadr demo: step '"),
        "stderr:\n{}",
        r.stderr
    );
}

#[test]
fn demo_over_push_runs_every_step_without_polling() {
    let r = demo(&["--transport", "push"]);
    assert_passed(&r);
    assert!(
        r.stdout.contains("simple HTTP push over mutual TLS"),
        "{}",
        r.stdout
    );
    assert_pushed_scenario(&r.stdout);
}

/// The scenario over a transport where the VTN sends what it initiates itself (push, XMPP):
/// that is printed by the push tap and answered in the same exchange, the VENs' own requests
/// still reach the VTN, and nobody polls.
fn assert_pushed_scenario(out: &str) {
    for s in [
        "oadrCreatePartyRegistration → oadrCreatedPartyRegistration 200",
        "oadrRegisterReport → oadrRegisteredReport 200",
        "oadrCreateReport → oadrCreatedReport 200",
        "oadrDistributeEvent → oadrResponse 200",
        "oadrCreatedEvent → oadrResponse 200",
        "oadrCreateOpt → oadrCreatedOpt 200",
        "oadrUpdateReport → oadrUpdatedReport 200",
        "optIn event",
        "optOut event",
    ] {
        assert!(out.contains(s), "missing {s:?} in:\n{out}");
    }
    let messages = line_with(out, "messages:");
    assert!(!messages.contains("oadrPoll"), "never polled: {messages}");
    assert!(line_with(out, "ven-3 ").contains(" optOut  optOut "));
    assert!(out.trim_end().ends_with("all steps passed"), "{out}");
}

/// `oadr demo --transport xmpp` starts its own Prosody (Debian package `prosody`) and runs
/// the same scenario through it, signed; the VENs never poll. Without Prosody it fails
/// naming the package: under OADR_REQUIRE_ORACLES=1 that fails this test too.
#[test]
fn demo_over_xmpp_runs_every_step_through_prosody() {
    let have_prosody = support::tool("prosody").is_some() && support::tool("openssl").is_some();
    let r = demo(&["--transport", "xmpp", "--timeout", "50"]);
    if !have_prosody {
        assert_eq!(r.code, Some(1), "{}", r.stderr);
        assert!(
            r.stderr.contains("install the Debian package `prosody`"),
            "{}",
            r.stderr
        );
        return;
    }
    assert_passed(&r);
    let out = &r.stdout;
    assert!(
        out.contains("XMPP through a Prosody started for the demo"),
        "{out}"
    );
    assert!(out.contains("on xmpp://127.0.0.1:"), "{out}");
    assert_pushed_scenario(out);
}
