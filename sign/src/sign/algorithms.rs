//! Algorithm URIs of XML-DSig as used by OpenADR 2.0b (spec digest §9: SHA-256 digests,
//! RSA-SHA256 or ECDSA-SHA256 signatures), and the policy on weak ones.

use super::error::Error;

/// SHA-256 digest (`xmlenc#sha256`).
pub const SHA256_URI: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
/// SHA-384 digest.
pub const SHA384_URI: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
/// SHA-512 digest.
pub const SHA512_URI: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
/// SHA-1 digest (weak).
pub const SHA1_URI: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
/// MD5 digest (broken; never accepted).
pub const MD5_URI: &str = "http://www.w3.org/2001/04/xmldsig-more#md5";
/// RSA PKCS#1 v1.5 with SHA-256.
pub const RSA_SHA256_URI: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// RSA PKCS#1 v1.5 with SHA-1 (weak).
pub const RSA_SHA1_URI: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
/// RSA with MD5 (broken; never accepted).
pub const RSA_MD5_URI: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-md5";
/// ECDSA with SHA-256 (raw r||s signature value).
pub const ECDSA_SHA256_URI: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
/// ECDSA with SHA-1 (weak).
pub const ECDSA_SHA1_URI: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1";

/// Which algorithms verification accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AlgorithmPolicy {
    /// Accept SHA-1 digests and SHA-1 signature methods (off by default). MD5 is never
    /// accepted.
    pub allow_sha1: bool,
}

/// A digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// SHA-1 (only when allowed).
    Sha1,
}

impl Digest {
    /// Resolve a DigestMethod URI under `policy`.
    pub fn from_uri(uri: &str, policy: AlgorithmPolicy, path: &str) -> Result<Self, Error> {
        match uri {
            SHA256_URI => Ok(Digest::Sha256),
            SHA384_URI => Ok(Digest::Sha384),
            SHA512_URI => Ok(Digest::Sha512),
            SHA1_URI if policy.allow_sha1 => Ok(Digest::Sha1),
            SHA1_URI => Err(weak(path, uri)),
            _ => Err(unsupported(path, uri)),
        }
    }

    pub(crate) fn ring(self) -> &'static ring::digest::Algorithm {
        match self {
            Digest::Sha256 => &ring::digest::SHA256,
            Digest::Sha384 => &ring::digest::SHA384,
            Digest::Sha512 => &ring::digest::SHA512,
            Digest::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        }
    }
}

/// A signature method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureMethod {
    /// RSA PKCS#1 v1.5 SHA-256.
    RsaSha256,
    /// ECDSA P-256 SHA-256, raw r||s.
    EcdsaP256Sha256,
    /// RSA PKCS#1 v1.5 SHA-1 (only when allowed).
    RsaSha1,
    /// ECDSA P-256 SHA-1 (only when allowed).
    EcdsaP256Sha1,
}

impl SignatureMethod {
    /// Resolve a SignatureMethod URI under `policy`.
    pub fn from_uri(uri: &str, policy: AlgorithmPolicy, path: &str) -> Result<Self, Error> {
        match uri {
            RSA_SHA256_URI => Ok(SignatureMethod::RsaSha256),
            ECDSA_SHA256_URI => Ok(SignatureMethod::EcdsaP256Sha256),
            RSA_SHA1_URI if policy.allow_sha1 => Ok(SignatureMethod::RsaSha1),
            ECDSA_SHA1_URI if policy.allow_sha1 => Ok(SignatureMethod::EcdsaP256Sha1),
            RSA_SHA1_URI | ECDSA_SHA1_URI => Err(weak(path, uri)),
            _ => Err(unsupported(path, uri)),
        }
    }

    /// The URI of this method.
    pub fn uri(self) -> &'static str {
        match self {
            SignatureMethod::RsaSha256 => RSA_SHA256_URI,
            SignatureMethod::EcdsaP256Sha256 => ECDSA_SHA256_URI,
            SignatureMethod::RsaSha1 => RSA_SHA1_URI,
            SignatureMethod::EcdsaP256Sha1 => ECDSA_SHA1_URI,
        }
    }
}

fn weak(path: &str, uri: &str) -> Error {
    Error::WeakAlgorithm {
        path: path.to_owned(),
        uri: uri.to_owned(),
    }
}

fn unsupported(path: &str, uri: &str) -> Error {
    Error::UnsupportedAlgorithm {
        path: path.to_owned(),
        uri: uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_needs_opt_in_and_md5_never_passes() {
        let strict = AlgorithmPolicy::default();
        let lax = AlgorithmPolicy { allow_sha1: true };
        assert!(matches!(
            Digest::from_uri(SHA1_URI, strict, "/p"),
            Err(Error::WeakAlgorithm { .. })
        ));
        assert_eq!(
            Digest::from_uri(SHA1_URI, lax, "/p").ok(),
            Some(Digest::Sha1)
        );
        assert!(matches!(
            Digest::from_uri(MD5_URI, lax, "/p"),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
        assert!(matches!(
            SignatureMethod::from_uri(RSA_MD5_URI, lax, "/p"),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
        assert!(matches!(
            SignatureMethod::from_uri(RSA_SHA1_URI, strict, "/p"),
            Err(Error::WeakAlgorithm { .. })
        ));
    }
}
