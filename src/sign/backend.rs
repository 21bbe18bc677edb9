//! Which library performs the public- and private-key operations of XML-DSig.
//!
//! - [`Backend::Ring`]: ring, pure Rust plus assembly, always built; rustls uses it too.
//! - `Backend::OpenSsl` (feature `openssl`, needs libssl-dev): the system OpenSSL with the
//!   parsed key and prepared contexts kept per signing key and per certificate.
//!
//! # Choice
//! ring re-derives the Montgomery constants of an RSA public key on every verification and has
//! no pre-parsed public key type, so its bare RSA-2048 verify is about 0.7x `openssl speed`'s;
//! OpenSSL with a prepared context is the `openssl speed` figure itself. For RSA signing and
//! for ECDSA P-256 both are within noise of each other. So: with the `openssl` feature, OpenSSL
//! is the default backend (it is what reaches the verify target); without it, ring, so that a
//! default build needs no C library headers. Figures: `bench/sign.sh`, README "Performance".

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
    /// OpenSSL when the `openssl` feature is on, else ring (see the module docs).
    fn default() -> Self {
        #[cfg(feature = "openssl")]
        return Backend::OpenSsl;
        #[cfg(not(feature = "openssl"))]
        return Backend::Ring;
    }
}

impl Backend {
    /// Every backend this build offers, the default first.
    pub fn available() -> &'static [Backend] {
        #[cfg(feature = "openssl")]
        return &[Backend::OpenSsl, Backend::Ring];
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
