//! A scripted VTN for the VEN runtime tests: a hyper server on 127.0.0.1 that answers every
//! VEN payload, serves a queue of poll replies, can fail with HTTP 503, and records
//! everything it receives. Stopped when dropped.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use oadr::model::*;
use oadr::ven::Codec;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

/// Model JSON as the payload codec. The runtime is codec-agnostic; these tests exercise the
/// runtime and transport, the XML codec is exercised by the interop tests.
#[derive(Debug)]
pub struct JsonCodec;

impl Codec for JsonCodec {
    fn encode(&self, m: &Message) -> Result<Vec<u8>, String> {
        serde_json::to_vec(m).map_err(|e| e.to_string())
    }
    fn decode(&self, b: &[u8]) -> Result<Message, String> {
        serde_json::from_slice(b).map_err(|e| e.to_string())
    }
}

#[derive(Debug, Default)]
pub struct Script {
    /// (service, message, when) of everything received.
    pub received: Vec<(String, Message, Instant)>,
    /// Replies to the next polls, in order (otherwise oadrResponse 200).
    pub poll_queue: VecDeque<Message>,
    /// Answer this many of the next polls with HTTP 503.
    pub fail_polls: u32,
    /// Poll attempts seen (including failed ones).
    pub poll_attempts: u32,
    /// The events oadrRequestEvent returns.
    pub events: Vec<Event>,
    /// Report requests put into oadrRegisteredReport.
    pub register_requests: Vec<ReportRequest>,
    /// Registrations handed out.
    pub registrations: u32,
    pub poll_freq: Option<oadr::model::Duration>,
}

pub struct Vtn {
    pub url: String,
    pub script: Arc<Mutex<Script>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Vtn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn ok(request_id: &str) -> EiResponse {
    EiResponse::ok(request_id)
}

fn answer(script: &mut Script, service: &str, m: &Message) -> Result<Message, u16> {
    let reg = |s: &mut Script, ids: bool, request_id: &str| {
        if ids {
            s.registrations += 1;
        }
        Message::CreatedPartyRegistration(CreatedPartyRegistration {
            response: ok(request_id),
            registration_id: ids.then(|| format!("reg-{}", s.registrations)),
            ven_id: ids.then(|| "ven-1".to_string()),
            vtn_id: "vtn-1".into(),
            profiles: vec![Profile {
                profile_name: ProfileName::B20,
                transports: vec![Transport {
                    transport_name: TransportName::SimpleHttp,
                }],
            }],
            requested_oadr_poll_freq: s.poll_freq,
            service_specific_info: None,
            extensions: None,
        })
    };
    let plain = Message::Response(Response {
        response: ok(""),
        ven_id: Some("ven-1".into()),
    });
    Ok(match m {
        Message::QueryRegistration(q) => reg(script, false, &q.request_id),
        Message::CreatePartyRegistration(c) => reg(script, true, &c.request_id),
        Message::RegisterReport(r) => Message::RegisteredReport(RegisteredReport {
            response: ok(&r.request_id),
            report_requests: std::mem::take(&mut script.register_requests),
            ven_id: Some("ven-1".into()),
        }),
        Message::Poll(_) => {
            script.poll_attempts += 1;
            if script.fail_polls > 0 {
                script.fail_polls -= 1;
                return Err(503);
            }
            script.poll_queue.pop_front().unwrap_or(plain)
        }
        Message::RequestEvent(r) => Message::DistributeEvent(DistributeEvent {
            response: Some(ok(&r.request_id)),
            request_id: r.request_id.clone(),
            vtn_id: "vtn-1".into(),
            events: script.events.clone(),
        }),
        Message::UpdateReport(u) => Message::UpdatedReport(UpdatedReport {
            response: ok(&u.request_id),
            cancel_report: None,
            ven_id: Some("ven-1".into()),
        }),
        Message::CreateOpt(o) => Message::CreatedOpt(CreatedOpt {
            response: ok(&o.request_id),
            opt_id: o.opt_id.clone(),
        }),
        Message::CancelOpt(o) => Message::CanceledOpt(CanceledOpt {
            response: ok(&o.request_id),
            opt_id: Some(o.opt_id.clone()),
        }),
        Message::CancelPartyRegistration(c) => {
            Message::CanceledPartyRegistration(CanceledPartyRegistration {
                response: ok(&c.request_id),
                registration_id: Some(c.registration_id.clone()),
                ven_id: c.ven_id.clone(),
            })
        }
        _ if service.is_empty() => return Err(404),
        _ => plain,
    })
}

impl Vtn {
    pub async fn start(poll_freq_secs: u32) -> Vtn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let script = Arc::new(Mutex::new(Script {
            poll_freq: Some(oadr::model::Duration::seconds(poll_freq_secs)),
            ..Script::default()
        }));
        let s2 = script.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let script = s2.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let script = script.clone();
                        async move {
                            let path = req.uri().path().to_string();
                            let service = path
                                .strip_prefix("/OpenADR2/Simple/2.0b/")
                                .unwrap_or("")
                                .to_string();
                            let body = req.into_body().collect().await?.to_bytes();
                            let (status, out) = match JsonCodec.decode(&body) {
                                Ok(m) => {
                                    let mut s = script.lock().unwrap();
                                    let r = answer(&mut s, &service, &m);
                                    s.received.push((service, m, Instant::now()));
                                    match r {
                                        Ok(a) => (200, JsonCodec.encode(&a).unwrap()),
                                        Err(code) => (code, b"unavailable".to_vec()),
                                    }
                                }
                                Err(e) => (400, e.into_bytes()),
                            };
                            Ok::<_, hyper::Error>(
                                hyper::Response::builder()
                                    .status(status)
                                    .header("content-type", "application/xml")
                                    .body(Full::new(Bytes::from(out)))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), svc)
                        .await;
                });
            }
        });
        Vtn {
            url: format!("http://127.0.0.1:{port}/OpenADR2/Simple/2.0b"),
            script,
            task,
        }
    }

    pub fn types(&self) -> Vec<&'static str> {
        self.script
            .lock()
            .unwrap()
            .received
            .iter()
            .map(|(_, m, _)| m.message_type())
            .collect()
    }

    pub fn received(&self) -> Vec<(String, Message, Instant)> {
        self.script.lock().unwrap().received.clone()
    }

    pub fn push_poll(&self, m: impl Into<Message>) {
        self.script.lock().unwrap().poll_queue.push_back(m.into());
    }

    /// Wait (bounded) until `pred` holds over the received messages.
    pub async fn wait(
        &self,
        what: &str,
        secs: u64,
        pred: impl Fn(&[(String, Message, Instant)]) -> bool,
    ) {
        let deadline = Instant::now() + StdDuration::from_secs(secs);
        loop {
            if pred(&self.script.lock().unwrap().received) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; received {:?}",
                self.types()
            );
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        }
    }

    /// Wait until `n` payloads of type `ty` were received.
    pub async fn wait_count(&self, ty: &str, n: usize, secs: u64) {
        self.wait(&format!("{n} × {ty}"), secs, |r| {
            r.iter().filter(|(_, m, _)| m.message_type() == ty).count() >= n
        })
        .await
    }
}
