//! Which library performs the public- and private-key operations of XML-DSig.
//!
//! - [`Backend::Ring`]: ring, pure Rust plus assembly, always built; rustls uses it too.
//! - `Backend::OpenSsl` (feature `openssl`, needs libssl-dev): the system OpenSSL with the
//!   parsed key and prepared contexts kept per signing key and per certificate.
//!
//! # Choice: ring stays the default
//! ring re-derives the Montgomery constants of an RSA public key on every verification and has
//! no pre-parsed public key type; OpenSSL with a prepared context is what `openssl speed`
//! measures. `bench/sign.sh` on 27 November 2026 18:05 UTC (shared 2-core machine, load average
//! 6-7, so only same-run figures compare; criterion means of the bare key operation as the
//! verifier and signer call it, `parts/crypto_*`):
//!
//! | operation | ring | OpenSSL (prepared) |
//! |---|---|---|
//! | RSA-2048 verify | 82.7 us | 62.6 us |
//! | RSA-2048 sign | 2 167 us | 2 513 us |
//! | P-256 verify | 146.0 us | 198.3 us |
//! | P-256 sign | 46.9 us | 59.7 us |
//!
//! OpenSSL wins only RSA verification (about 1.3x); ring is as fast or faster for the rest and
//! needs no C library. So ring is the default in every build, and enabling the `openssl` feature
//! (which a deployment may do for the spec's TLS 1.2 CBC suites alone) does not change how
//! messages are signed: choose [`Backend`] explicitly
//! ([`VerifyOptions::backend`](super::VerifyOptions::backend),
//! [`Signer::from_pem_with`](super::Signer::from_pem_with)), e.g. OpenSSL for a VTN that mostly verifies RSA signatures. Both backends produce and accept
//! the same signatures (`tests/sign_backends.rs`).

/// A crypto backend for signing and verifying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// ring.
    Ring,
    /// OpenSSL with prepared keys (feature `openssl`).
    #[cfg(feature = "openssl")]
    OpenSsl,
}

impl Default for Backend {
    /// ring (see the module docs).
    fn default() -> Self {
        Backend::Ring
    }
}

impl Backend {
    /// Every backend this build offers, the default first.
    pub fn available() -> &'static [Backend] {
        #[cfg(feature = "openssl")]
        return &[Backend::Ring, Backend::OpenSsl];
        #[cfg(not(feature = "openssl"))]
        return &[Backend::Ring];
    }

    /// A short name (`ring`, `openssl`).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Ring => "ring",
            #[cfg(feature = "openssl")]
            Backend::OpenSsl => "openssl",
        }
    }
}
