//! Private keys for signing (ring, or OpenSSL: see [`Backend`]): RSA from PKCS#8 or PKCS#1, EC P-256 from PKCS#8 or SEC1.
//!
//! # Why ring
//! Measured with `bench/crypto-compare` (run by `bench/sign.sh`; same keys, same machine, same
//! run, operations per second, on a shared and loaded 2-core machine, so compare ratios only):
//!
//! | library | RSA-2048 sign | RSA-2048 verify | P-256 sign | P-256 verify |
//! |---|---|---|---|---|
//! | ring 0.17 | 340 | 7 951 | 12 554 | 3 975 |
//! | RustCrypto `rsa` 0.9 / `p256` 0.13 | 84 | 817 | 1 095 | 684 |
//!
//! ring is 4x faster at RSA signing, 10x at RSA verification and 6–11x at ECDSA, and `rsa` has
//! RUSTSEC-2023-0071 (Marvin: a timing side channel in private-key operations, no fixed
//! release), which matters for a VTN signing many messages for any requester. Against
//! `openssl speed -elapsed` in the same period ring was within ±15% (RSA sign 286 vs 307,
//! verify 8 913 vs 9 182; P-256 sign 10 385 vs 9 106, verify 4 575 vs 3 123). aws-lc-rs
//! (`--features aws-lc`) measured the same as ring within noise (RSA sign 345/299 vs ring
//! 239/202 in two runs, verify 10 283/8 638 vs 8 550/9 877, P-256 sign 12 557/9 427 vs
//! 11 588/12 413, verify 3 044/3 598 vs 3 669/4 141) while its C build took over 6 minutes
//! here, so ring it is; rustls can use ring too, so the transport needs no second provider.

use ring::rand::SystemRandom;
use ring::signature::{self, KeyPair as _};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::PrivateKeyDer;

use super::algorithms::SignatureMethod;
use super::backend::Backend;
use super::cert::Certificate;
use super::der::sec1_p256_to_pkcs8;
use super::error::Error;

enum Inner {
    Rsa(signature::RsaKeyPair),
    Ecdsa(signature::EcdsaKeyPair),
    #[cfg(feature = "openssl")]
    OpenSsl(super::ossl::PrivateKey),
}

/// A private key that signs XML-DSig SignedInfo.
pub struct SigningKey {
    inner: Inner,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Rsa(_) => f.write_str("SigningKey(RSA, ring)"),
            Inner::Ecdsa(_) => f.write_str("SigningKey(ECDSA P-256, ring)"),
            #[cfg(feature = "openssl")]
            Inner::OpenSsl(k) => write!(f, "SigningKey({}, OpenSSL)", k.method().uri()),
        }
    }
}

fn key_err(reason: impl Into<String>) -> Error {
    Error::Key {
        reason: reason.into(),
    }
}

impl SigningKey {
    /// Load an unencrypted PEM private key: `PRIVATE KEY` (PKCS#8, RSA or EC P-256),
    /// `RSA PRIVATE KEY` (PKCS#1) or `EC PRIVATE KEY` (SEC1, P-256).
    /// With the default [`Backend`].
    pub fn from_pem(pem: &[u8]) -> Result<Self, Error> {
        Self::from_pem_with(pem, Backend::default())
    }

    /// Like [`from_pem`](Self::from_pem), with the given backend.
    pub fn from_pem_with(pem: &[u8], backend: Backend) -> Result<Self, Error> {
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(|e| key_err(format!("PEM: {e}")))?;
        let rng = SystemRandom::new();
        let backend = backend.for_sign();
        #[cfg(feature = "openssl")]
        if backend == Backend::OpenSsl {
            let inner = Inner::OpenSsl(super::ossl::PrivateKey::from_der(&der).map_err(key_err)?);
            return Ok(SigningKey { inner, rng });
        }
        let _ = backend;
        let inner = match der {
            PrivateKeyDer::Pkcs1(k) => Inner::Rsa(
                signature::RsaKeyPair::from_der(k.secret_pkcs1_der())
                    .map_err(|e| key_err(format!("RSA key: {e}")))?,
            ),
            PrivateKeyDer::Sec1(k) => {
                let pkcs8 = sec1_p256_to_pkcs8(k.secret_sec1_der());
                Inner::Ecdsa(
                    signature::EcdsaKeyPair::from_pkcs8(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &pkcs8,
                        &rng,
                    )
                    .map_err(|e| key_err(format!("EC key (P-256 only): {e}")))?,
                )
            }
            PrivateKeyDer::Pkcs8(k) => {
                let der = k.secret_pkcs8_der();
                match signature::RsaKeyPair::from_pkcs8(der) {
                    Ok(k) => Inner::Rsa(k),
                    Err(_) => Inner::Ecdsa(
                        signature::EcdsaKeyPair::from_pkcs8(
                            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                            der,
                            &rng,
                        )
                        .map_err(|e| key_err(format!("neither RSA nor EC P-256: {e}")))?,
                    ),
                }
            }
            _ => return Err(key_err("unsupported private key format")),
        };
        Ok(SigningKey { inner, rng })
    }

    /// The signature method this key produces.
    pub fn method(&self) -> SignatureMethod {
        match &self.inner {
            Inner::Rsa(_) => SignatureMethod::RsaSha256,
            Inner::Ecdsa(_) => SignatureMethod::EcdsaP256Sha256,
            #[cfg(feature = "openssl")]
            Inner::OpenSsl(k) => k.method(),
        }
    }

    /// Whether `cert` carries this key's public key.
    pub fn matches(&self, cert: &Certificate) -> bool {
        let public = match &self.inner {
            Inner::Rsa(k) => k.public_key().as_ref(),
            Inner::Ecdsa(k) => k.public_key().as_ref(),
            #[cfg(feature = "openssl")]
            Inner::OpenSsl(k) => return k.matches(cert.der()),
        };
        public == cert.public_key()
    }

    /// Sign `message` (the canonical SignedInfo).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let fail = |_| Error::Signing {
            reason: "crypto provider refused".into(),
        };
        match &self.inner {
            Inner::Rsa(k) => {
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &self.rng, message, &mut sig)
                    .map_err(fail)?;
                Ok(sig)
            }
            Inner::Ecdsa(k) => Ok(k.sign(&self.rng, message).map_err(fail)?.as_ref().to_vec()),
            #[cfg(feature = "openssl")]
            Inner::OpenSsl(k) => k.sign(message),
        }
    }

    /// Fill `out` with random bytes (nonces).
    pub(crate) fn random(&self, out: &mut [u8]) -> Result<(), Error> {
        ring::rand::SecureRandom::fill(&self.rng, out).map_err(|_| Error::Signing {
            reason: "no randomness".into(),
        })
    }
}
