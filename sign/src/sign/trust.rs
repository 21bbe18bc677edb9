//! Whom to trust: a peer's fingerprint (what OpenLEADR users already have), a pinned
//! certificate, or a CA (chain checked with webpki, for the OpenADR Alliance PKI or a private
//! one).

use chrono::{DateTime, Utc};
use rustls_pki_types::{CertificateDer, UnixTime};

use super::cert::{Certificate, Fingerprint};
use super::error::Error;

/// Which signers are trusted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Trust {
    /// Any certificate with one of these fingerprints.
    Fingerprints(Vec<Fingerprint>),
    /// Exactly one of these certificates (byte for byte).
    Certificates(Vec<Certificate>),
    /// Certificates that chain to one of these CA certificates (intermediates may come from
    /// the message's KeyInfo), valid at the time of verification, with serverAuth or
    /// clientAuth extended key usage when an EKU extension is present.
    Ca(Vec<Certificate>),
    /// Any certificate: the signature is still checked against the certificate in KeyInfo,
    /// whose fingerprint then identifies the signer (a VTN binds it to the venID at
    /// registration). For tests and demos (`oadr vtn --accept-any`), never for production.
    AnyCertificate,
}

impl Trust {
    /// Check the signer's certificate (and the other certificates of KeyInfo, usable as
    /// intermediates) at `now`.
    pub fn check(
        &self,
        signer: &Certificate,
        others: &[Certificate],
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let fingerprint = signer.fingerprint();
        let untrusted = |reason: String| Error::Untrusted {
            fingerprint: fingerprint.to_string(),
            reason,
        };
        match self {
            Trust::Fingerprints(fps) if fps.contains(&fingerprint) => Ok(()),
            Trust::Fingerprints(fps) => Err(untrusted(format!(
                "expected fingerprint {}",
                fps.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" or ")
            ))),
            Trust::Certificates(certs) if certs.contains(signer) => Ok(()),
            Trust::Certificates(_) => Err(untrusted("not the pinned certificate".into())),
            Trust::AnyCertificate => Ok(()),
            Trust::Ca(roots) => {
                let root_ders: Vec<CertificateDer<'_>> = roots
                    .iter()
                    .map(|c| CertificateDer::from(c.der()))
                    .collect();
                let anchors = root_ders
                    .iter()
                    .map(webpki::anchor_from_trusted_cert)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| untrusted(format!("unusable CA certificate: {e}")))?;
                let intermediates: Vec<CertificateDer<'_>> = others
                    .iter()
                    .map(|c| CertificateDer::from(c.der()))
                    .collect();
                let ee_der = CertificateDer::from(signer.der());
                let ee = webpki::EndEntityCert::try_from(&ee_der)
                    .map_err(|e| untrusted(format!("certificate: {e}")))?;
                let secs = u64::try_from(now.timestamp()).unwrap_or(0);
                let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
                let verify = |usage| {
                    ee.verify_for_usage(
                        webpki::ALL_VERIFICATION_ALGS,
                        &anchors,
                        &intermediates,
                        time,
                        usage,
                        None,
                        None,
                    )
                    .map(|_| ())
                };
                verify(webpki::KeyUsage::client_auth())
                    .or_else(|_| verify(webpki::KeyUsage::server_auth()))
                    .map_err(|e| untrusted(format!("chain to the CA: {e}")))
            }
        }
    }
}
