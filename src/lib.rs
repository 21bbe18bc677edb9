//! # oadr — a schema-first OpenADR 2.0b SDK
//!
//! The official OpenADR 2.0b XSDs are compiled at build time into typed messages and
//! validators ([`wire`]); a hand-written native model ([`model`]), conformance rules,
//! XML signatures ([`sign`]) and the VEN and VTN runtimes ([`ven`], [`vtn`]) sit on top.
//! `oadr demo` (the [`cli`]) shows all of it at work in one command.
//!
//! ## Quick start
//!
//! Build a message with the model, encode it, and check it against the schema:
//!
//! ```
//! use oadr::model::{self, DistributeEvent, Duration, Event, Message, Targets};
//! use chrono::{TimeZone, Utc};
//!
//! let event = Event::builder("event-1", "http://market.example/ctx")
//!     .start(Utc.with_ymd_and_hms(2026, 7, 1, 14, 0, 0).unwrap())
//!     .start_after(Duration::minutes(5)) // each VEN starts at a random offset up to 5 min
//!     .simple_signal([(Duration::minutes(30), 1.0), (Duration::minutes(30), 2.0)])
//!     .targets(Targets::vens(["ven-1"]))
//!     .build();
//! let message = Message::from(DistributeEvent {
//!     response: None,
//!     request_id: "req-1".into(),
//!     vtn_id: "vtn-1".into(),
//!     events: vec![event],
//! });
//! let xml = model::encode(&message)?;
//!
//! // Schema validation (the generated validator), then the typed wire form...
//! let checked = oadr::wire::validate(&xml, &oadr::wire::Limits::default())?;
//! assert_eq!(checked.message_type, "oadrDistributeEvent");
//! let _wire: oadr::wire::OadrPayload = oadr::wire::decode(&xml)?;
//! // ...or straight back to the model; its JSON is OpenLEADR's dict form.
//! assert_eq!(model::decode(&xml)?, message);
//! let json = serde_json::to_value(&message)?;
//! assert_eq!(json["payload"]["events"][0]["event_descriptor"]["event_id"], "event-1");
//!
//! // A schema error names the element path.
//! let bad = String::from_utf8(xml)?.replace("<ei:signalType>level", "<ei:signalType>loud");
//! let errors = oadr::wire::validate(bad.as_bytes(), &oadr::wire::Limits::default()).unwrap_err();
//! assert!(errors.to_string().contains("/oadrPayload/oadrSignedObject/oadrDistributeEvent/"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Sign a payload (XML-DSig with ReplayProtect) and verify it by certificate fingerprint:
//!
//! ```
//! use oadr::sign::{Signer, Trust, Verifier, VerifyOptions};
//! # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/certs/");
//! # let cert = std::fs::read(format!("{dir}ven-ecdsa.crt"))?;
//! # let key = std::fs::read(format!("{dir}ven-ecdsa.key"))?;
//! # let xml = oadr::model::encode(&oadr::model::Poll { ven_id: "ven-1".into() }.into())?;
//! let signer = Signer::from_pem(&cert, &key)?; // PEM certificate and private key
//! let signed = signer.sign(&xml)?;
//! let fingerprint = signer.certificate().fingerprint();
//! assert_eq!(fingerprint.to_string(), "48:73:C9:C3:6A:4A:4F:16:55:F9"); // as OpenLEADR prints it
//! let verifier = Verifier::new(VerifyOptions::new(Trust::Fingerprints(vec![fingerprint])));
//! let verified = verifier.verify(&signed, chrono::Utc::now())?;
//! assert_eq!(verified.map(|v| v.fingerprint), Some(fingerprint));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A VTN and a VEN on loopback: the VEN registers, offers a telemetry report, the VTN
//! requests it and stores the readings (`examples/vtn.rs` and `examples/ven.rs` are the
//! longer versions; `oadr demo` adds TLS, signatures and events):
//!
//! ```
//! use oadr::engine::vtn::{AllowListPolicy, Notification, VtnConfig};
//! use oadr::model::{Duration, OptType};
//! use oadr::store::{MemoryStore, ReadingFilter};
//! use oadr::transport::http_server::{serve, Limits, OpenAdrEndpoints, Shutdown};
//! use oadr::ven::{DataSource, ReportOffer, VenBuilder};
//! use oadr::vtn::Vtn;
//! use std::sync::Arc;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (tx, mut data) = tokio::sync::mpsc::unbounded_channel();
//! let vtn = Vtn::builder(Arc::new(MemoryStore::default()))
//!     .config(VtnConfig { poll_frequency: Duration::seconds(1), ..VtnConfig::default() })
//!     .policy(Arc::new(AllowListPolicy::accept_any())) // or ::new([fingerprints])
//!     .on_notification(move |n| {
//!         if let Notification::ReportData { ven_id, .. } = n {
//!             let _ = tx.send(ven_id.clone());
//!         }
//!     })
//!     .build()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let url = format!("http://{}/OpenADR2/Simple/2.0b", listener.local_addr()?);
//! let (shutdown, stop) = Shutdown::new();
//! let endpoints = Arc::new(OpenAdrEndpoints(vtn.clone()));
//! let server = tokio::spawn(serve(listener, None, endpoints, Limits::default(), stop));
//!
//! let ven = VenBuilder::new(url, "ven-1")
//!     .codec(Arc::<oadr::ven::codec::XmlCodec>::default())
//!     .on_event(|_event, _modified| async { OptType::OptIn })
//!     .report(ReportOffer::telemetry_power(
//!         "meter", "power", Duration::seconds(1), Duration::seconds(1),
//!         DataSource::float(|| async { 1234.5 }),
//!     ))
//!     .build()?;
//! let handle = ven.handle();
//! let running = tokio::spawn(ven.run());
//! let registration = handle.registered().await?;
//! let from = tokio::time::timeout(std::time::Duration::from_secs(20), data.recv()).await?;
//! assert_eq!(from, Some(registration.ven_id.clone()));
//! let readings = vtn.readings(&ReadingFilter::default())?;
//! assert!(readings.iter().any(|r| r.r_id == "power"));
//!
//! handle.shutdown().await?;
//! running.await??;
//! shutdown.trigger();
//! server.await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Layers
//!
//! Each layer depends only on the ones above it:
//!
//! - [`wire`]: the only door to the code generated from the official 2.0b XSDs
//!   (typed messages, validators, the quick-xml codec).
//! - [`model`]: hand-written native message types with chrono times and an
//!   OpenLEADR-compatible JSON view.
//! - [`conformance`]: the 2.0b conformance rules the XSD cannot express.
//! - [`sign`]: XML-DSig signing and verification, ReplayProtect, certificate fingerprints.
//! - [`engine`]: the VEN and VTN protocol state machines; no I/O, driven by a [`engine::Clock`].
//! - [`store`]: durable VTN state (SQLite by default, memory for tests).
//! - [`transport`]: services, endpoints and the HTTP/XMPP transports.
//! - [`ven`]: the VEN runtime (registration, polling, events, reports, opts).
//! - [`vtn`]: the VTN runtime (engine + store + transports + admin API).
//! - [`cli`]: the `oadr` command-line tool, thin over the library.
#![forbid(unsafe_code)]

pub mod cli;
pub mod ven;
pub mod vtn;

// The lower layers are crates of their own, for build time (README, "Build time"): the
// re-exports keep their public paths (`oadr::sign`...) and make `crate::sign` work here.
#[doc(inline)]
pub use oadr_engine::{engine, store};
#[doc(inline)]
pub use oadr_model::{conformance, model};
#[doc(inline)]
pub use oadr_sign::sign;
#[doc(inline)]
pub use oadr_transport::transport;
#[doc(inline)]
pub use oadr_wire::wire;
