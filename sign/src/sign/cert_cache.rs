//! The certificates a [`Verifier`](super::Verifier) has already parsed, by the text of their
//! `ds:X509Certificate` element: a peer sends the same certificate in every message, so its
//! base64 decoding, DER walk and fingerprint are done once. Bounded (oldest dropped first);
//! the trust decision is still made for every message.

use std::collections::VecDeque;

use super::cert::Certificate;

/// How many distinct certificates are remembered.
pub(crate) const CAPACITY: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct CertificateCache {
    entries: VecDeque<(Box<str>, Certificate)>,
}

impl CertificateCache {
    /// The certificate whose element text is exactly `text`, parsing it with `parse` when it
    /// is not remembered yet (a failure is not remembered).
    pub(crate) fn get_or_parse<E>(
        &mut self,
        text: &str,
        parse: impl FnOnce(&str) -> Result<Certificate, E>,
    ) -> Result<Certificate, E> {
        if let Some((_, cert)) = self.entries.iter().find(|(t, _)| **t == *text) {
            return Ok(cert.clone());
        }
        let cert = parse(text)?;
        if self.entries.len() >= CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back((text.into(), cert.clone()));
        Ok(cert)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem(name: &str) -> Certificate {
        let path = format!(
            "{}/../tests/fixtures/certs/{name}.crt",
            env!("CARGO_MANIFEST_DIR")
        );
        Certificate::from_pem(&std::fs::read(path).expect("cert")).expect("pem")
    }

    #[test]
    fn parses_once_and_stays_bounded() {
        let cert = pem("vtn-rsa");
        let text = cert.to_base64();
        let mut cache = CertificateCache::default();
        let mut parses = 0;
        for _ in 0..3 {
            let got = cache.get_or_parse(&text, |t| {
                parses += 1;
                Certificate::from_base64(t)
            });
            assert_eq!(got.as_ref(), Ok(&cert));
        }
        assert_eq!(parses, 1);
        // A failure is returned and not remembered.
        assert!(cache.get_or_parse("!!", Certificate::from_base64).is_err());
        assert_eq!(cache.entries.len(), 1);
        // Distinct texts (whitespace differs) beyond the capacity evict the oldest.
        for i in 0..CAPACITY {
            let spaced = format!("{text}{}", " ".repeat(i + 1));
            cache
                .get_or_parse(&spaced, Certificate::from_base64)
                .expect("parse");
        }
        assert_eq!(cache.entries.len(), CAPACITY);
        assert!(cache.entries.iter().all(|(t, _)| **t != *text));
    }
}
