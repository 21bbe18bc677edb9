//! Decoded oadrPolls, remembered by their exact bytes.
//!
//! A VEN's oadrPoll never changes: it carries only the venID (spec digest §2), so a VEN
//! polling every few seconds sends the same bytes each time, and most of the payloads a busy
//! VTN receives are such repeats. Decoding (schema validation, typed decode, conformance
//! checks) is a pure function of the bytes and the codec, so the [`Message`] decoded from the
//! same bytes before is the answer again; the memo skips that work for a repeated poll.
//!
//! What it keeps is narrow on purpose: only payloads that decoded to an [`Message::Poll`],
//! only bodies of at most [`MAX_BODY`] bytes, and the key is the whole body compared byte for
//! byte (the hash only finds the slot). Anything else takes the full decode every time.
//! Signed polls carry a fresh nonce and timestamp in each message (§10), so they never repeat
//! and the verifier still sees every one before the memo is asked.
//!
//! Memory is bounded: two generations of at most [`GENERATION`] entries each; when the
//! current one fills, it becomes the old one and the previous old one is dropped. A hit in the
//! old generation moves the entry to the current one, so VENs that keep polling stay in.

use crate::model::Message;
use std::sync::Mutex;

/// Keyed by whole bodies of up to [`MAX_BODY`] bytes that any peer chooses: foldhash with a
/// per-process random seed, which costs a fraction of SipHash over such keys and still keeps
/// the bucket of a given body unpredictable to the peer. The key comparison is exact.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Largest body remembered (an oadrPoll is about 600 bytes with the customary namespace
/// declarations).
pub(crate) const MAX_BODY: usize = 2048;

/// Entries per generation: at most twice this many polls are remembered.
pub(crate) const GENERATION: usize = 8192;

#[derive(Debug, Default)]
struct Generations {
    current: HashMap<Box<[u8]>, Message>,
    old: HashMap<Box<[u8]>, Message>,
}

/// The memo (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct PollMemo {
    inner: Mutex<Generations>,
}

impl PollMemo {
    /// The poll decoded from exactly these bytes before, if remembered.
    pub(crate) fn get(&self, body: &[u8]) -> Option<Message> {
        if body.len() > MAX_BODY {
            return None;
        }
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = g.current.get(body) {
            return Some(m.clone());
        }
        let (key, message) = g.old.remove_entry(body)?;
        let out = message.clone();
        g.insert(key, message);
        Some(out)
    }

    /// Remember `message`, decoded from `body`, when it is a poll.
    pub(crate) fn remember(&self, body: &[u8], message: &Message) {
        if body.len() > MAX_BODY || !matches!(message, Message::Poll(_)) {
            return;
        }
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.insert(body.into(), message.clone());
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.current.len() + g.old.len()
    }
}

impl Generations {
    fn insert(&mut self, key: Box<[u8]>, message: Message) {
        if self.current.len() >= GENERATION {
            self.old = std::mem::take(&mut self.current);
        }
        self.current.insert(key, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Poll, RequestEvent};

    fn poll(v: &str) -> Message {
        Poll { ven_id: v.into() }.into()
    }

    #[test]
    fn a_repeated_poll_is_answered_from_the_memo_byte_for_byte() {
        let m = PollMemo::default();
        m.remember(b"<poll a/>", &poll("a"));
        assert_eq!(m.get(b"<poll a/>"), Some(poll("a")));
        // One byte more or less is another payload.
        assert_eq!(m.get(b"<poll a/> "), None);
        assert_eq!(m.get(b"<poll a/"), None);
    }

    #[test]
    fn only_polls_of_bounded_size_are_kept() {
        let m = PollMemo::default();
        let other: Message = RequestEvent {
            request_id: "r".into(),
            ven_id: "a".into(),
            reply_limit: None,
        }
        .into();
        m.remember(b"<request/>", &other);
        assert_eq!(m.get(b"<request/>"), None);
        let big = vec![b' '; MAX_BODY + 1];
        m.remember(&big, &poll("a"));
        assert_eq!(m.get(&big), None);
        assert_eq!(m.len(), 0);
    }

    #[test]
    fn memory_is_bounded_and_polling_vens_stay_in() {
        let m = PollMemo::default();
        m.remember(b"keep", &poll("keep"));
        for i in 0..(3 * GENERATION) {
            m.remember(format!("ven-{i}").as_bytes(), &poll("x"));
            // The VEN that keeps polling is found each time (and moved up when old).
            if i % (GENERATION / 2) == 0 {
                assert_eq!(m.get(b"keep"), Some(poll("keep")), "after {i}");
            }
        }
        assert!(m.len() <= 2 * GENERATION, "{} entries", m.len());
        assert_eq!(m.get(b"ven-0"), None, "the oldest are dropped");
    }

    /// The XML codec, counting its decodes.
    #[derive(Debug, Default)]
    struct Counting(std::sync::atomic::AtomicUsize);

    impl crate::vtn::codec::Codec for Counting {
        fn decode(&self, body: &[u8]) -> Result<Message, crate::vtn::codec::DecodeError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            crate::vtn::codec::XmlCodec::default().decode(body)
        }
        fn encode(&self, message: &Message) -> Result<Vec<u8>, String> {
            crate::vtn::codec::XmlCodec::default().encode(message)
        }
        fn content_type(&self) -> &'static str {
            crate::transport::CONTENT_TYPE
        }
    }

    #[test]
    fn a_vtn_decodes_a_repeated_poll_once_and_still_authenticates_every_one() {
        use crate::engine::vtn::AllowListPolicy;
        use crate::model::{CreatePartyRegistration, ResponseCode};
        use crate::transport::Service;
        use std::sync::atomic::Ordering;
        let codec = std::sync::Arc::new(Counting::default());
        let vtn = crate::vtn::Vtn::builder(std::sync::Arc::new(crate::store::MemoryStore::new()))
            .policy(std::sync::Arc::new(AllowListPolicy::accept_any()))
            .codec(codec.clone())
            .build()
            .unwrap();
        let send = |service, m: &Message| {
            let body = crate::model::encode(m).unwrap();
            crate::model::decode(&vtn.handle_payload(service, None, &body).body).unwrap()
        };
        let registered = send(
            Service::EiRegisterParty,
            &CreatePartyRegistration::pull("r1", "memo").into(),
        );
        let Message::CreatedPartyRegistration(c) = registered else {
            panic!("{registered:?}")
        };
        let ven_id = c.ven_id.unwrap();
        let before = codec.0.load(Ordering::Relaxed);
        for _ in 0..3 {
            match send(Service::OadrPoll, &poll(&ven_id)) {
                Message::Response(r) => assert_eq!(r.response.response_code, ResponseCode::OK),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(codec.0.load(Ordering::Relaxed) - before, 1, "decoded once");
        // The memo spares the decode, not the engine: a poll naming a VEN that is not
        // registered is refused each time (§9: 452/463).
        for _ in 0..2 {
            match send(Service::OadrPoll, &poll("nobody")) {
                Message::Response(r) => assert!(r.response.response_code.0 >= 400, "{r:?}"),
                other => panic!("{other:?}"),
            }
        }
        // A poll posted to another service is still refused by the engine (454).
        match send(Service::EiEvent, &poll(&ven_id)) {
            Message::Response(r) => assert!(r.response.response_code.0 >= 400, "{r:?}"),
            other => panic!("{other:?}"),
        }
    }
}
