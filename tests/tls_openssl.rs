//! The `openssl` feature (spec digest §10 "TLS"): the VTN listener and the VEN client over
//! OpenSSL with the spec's TLS 1.2 suites, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 (OpenSSL
//! `ECDHE-ECDSA-AES128-SHA256`) and TLS_RSA_WITH_AES_128_CBC_SHA256 (`AES128-SHA256`), which
//! rustls lacks. Run with `cargo test --features openssl --test tls_openssl`.
#![cfg(feature = "openssl")]

mod support;

use oadr::engine::vtn::{AllowListPolicy, VtnConfig};
use oadr::sign::{Fingerprint, Signer, Trust, Verifier, VerifyOptions};
use oadr::store::MemoryStore;
use oadr::transport::http_server::{self, Limits, OpenAdrEndpoints, Shutdown};
use oadr::transport::tls::{Acceptor, Backend};
use oadr::ven::VenBuilder;
use oadr::vtn::Vtn;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn certs() -> PathBuf {
    support::root().join("tests/fixtures/certs")
}

fn fp(name: &str) -> Fingerprint {
    let f = std::fs::read_to_string(certs().join("FINGERPRINTS")).expect("FINGERPRINTS");
    f.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .expect(name)
        .parse()
        .expect("fingerprint")
}

struct Server {
    rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    shutdown: Shutdown,
    vtn: Vtn,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// An oadr VTN (XML codec) behind an OpenSSL listener with `backend`, presenting the
/// `vtn` certificate and accepting the VEN certificate `ven` by fingerprint.
fn vtn(backend: Backend, vtn: &str, ven: &str) -> Server {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let vtn_handle = Vtn::builder(Arc::new(MemoryStore::new()))
        .config(VtnConfig {
            vtn_id: "openssl-vtn".into(),
            ..VtnConfig::default()
        })
        .policy(Arc::new(AllowListPolicy::new([fp(ven).to_string()])))
        .signer(
            Signer::from_pem(
                &std::fs::read(certs().join(format!("{vtn}.crt"))).expect("vtn cert"),
                &std::fs::read(certs().join(format!("{vtn}.key"))).expect("vtn key"),
            )
            .expect("signer"),
        )
        .verifier(Verifier::new(VerifyOptions::new(Trust::Fingerprints(
            vec![fp(ven)],
        ))))
        .build()
        .expect("vtn");
    let acceptor = Acceptor::new(
        backend,
        &certs().join(format!("{vtn}.crt")),
        &certs().join(format!("{vtn}.key")),
        None,
        &[fp(&format!("{ven}.crt"))],
        false,
    )
    .expect("acceptor");
    let (shutdown, rx) = Shutdown::new();
    let addr = rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(http_server::serve_with(
            l,
            Some(acceptor),
            Arc::new(OpenAdrEndpoints(vtn_handle.clone())),
            Limits::default(),
            rx,
        ));
        addr
    });
    Server {
        rt,
        addr,
        shutdown,
        vtn: vtn_handle,
    }
}

/// A raw OpenSSL handshake offering only `cipher` over TLS 1.2 with the `ven` certificate:
/// the negotiated suite's name, or the error.
fn handshake(addr: SocketAddr, cipher: &str, ven: &str) -> Result<String, String> {
    let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    b.set_max_proto_version(Some(SslVersion::TLS1_2))
        .map_err(|e| e.to_string())?;
    b.set_cipher_list(cipher).map_err(|e| e.to_string())?;
    b.set_verify(SslVerifyMode::NONE);
    b.set_certificate_file(
        certs().join(format!("{ven}.crt")),
        openssl::ssl::SslFiletype::PEM,
    )
    .map_err(|e| e.to_string())?;
    b.set_private_key_file(
        certs().join(format!("{ven}.key")),
        openssl::ssl::SslFiletype::PEM,
    )
    .map_err(|e| e.to_string())?;
    let tcp = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let s = b
        .build()
        .connect("localhost", tcp)
        .map_err(|e| e.to_string())?;
    Ok(s.ssl()
        .current_cipher()
        .map(|c| c.name().to_owned())
        .unwrap_or_default())
}

