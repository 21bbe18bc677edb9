//! The few DER walks we need: the SubjectPublicKeyInfo of a certificate, and wrapping a SEC1
//! EC key into PKCS#8 (ring loads EC keys only as PKCS#8).

/// One DER TLV: tag, content, and the rest of the input after it.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, content, rest) = tlv(input)?;
    (t == tag).then_some((content, rest))
}

const SEQUENCE: u8 = 0x30;

/// The public key algorithm of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyAlgorithm {
    /// rsaEncryption.
    Rsa,
    /// id-ecPublicKey on prime256v1.
    EcP256,
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// The key algorithm and the subjectPublicKey bits (for RSA: the RSAPublicKey DER; for EC: the
/// uncompressed point) of an X.509 certificate.
pub(crate) fn certificate_public_key(cert: &[u8]) -> Option<(KeyAlgorithm, &[u8])> {
    let (certificate, _) = expect(cert, SEQUENCE)?;
    let (tbs, _) = expect(certificate, SEQUENCE)?;
    let mut rest = tbs;
    // [0] version (optional)
    if let Some((0xa0, _, r)) = tlv(rest) {
        rest = r;
    }
    // serialNumber, signature, issuer, validity, subject
    for _ in 0..5 {
        rest = tlv(rest)?.2;
    }
    let (spki, _) = expect(rest, SEQUENCE)?;
    spki_public_key(spki)
}

fn spki_public_key(spki: &[u8]) -> Option<(KeyAlgorithm, &[u8])> {
    let (alg, rest) = expect(spki, SEQUENCE)?;
    let (bits, _) = expect(rest, 0x03)?;
    let (&unused, key) = bits.split_first()?;
    if unused != 0 {
        return None;
    }
    let (oid, params) = expect(alg, 0x06)?;
    if oid == OID_RSA {
        Some((KeyAlgorithm::Rsa, key))
    } else if oid == OID_EC && expect(params, 0x06)?.0 == OID_P256 {
        Some((KeyAlgorithm::EcP256, key))
    } else {
        None
    }
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

/// Wrap a SEC1 `ECPrivateKey` (P-256) into a PKCS#8 `PrivateKeyInfo`.
pub(crate) fn sec1_p256_to_pkcs8(sec1: &[u8]) -> Vec<u8> {
    let mut alg = Vec::new();
    push_tlv(&mut alg, 0x06, OID_EC);
    push_tlv(&mut alg, 0x06, OID_P256);
    let mut body = vec![0x02, 0x01, 0x00];
    push_tlv(&mut body, SEQUENCE, &alg);
    push_tlv(&mut body, 0x04, sec1);
    let mut out = Vec::new();
    push_tlv(&mut out, SEQUENCE, &body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_and_garbage_input_is_refused() {
        assert!(certificate_public_key(&[]).is_none());
        assert!(certificate_public_key(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
        assert!(certificate_public_key(&[0x30, 0x03, 0x30, 0x01]).is_none());
    }

    #[test]
    fn long_lengths_round_trip() {
        let mut out = Vec::new();
        push_tlv(&mut out, 0x04, &[7u8; 300]);
        let (t, c, r) = tlv(&out).unwrap();
        assert_eq!((t, c.len(), r.len()), (0x04, 300, 0));
    }
}
