//! The answer most oadrPolls get — an `oadrResponse` with 200 OK, an empty requestID and the
//! VEN's venID (spec digest §2: nothing pending) — written from a template instead of through
//! the model → wire → XML → schema validation path on every poll.
//!
//! The template is produced once, by that full path (so it is schema-valid by construction),
//! with a marker venID that is then cut out. A venID is spliced in only when it consists of
//! characters that XML text carries verbatim (no escaping, no whitespace); any other answer
//! takes the full path. The unit tests check byte equality with the full path.

use crate::model::{EiResponse, Message, Response, ResponseCode};
use std::sync::OnceLock;

/// A marker no real venID contains; written verbatim by the encoder.
const MARKER: &str = "oadr-template-venID-5f0c9e";

/// Bytes before and after the venID.
type Template = (Vec<u8>, Vec<u8>);

fn template() -> Option<&'static Template> {
    static TEMPLATE: OnceLock<Option<Template>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let xml = crate::model::encode(&ok(MARKER)).ok()?;
            let at = memchr::memmem::find(&xml, MARKER.as_bytes())?;
            let after = at + MARKER.len();
            // Exactly one occurrence, or the template would be wrong.
            if memchr::memmem::find(&xml[after..], MARKER.as_bytes()).is_some() {
                return None;
            }
            Some((xml[..at].to_vec(), xml[after..].to_vec()))
        })
        .as_ref()
}

fn ok(ven_id: &str) -> Message {
    Response {
        response: EiResponse::ok(""),
        ven_id: Some(ven_id.to_owned()),
    }
    .into()
}

/// Characters XML text carries as they are (no escaping, no whitespace, no normalization).
fn verbatim(ven_id: &str) -> bool {
    !ven_id.is_empty()
        && ven_id.len() <= 256
        && ven_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:@/+=~#".contains(&b))
}

/// The encoded message when it is the plain poll answer and its venID can be spliced in;
/// `None` otherwise (encode it the usual way).
pub(crate) fn encode(message: &Message) -> Option<Vec<u8>> {
    let Message::Response(r) = message else {
        return None;
    };
    let ven_id = r.ven_id.as_deref()?;
    if r.response.response_code != ResponseCode::OK
        || r.response.response_description.as_deref() != Some("OK")
        || !r.response.request_id.is_empty()
        || !verbatim(ven_id)
    {
        return None;
    }
    let (before, after) = template()?;
    let mut out = Vec::with_capacity(before.len() + ven_id.len() + after.len());
    out.extend_from_slice(before);
    out.extend_from_slice(ven_id.as_bytes());
    out.extend_from_slice(after);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_as_the_full_encoder() {
        let long = "v".repeat(256);
        for id in [
            "ven-1",
            "a",
            "0123456789abcdef0123456789abcdef",
            "ABC_def-123.x:y@z/w+q=~#",
            long.as_str(),
        ] {
            let fast = encode(&ok(id)).unwrap_or_else(|| panic!("{id:?} takes the template"));
            let full = crate::model::encode(&ok(id)).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&full),
                "{id:?}"
            );
            assert_eq!(crate::model::decode(&fast).unwrap(), ok(id));
        }
    }

    #[test]
    fn anything_else_takes_the_full_encoder() {
        let long = "v".repeat(257);
        for id in [
            "",
            "a&b",
            "a<b",
            "a\"b",
            "a'b",
            "a b",
            "é",
            "a\u{1}",
            long.as_str(),
        ] {
            assert!(encode(&ok(id)).is_none(), "{id:?}");
        }
        let with_request = Message::from(Response {
            response: EiResponse::ok("req-1"),
            ven_id: Some("ven-1".into()),
        });
        assert!(encode(&with_request).is_none());
        let error = Message::from(Response {
            response: EiResponse {
                response_code: ResponseCode::NOT_REGISTERED_OR_AUTHORIZED,
                response_description: Some("OK".into()),
                request_id: String::new(),
            },
            ven_id: Some("ven-1".into()),
        });
        assert!(encode(&error).is_none());
        let no_ven = Message::from(Response {
            response: EiResponse::ok(""),
            ven_id: None,
        });
        assert!(encode(&no_ven).is_none());
        let poll = Message::from(crate::model::Poll {
            ven_id: "ven-1".into(),
        });
        assert!(encode(&poll).is_none());
    }
}