#[test]
fn the_spec_suites_are_negotiated_with_rsa_and_ecdsa_certificates() {
    let rsa = vtn(Backend::OpenSslSpecSuites, "vtn-rsa", "ven-rsa");
    assert_eq!(
        handshake(rsa.addr, "AES128-SHA256", "ven-rsa").as_deref(),
        Ok("AES128-SHA256")
    );
    let ecdsa = vtn(Backend::OpenSslSpecSuites, "vtn-ecdsa", "ven-ecdsa");
    assert_eq!(
        handshake(ecdsa.addr, "ECDHE-ECDSA-AES128-SHA256", "ven-ecdsa").as_deref(),
        Ok("ECDHE-ECDSA-AES128-SHA256")
    );
    // Restricted to the spec's suites: an AEAD-only client finds no common suite.
    assert!(handshake(rsa.addr, "ECDHE-RSA-AES128-GCM-SHA256", "ven-rsa").is_err());
    // A client certificate that is not allowed: the handshake (or the first read) fails.
    let other = handshake(ecdsa.addr, "ECDHE-ECDSA-AES128-SHA256", "ven-rsa");
    assert!(
        other.is_err() || other.as_deref() == Ok(""),
        "ven-rsa is not allowed on the ecdsa VTN: {other:?}"
    );
}

/// An oadr VEN with the OpenSSL backend registers with an oadr VTN over the spec's
/// TLS_RSA_WITH_AES_128_CBC_SHA256; the VTN binds the VEN's client certificate.
#[test]
fn an_oadr_ven_registers_over_the_spec_suites() {
    let s = vtn(Backend::OpenSslSpecSuites, "vtn-rsa", "ven-rsa");
    let url = format!("https://localhost:{}/OpenADR2/Simple/2.0b", s.addr.port());
    let ven = VenBuilder::new(url, "openssl-ven")
        .codec(Arc::new(oadr::ven::codec::XmlCodec::default()))
        .tls_backend(Backend::OpenSslSpecSuites)
        .cert_key(certs().join("ven-rsa.crt"), certs().join("ven-rsa.key"))
        .vtn_fingerprint(fp("vtn-rsa.crt"))
        .build()
        .expect("ven");
    let handle = ven.handle();
    let registration = s.rt.block_on(async move {
        let run = tokio::spawn(ven.run());
        let reg = tokio::time::timeout(Duration::from_secs(30), handle.registered()).await;
        let _ = handle.shutdown().await;
        let _ = tokio::time::timeout(Duration::from_secs(10), run).await;
        reg
    });
    let registration = registration
        .expect("registered within 30 s")
        .expect("VEN still running");
    let vens = s.vtn.vens();
    assert_eq!(vens.len(), 1);
    assert_eq!(vens[0].ven_id, registration.ven_id);
    assert_eq!(vens[0].fingerprint, Some(fp("ven-rsa.crt").to_string()));
}

/// A VEN pinning another fingerprint refuses the VTN (the handshake fails, nothing registers).
#[test]
fn a_ven_refuses_a_vtn_it_does_not_pin() {
    let s = vtn(Backend::OpenSsl, "vtn-ecdsa", "ven-ecdsa");
    let url = format!("https://localhost:{}/OpenADR2/Simple/2.0b", s.addr.port());
    let ven = VenBuilder::new(url, "openssl-ven")
        .codec(Arc::new(oadr::ven::codec::XmlCodec::default()))
        .tls_backend(Backend::OpenSsl)
        .cert_key(certs().join("ven-ecdsa.crt"), certs().join("ven-ecdsa.key"))
        .vtn_fingerprint(fp("vtn-rsa.crt"))
        .timeout(Duration::from_secs(2))
        .build()
        .expect("ven");
    let handle = ven.handle();
    let reg = s.rt.block_on(async move {
        let run = tokio::spawn(ven.run());
        let reg = tokio::time::timeout(Duration::from_secs(5), handle.registered()).await;
        let _ = handle.shutdown().await;
        let _ = tokio::time::timeout(Duration::from_secs(10), run).await;
        reg
    });
    assert!(reg.is_err(), "no registration with an unpinned VTN");
    assert!(s.vtn.vens().is_empty());
}
