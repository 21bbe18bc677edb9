//! Private keys for signing (ring): RSA from PKCS#8 or PKCS#1, EC P-256 from PKCS#8 or SEC1.
//!
//! # Why ring
//! Measured in `bench/crypto-compare` (a separate crate, run by `bench/sign.sh`): ring signs
//! RSA-2048 several times faster than the `rsa` crate and verifies faster too, and `rsa` has
//! RUSTSEC-2023-0071 (Marvin: timing side channel in private-key operations) without a fixed
//! release, which matters for a VTN that signs many messages for any requester. ring is also
//! what rustls can use, so the transport adds no second crypto stack; aws-lc-rs would add a
//! CMake/C build for no need measured here. The figures are in the report and the bench
//! output.

use ring::rand::SystemRandom;
use ring::signature::{self, KeyPair as _};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::PrivateKeyDer;

use super::algorithms::SignatureMethod;
use super::cert::Certificate;
use super::der::sec1_p256_to_pkcs8;
use super::error::Error;

enum Inner {
    Rsa(signature::RsaKeyPair),
    Ecdsa(signature::EcdsaKeyPair),
}

/// A private key that signs XML-DSig SignedInfo.
pub struct SigningKey {
    inner: Inner,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.inner {
            Inner::Rsa(_) => "SigningKey(RSA)",
            Inner::Ecdsa(_) => "SigningKey(ECDSA P-256)",
        })
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
    pub fn from_pem(pem: &[u8]) -> Result<Self, Error> {
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(|e| key_err(format!("PEM: {e}")))?;
        let rng = SystemRandom::new();
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
        match self.inner {
            Inner::Rsa(_) => SignatureMethod::RsaSha256,
            Inner::Ecdsa(_) => SignatureMethod::EcdsaP256Sha256,
        }
    }

    /// Whether `cert` carries this key's public key.
    pub fn matches(&self, cert: &Certificate) -> bool {
        let public = match &self.inner {
            Inner::Rsa(k) => k.public_key().as_ref(),
            Inner::Ecdsa(k) => k.public_key().as_ref(),
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
        }
    }

    /// Fill `out` with random bytes (nonces).
    pub(crate) fn random(&self, out: &mut [u8]) -> Result<(), Error> {
        ring::rand::SecureRandom::fill(&self.rng, out).map_err(|_| Error::Signing {
            reason: "no randomness".into(),
        })
    }
}
