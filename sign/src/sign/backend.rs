//! Which library performs the public- and private-key operations of XML-DSig.
//!
//! - [`Backend::Ring`]: ring, pure Rust plus assembly, always built; rustls uses it too.
//! - `Backend::OpenSsl` (feature `openssl`, needs libssl-dev): the system OpenSSL with the
//!   parsed key and prepared contexts kept per signing key and per certificate (a verifier's
//!   certificate cache keeps a peer's prepared key with its certificate).
//! - [`Backend::Auto`], the default: per operation, the faster of the two that the build has.
//!
//! # Choice: OpenSSL for RSA verification when built, ring for everything else
//! ring re-derives the Montgomery constants of an RSA public key on every verification and has
//! no pre-parsed public key type; OpenSSL with a prepared context is what `openssl speed`
//! measures. `bench/sign.sh` on 27 November 2026 20:05 UTC (shared 2-core machine, load average
//! 9, so only same-run figures compare; criterion means of the bare key operation as the
//! verifier and signer call it, `parts/crypto_*`, beside `openssl speed -elapsed`):
//!
//! | operation | ring | OpenSSL (prepared) | `openssl speed` |
//! |---|---|---|---|
//! | RSA-2048 verify | 90.4 us | 64.5 us | 66.4 us |
//! | RSA-2048 sign | 2 349 us | 2 367 us | 2 427 us |
//! | P-256 verify | 212.3 us | 287.7 us | 260.0 us |
//! | P-256 sign | 70.5 us | 97.5 us | 90.2 us |
//!
//! OpenSSL wins only RSA verification (1.4x, and it is the only way to verify RSA at 0.75x
//! `openssl speed` or better: ring's bare operation is 0.73x); ring is as fast or faster for
//! the rest and needs no C library. So a default build (no `openssl` feature, no libssl-dev
//! needed) does everything with ring, and a build with the `openssl` feature (which a
//! deployment may enable for the spec's TLS 1.2 CBC suites too) verifies RSA signatures with
//! OpenSSL and does the rest with ring. A concrete [`Backend`] can be chosen instead
//! ([`VerifyOptions::backend`](super::VerifyOptions::backend),
//! [`Signer::from_pem_with`](super::Signer::from_pem_with)). Both backends produce and accept
//! the same signatures (`tests/sign_backends.rs`).
//!
//! # RSA verification in a default build (issue 4): ring stays the default
//! The target, RSA verify at 0.75x `openssl speed rsa2048` verify or better, is not
//! reachable by ring: its bare RSA-2048 verification measured 0.63x OpenSSL's with a prepared
//! key in one run on 27 November 2026 22:59 UTC (`parts/crypto_verify_rsa_*`: 98.9 us vs
//! 62.7 us, load average 8-9; 0.73x in the run above), before any XML work is added. So in a
//! default build the target is not met, and we say so. With `--features openssl` the key
//! operation is OpenSSL's, and the target is still not met as of 28 November 2026 (one run at
//! 00:03 UTC, load average 5-7: `verify/rsa/openssl/distribute_event` 250 us per message
//! against `openssl speed` 63 us, 0.25x): the XML work per message (outline scan and c14n,
//! about a third of an ECDSA verification's CPU samples after the tokenizer and c14n changes of
//! that day, `bench/sign_breakdown.sh`) comes on top of the key operation. Options weighed and not taken: loading the system libcrypto at run time
//! (dlopen of libcrypto.so.3 and a hand-declared handful of EVP functions, ring when it is
//! absent) would gain at most the bare operation's 1.4-1.6x while the XML work stays, so it
//! alone does not reach the target either, and it puts hand-written FFI declarations and a
//! machine-dependent second implementation into every default build; aws-lc-rs is excluded by
//! the build-time target (its C build). The XML work is what to cut next.

/// A crypto backend for signing and verifying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// The fastest of this build for each operation, as measured (see the module docs):
    /// OpenSSL for RSA verification when the `openssl` feature is built, ring for everything
    /// else. The default.
    Auto,
    /// ring.
    Ring,
    /// OpenSSL with prepared keys (feature `openssl`).
    #[cfg(feature = "openssl")]
    OpenSsl,
}

impl Default for Backend {
    /// [`Backend::Auto`] (see the module docs).
    fn default() -> Self {
        Backend::Auto
    }
}

impl Backend {
    /// Every concrete backend this build offers, ring first (benchmarks and tests run each).
    pub fn available() -> &'static [Backend] {
        #[cfg(feature = "openssl")]
        return &[Backend::Ring, Backend::OpenSsl];
        #[cfg(not(feature = "openssl"))]
        return &[Backend::Ring];
    }

    /// A short name (`auto`, `ring`, `openssl`).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Auto => "auto",
            Backend::Ring => "ring",
            #[cfg(feature = "openssl")]
            Backend::OpenSsl => "openssl",
        }
    }

    /// The backend that verifies a signature of an RSA key (`rsa`) or not.
    pub(crate) fn for_verify(self, rsa: bool) -> Backend {
        match self {
            #[cfg(feature = "openssl")]
            Backend::Auto if rsa => Backend::OpenSsl,
            Backend::Auto => Backend::Ring,
            concrete => {
                let _ = rsa;
                concrete
            }
        }
    }

    /// The backend that signs.
    pub(crate) fn for_sign(self) -> Backend {
        match self {
            Backend::Auto => Backend::Ring,
            concrete => concrete,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_openssl_for_rsa_verification_only_when_built() {
        #[cfg(feature = "openssl")]
        assert_eq!(Backend::Auto.for_verify(true), Backend::OpenSsl);
        #[cfg(not(feature = "openssl"))]
        assert_eq!(Backend::Auto.for_verify(true), Backend::Ring);
        assert_eq!(Backend::Auto.for_verify(false), Backend::Ring);
        assert_eq!(Backend::Auto.for_sign(), Backend::Ring);
        for &b in Backend::available() {
            assert_eq!(b.for_verify(true), b);
            assert_eq!(b.for_verify(false), b);
            assert_eq!(b.for_sign(), b);
        }
        assert_eq!(Backend::default(), Backend::Auto);
    }
}
