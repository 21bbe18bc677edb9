//! ring vs RustCrypto for the XML-DSig signature operations, on the oadr test keys.
//! Prints one JSON line per (library, algorithm, operation): ops/s. Bounded: each measurement
//! runs for about `SECONDS` seconds after a short warm-up.

use std::time::{Duration, Instant};

const SECONDS: f64 = 2.0;
const MESSAGE: &[u8] = b"<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">a typical canonical SignedInfo is about 900 bytes long</ds:SignedInfo>";

fn measure(lib: &str, alg: &str, op: &str, mut f: impl FnMut()) {
    for _ in 0..3 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs_f64(SECONDS) {
        f();
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"tool\":\"crypto-compare\",\"lib\":\"{lib}\",\"alg\":\"{alg}\",\"op\":\"{op}\",\"ops\":{n},\"seconds\":{secs:.3},\"ops_per_s\":{:.1}}}",
        n as f64 / secs
    );
}

fn pem_der(pem: &str) -> Vec<u8> {
    // Minimal PEM: the base64 between the armour lines (ring has no PEM reader).
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    decode_b64(&b64)
}

fn decode_b64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => 0,
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()).collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= val(*c) << (18 - 6 * i);
        }
        let n = chunk.len() * 6 / 8;
        out.extend_from_slice(&acc.to_be_bytes()[1..1 + n]);
    }
    out
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "tests/fixtures/certs".into());
    let rsa_pem = std::fs::read_to_string(format!("{dir}/vtn-rsa.key")).expect("vtn-rsa.key");
    let ec_pem = std::fs::read_to_string(format!("{dir}/vtn-ecdsa.key")).expect("vtn-ecdsa.key");
    let rsa_der = pem_der(&rsa_pem);
    let ec_der = pem_der(&ec_pem);

    // ring
    {
        use ring::signature::{self, KeyPair};
        let rng = ring::rand::SystemRandom::new();
        let kp = signature::RsaKeyPair::from_pkcs8(&rsa_der).expect("ring rsa");
        let mut sig = vec![0u8; kp.public().modulus_len()];
        measure("ring", "rsa2048-sha256", "sign", || {
            kp.sign(&signature::RSA_PKCS1_SHA256, &rng, MESSAGE, &mut sig).expect("sign")
        });
        let public = signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            kp.public_key().as_ref().to_vec(),
        );
        measure("ring", "rsa2048-sha256", "verify", || public.verify(MESSAGE, &sig).expect("verify"));

        let kp = signature::EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &ec_der, &rng)
            .expect("ring ec");
        let mut sig = Vec::new();
        measure("ring", "ecdsa-p256-sha256", "sign", || {
            sig = kp.sign(&rng, MESSAGE).expect("sign").as_ref().to_vec()
        });
        let public = signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, kp.public_key().as_ref().to_vec());
        measure("ring", "ecdsa-p256-sha256", "verify", || public.verify(MESSAGE, &sig).expect("verify"));
    }
    // aws-lc-rs (ring-compatible API over AWS-LC)
    #[cfg(feature = "aws-lc")]
    {
        use aws_lc_rs::signature::{self, KeyPair};
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let kp = signature::RsaKeyPair::from_pkcs8(&rsa_der).expect("aws-lc rsa");
        let mut sig = vec![0u8; kp.public_modulus_len()];
        measure("aws-lc-rs", "rsa2048-sha256", "sign", || {
            kp.sign(&signature::RSA_PKCS1_SHA256, &rng, MESSAGE, &mut sig).expect("sign")
        });
        let public = signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            kp.public_key().as_ref().to_vec(),
        );
        measure("aws-lc-rs", "rsa2048-sha256", "verify", || public.verify(MESSAGE, &sig).expect("verify"));
        let kp = signature::EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &ec_der)
            .expect("aws-lc ec");
        let mut sig = Vec::new();
        measure("aws-lc-rs", "ecdsa-p256-sha256", "sign", || {
            sig = kp.sign(&rng, MESSAGE).expect("sign").as_ref().to_vec()
        });
        let public = signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, kp.public_key().as_ref().to_vec());
        measure("aws-lc-rs", "ecdsa-p256-sha256", "verify", || public.verify(MESSAGE, &sig).expect("verify"));
    }
    // RustCrypto
    {
        use rsa::pkcs1v15::{SigningKey, VerifyingKey};
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::signature::{Keypair, RandomizedSigner, SignatureEncoding, Verifier};
        let key = rsa::RsaPrivateKey::from_pkcs8_der(&rsa_der).expect("rsa key");
        let signing = SigningKey::<rsa::sha2::Sha256>::new(key);
        let verifying: VerifyingKey<rsa::sha2::Sha256> = signing.verifying_key();
        let mut rng = rand_core::OsRng;
        let mut sig = signing.sign_with_rng(&mut rng, MESSAGE);
        measure("rustcrypto-rsa", "rsa2048-sha256", "sign", || {
            sig = signing.sign_with_rng(&mut rng, MESSAGE)
        });
        let bytes = sig.to_bytes();
        let sig2 = rsa::pkcs1v15::Signature::try_from(bytes.as_ref()).expect("sig");
        measure("rustcrypto-rsa", "rsa2048-sha256", "verify", || verifying.verify(MESSAGE, &sig2).expect("verify"));

        use p256::ecdsa::{signature::Signer as _, Signature, SigningKey as EcSigning};
        let ec = p256::SecretKey::from_pkcs8_der(&ec_der).expect("p256 key");
        let signing = EcSigning::from(ec);
        let verifying = *signing.verifying_key();
        let mut sig: Signature = signing.sign(MESSAGE);
        measure("rustcrypto-p256", "ecdsa-p256-sha256", "sign", || sig = signing.sign(MESSAGE));
        measure("rustcrypto-p256", "ecdsa-p256-sha256", "verify", || verifying.verify(MESSAGE, &sig).expect("verify"));
    }
}
