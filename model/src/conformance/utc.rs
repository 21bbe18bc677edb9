//! Rule 1 over the XML text: every dateTime ends in `Z`.
//!
//! The model holds `DateTime<Utc>`, so a time without `Z` (the schema pattern makes the
//! `Z` optional) or with an offset cannot be seen after decoding; this check reads the
//! message text instead.

use super::rules::RULE_1_UTC;
use super::Finding;
use quick_xml::events::Event;
use quick_xml::Reader;

/// Elements whose text is an xs:dateTime in OpenADR 2.0b payloads and signatures.
const DATE_TIME_ELEMENTS: &[&[u8]] = &[
    b"date-time",
    b"createdDateTime",
    b"modificationDateTime",
    b"statusDateTime",
    b"timestamp",
];

struct Frame {
    path_len: usize,
    last_child: Vec<u8>,
    last_count: usize,
}

/// Rule 1: report every dateTime value in `xml` that is not written in UTC (`...Z`).
/// Malformed XML is not this check's concern: it stops at the first syntax error.
pub fn check_utc_times(xml: &[u8]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut reader = Reader::from_reader(xml);
    let mut path = String::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut text: Option<String> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let local = e.local_name().as_ref().to_vec();
                push(&mut path, &mut stack, &local);
                text = DATE_TIME_ELEMENTS
                    .contains(&local.as_slice())
                    .then(String::new);
            }
            Ok(Event::Empty(e)) => {
                let local = e.local_name().as_ref().to_vec();
                push(&mut path, &mut stack, &local);
                pop(&mut path, &mut stack);
            }
            Ok(Event::Text(t)) => {
                if let (Some(buf), Ok(s)) = (text.as_mut(), t.decode()) {
                    buf.push_str(&s);
                }
            }
            Ok(Event::CData(c)) => {
                if let Some(buf) = text.as_mut() {
                    buf.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(buf) = text.as_mut() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => buf.push(c),
                        // A predefined entity (`&amp;` ...) is never part of a valid dateTime:
                        // keep a marker so the value is reported as it is not UTC.
                        _ => buf.push('&'),
                    }
                }
            }
            Ok(Event::End(_)) => {
                if let Some(value) = text.take() {
                    let v = value.trim();
                    if !v.ends_with('Z') {
                        out.push(Finding::new(
                            &RULE_1_UTC,
                            path.as_str(),
                            format!("dateTime {v:?} is not UTC (must end in Z)"),
                        ));
                    }
                }
                pop(&mut path, &mut stack);
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}

fn push(path: &mut String, stack: &mut Vec<Frame>, local: &[u8]) {
    let path_len = path.len();
    let mut index = 1;
    if let Some(parent) = stack.last_mut() {
        if parent.last_child == local {
            parent.last_count += 1;
            index = parent.last_count;
        } else {
            parent.last_child = local.to_vec();
            parent.last_count = 1;
        }
    }
    path.push('/');
    path.push_str(&String::from_utf8_lossy(local));
    if index > 1 {
        path.push_str(&format!("[{index}]"));
    }
    stack.push(Frame {
        path_len,
        last_child: Vec::new(),
        last_count: 0,
    });
}

fn pop(path: &mut String, stack: &mut Vec<Frame>) {
    if let Some(f) = stack.pop() {
        path.truncate(f.path_len);
    }
}
