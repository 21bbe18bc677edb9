//! The OpenSSL backend (feature `openssl`): RSA PKCS#1 v1.5 SHA-256 and ECDSA P-256 SHA-256
//! with the parsed key and prepared `EVP_PKEY_CTX`s kept per key, as `openssl speed` does, so
//! that a message costs the bare key operation: no key parsing, no provider fetch, no context
//! set-up. The SHA-256 of SignedInfo is computed by us and handed to `EVP_PKEY_sign`/`verify`.
//!
//! A context is used by one thread at a time: each key keeps a small pool of idle contexts
//! (bounded by [`POOL`]); a thread takes one, or prepares a new one when all are busy.

use std::sync::Mutex;

use openssl::ec::EcKey;
use openssl::md::Md;
use openssl::nid::Nid;
use openssl::pkey::{HasPublic, Id, PKey, Private, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::{Padding, Rsa};
use openssl::x509::X509;
use rustls_pki_types::PrivateKeyDer;

use super::algorithms::SignatureMethod;
use super::error::Error;

/// Most idle contexts kept per key (about the number of threads signing or verifying at once).
pub(crate) const POOL: usize = 8;

/// Length of one coordinate of a P-256 signature (r or s) in XML-DSig's raw r||s form.
const P256_LEN: usize = 32;

/// A key with its prepared contexts.
struct Prepared<T> {
    pkey: PKey<T>,
    method: SignatureMethod,
    idle: Mutex<Vec<PkeyCtx<T>>>,
}

impl<T: HasPublic> Prepared<T> {
    fn new(pkey: PKey<T>) -> Result<Self, String> {
        let method = method_of(&pkey)?;
        Ok(Prepared {
            pkey,
            method,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Run `op` with a context of this key, prepared by `init` when none is idle.
    fn with_ctx<R>(
        &self,
        init: impl FnOnce(&mut PkeyCtx<T>) -> Result<(), openssl::error::ErrorStack>,
        op: impl FnOnce(&mut PkeyCtx<T>) -> R,
    ) -> Result<R, openssl::error::ErrorStack> {
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut ctx = match taken {
            Some(ctx) => ctx,
            None => {
                let mut ctx = PkeyCtx::new(&self.pkey)?;
                init(&mut ctx)?;
                if self.pkey.id() == Id::RSA {
                    ctx.set_rsa_padding(Padding::PKCS1)?;
                }
                ctx.set_signature_md(Md::sha256())?;
                ctx
            }
        };
        let out = op(&mut ctx);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < POOL {
            idle.push(ctx);
        }
        Ok(out)
    }
}

/// RSA (at least 2048 bits) or EC P-256; the SHA-256 signature method it serves.
fn method_of<T: HasPublic>(pkey: &PKey<T>) -> Result<SignatureMethod, String> {
    match pkey.id() {
        Id::RSA if pkey.bits() >= 2048 => Ok(SignatureMethod::RsaSha256),
        Id::RSA => Err(format!("RSA key of {} bits (2048 at least)", pkey.bits())),
        Id::EC => {
            let curve = pkey
                .ec_key()
                .map_err(|e| format!("EC key: {e}"))?
                .group()
                .curve_name();
            if curve == Some(Nid::X9_62_PRIME256V1) {
                Ok(SignatureMethod::EcdsaP256Sha256)
            } else {
                Err("EC key not on P-256".into())
            }
        }
        _ => Err("neither RSA nor EC P-256".into()),
    }
}

fn sha256(message: &[u8]) -> ring::digest::Digest {
    ring::digest::digest(&ring::digest::SHA256, message)
}

/// A private key for signing.
pub(crate) struct PrivateKey(Prepared<Private>);

impl PrivateKey {
    /// From the DER that PEM parsing gave (PKCS#1, SEC1 or PKCS#8).
    pub(crate) fn from_der(der: &PrivateKeyDer<'_>) -> Result<Self, String> {
        let pkey = match der {
            PrivateKeyDer::Pkcs1(k) => Rsa::private_key_from_der(k.secret_pkcs1_der())
                .and_then(PKey::from_rsa)
                .map_err(|e| format!("RSA key: {e}"))?,
            PrivateKeyDer::Sec1(k) => EcKey::private_key_from_der(k.secret_sec1_der())
                .and_then(PKey::from_ec_key)
                .map_err(|e| format!("EC key: {e}"))?,
            PrivateKeyDer::Pkcs8(k) => PKey::private_key_from_der(k.secret_pkcs8_der())
                .map_err(|e| format!("PKCS#8 key: {e}"))?,
            _ => return Err("unsupported private key format".into()),
        };
        Ok(PrivateKey(Prepared::new(pkey)?))
    }

    pub(crate) fn method(&self) -> SignatureMethod {
        self.0.method
    }

    /// Whether the certificate (DER) carries this key's public key.
    pub(crate) fn matches(&self, cert_der: &[u8]) -> bool {
        X509::from_der(cert_der)
            .and_then(|c| c.public_key())
            .is_ok_and(|public| public.public_eq(&self.0.pkey))
    }

    /// Sign `message` (canonical SignedInfo): RSA PKCS#1 v1.5 bytes, or ECDSA raw r||s.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let digest = sha256(message);
        let fail = |e: openssl::error::ErrorStack| Error::Signing {
            reason: format!("OpenSSL: {e}"),
        };
        let mut sig = vec![0u8; self.0.pkey.size()];
        let len = self
            .0
            .with_ctx(
                |c| c.sign_init(),
                |c| c.sign(digest.as_ref(), Some(&mut sig)),
            )
            .and_then(|r| r)
            .map_err(fail)?;
        sig.truncate(len);
        match self.0.method {
            SignatureMethod::EcdsaP256Sha256 => der_to_raw(&sig).ok_or_else(|| Error::Signing {
                reason: "OpenSSL returned a malformed ECDSA signature".into(),
            }),
            _ => Ok(sig),
        }
    }
}

/// The public key of a certificate, prepared for verification.
pub(crate) struct PublicKey(Prepared<Public>);

impl PublicKey {
    /// From a DER X.509 certificate.
    pub(crate) fn from_certificate(der: &[u8]) -> Result<Self, String> {
        let pkey = X509::from_der(der)
            .and_then(|c| c.public_key())
            .map_err(|e| format!("OpenSSL: {e}"))?;
        Ok(PublicKey(Prepared::new(pkey)?))
    }

    /// Check `sig` (RSA bytes, or ECDSA raw r||s) over `message` with `method`, which must be
    /// this key's SHA-256 method.
    pub(crate) fn verify(
        &self,
        method: SignatureMethod,
        message: &[u8],
        sig: &[u8],
    ) -> Result<(), Error> {
        if method != self.0.method {
            return Err(Error::BadSignatureValue);
        }
        let der;
        let sig = match method {
            SignatureMethod::EcdsaP256Sha256 => {
                der = raw_to_der(sig).ok_or(Error::BadSignatureValue)?;
                &der[..]
            }
            _ => sig,
        };
        let digest = sha256(message);
        let ok = self
            .0
            .with_ctx(|c| c.verify_init(), |c| c.verify(digest.as_ref(), sig))
            .and_then(|r| r)
            .unwrap_or(false);
        if ok {
            Ok(())
        } else {
            Err(Error::BadSignatureValue)
        }
    }
}

/// XML-DSig ECDSA-P256 `r||s` (64 bytes) as DER `Ecdsa-Sig-Value` (SEQUENCE of two INTEGERs).
fn raw_to_der(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.len() != 2 * P256_LEN {
        return None;
    }
    let mut body = Vec::with_capacity(2 * (P256_LEN + 3));
    for half in raw.chunks_exact(P256_LEN) {
        let start = half.iter().position(|b| *b != 0).unwrap_or(P256_LEN - 1);
        let digits = &half[start..];
        let pad = digits[0] & 0x80 != 0;
        body.push(0x02);
        body.push((digits.len() + usize::from(pad)) as u8);
        if pad {
            body.push(0);
        }
        body.extend_from_slice(digits);
    }
    let mut out = Vec::with_capacity(body.len() + 2);
    out.push(0x30);
    out.push(body.len() as u8);
    out.extend_from_slice(&body);
    Some(out)
}

/// DER `Ecdsa-Sig-Value` as raw `r||s` with 32-byte halves.
fn der_to_raw(der: &[u8]) -> Option<Vec<u8>> {
    let [0x30, len, body @ ..] = der else {
        return None;
    };
    if usize::from(*len) != body.len() {
        return None;
    }
    let mut out = Vec::with_capacity(2 * P256_LEN);
    let mut rest = body;
    for _ in 0..2 {
        let [0x02, n, tail @ ..] = rest else {
            return None;
        };
        let n = usize::from(*n);
        let int = tail.get(..n)?;
        rest = &tail[n..];
        let digits = match int {
            [0, tail @ ..] => tail,
            all => all,
        };
        if digits.len() > P256_LEN {
            return None;
        }
        out.resize(out.len() + P256_LEN - digits.len(), 0);
        out.extend_from_slice(digits);
    }
    rest.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_signature_forms_round_trip() {
        for raw in [[0x7fu8; 64], [0x80; 64], {
            let mut r = [0u8; 64];
            r[31] = 1;
            r[40] = 0x90;
            r
        }] {
            let der = raw_to_der(&raw).unwrap();
            assert_eq!(der_to_raw(&der).unwrap(), raw.to_vec());
        }
        assert!(raw_to_der(&[1u8; 63]).is_none());
        assert!(der_to_raw(&[0x30, 3, 2, 1, 1]).is_none());
        assert!(der_to_raw(&[0x30, 6, 2, 1, 1, 2, 1, 1, 0]).is_none());
    }
}
