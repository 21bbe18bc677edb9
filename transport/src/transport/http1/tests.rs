//! The connection loop over an in-memory stream: framing, keep-alive, refusals, timeouts,
//! shutdown.

use super::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, DuplexStream};

/// Echoes `METHOD PATH` and the body.
fn echo(r: HttpRequest) -> HttpResponse {
    if r.path == "/panic" {
        panic!("handler panicked");
    }
    let mut body = format!("{} {} ", r.method, r.path).into_bytes();
    body.extend_from_slice(&r.body);
    HttpResponse {
        status: 200,
        content_type: "text/plain",
        body,
    }
}

fn limits() -> Limits {
    Limits {
        max_body: 64,
        header_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(600),
        ..Limits::default()
    }
}

struct Client {
    io: DuplexStream,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
}

fn start_with(limits: Limits, admit: bool) -> Client {
    let (client, server) = tokio::io::duplex(1 << 20);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let peer = Peer {
        addr: "127.0.0.1:1".parse().unwrap(),
        fingerprint: None,
    };
    let server = tokio::spawn(async move {
        let stop = async move {
            let _ = rx.await;
        };
        serve(server, peer, &limits, stop, move || admit, echo).await;
    });
    Client {
        io: client,
        stop: Some(tx),
        server,
    }
}

fn start() -> Client {
    start_with(limits(), true)
}

impl Client {
    async fn send(&mut self, bytes: &[u8]) {
        self.io.write_all(bytes).await.unwrap();
    }

    /// One response: (status, header block, body), read by its content-length.
    async fn response(&mut self) -> Option<(u16, String, String)> {
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut b = [0u8; 1];
            match self.io.read(&mut b).await {
                Ok(1) => head.push(b[0]),
                _ => return None,
            }
        }
        let head = String::from_utf8(head).unwrap();
        let status = head[9..12].parse().unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .map_or(0, |n| n.parse().unwrap());
        let mut body = vec![
            0;
            if head.starts_with("HTTP/1.1 100") {
                0
            } else {
                length
            }
        ];
        self.io.read_exact(&mut body).await.unwrap();
        Some((status, head, String::from_utf8(body).unwrap()))
    }

    /// True when the server closed its side.
    async fn closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(
            tokio::time::timeout(Duration::from_secs(3), self.io.read(&mut b)).await,
            Ok(Ok(0) | Err(_))
        )
    }
}

fn post(path: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn keep_alive_and_pipelined_requests_are_answered_in_order() {
    let mut c = start();
    let two = format!("{}{}", post("/a", "one"), post("/b", "two"));
    c.send(two.as_bytes()).await;
    let (s, head, body) = c.response().await.unwrap();
    assert_eq!((s, body.as_str()), (200, "POST /a one"));
    assert!(head.contains("content-type: text/plain\r\n"), "{head}");
    assert!(head.contains("\r\ndate: "), "{head}");
    assert!(!head.contains("connection: close"), "{head}");
    assert_eq!(c.response().await.unwrap().2, "POST /b two");
    // Byte by byte works too.
    for b in post("/c", "three").bytes() {
        c.send(&[b]).await;
    }
    assert_eq!(c.response().await.unwrap().2, "POST /c three");
}

#[tokio::test]
async fn a_chunked_body_with_extensions_and_trailers_is_read_whole() {
    let mut c = start();
    c.send(b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n")
        .await;
    assert_eq!(c.response().await.unwrap().2, "POST /x abc0123456789");
    c.send(post("/y", "next").as_bytes()).await;
    assert_eq!(c.response().await.unwrap().2, "POST /y next");
}

#[tokio::test]
async fn expect_100_continue_gets_the_interim_answer_before_the_body() {
    let mut c = start();
    c.send(b"POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        .await;
    let (s, _, _) = c.response().await.unwrap();
    assert_eq!(s, 100);
    c.send(b"body").await;
    assert_eq!(c.response().await.unwrap().2, "POST /x body");
    // Never to an HTTP/1.0 peer.
    let mut c = start();
    c.send(b"POST /y HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
        .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    c.send(b"ok").await;
    let (s, _, body) = c.response().await.unwrap();
    assert_eq!((s, body.as_str()), (200, "POST /y ok"));
}

#[tokio::test]
async fn ambiguous_framing_is_refused_and_the_connection_closed() {
    for (head, status) in [
        (
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            400,
        ),
        (
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
            400,
        ),
        ("POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n", 400),
        (
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            501,
        ),
        (
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
            501,
        ),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nExpect: something-else\r\n\r\n", 417),
        ("POST / HTTP/1.1\r\nBad Header: x\r\n\r\n", 400),
        ("GARBAGE\r\n\r\n", 400),
    ] {
        let mut c = start();
        c.send(head.as_bytes()).await;
        let (s, h, _) = c.response().await.unwrap();
        assert_eq!(s, status, "{head:?}");
        assert!(h.contains("connection: close\r\n"), "{h}");
        assert!(c.closed().await, "{head:?}");
    }
}

#[tokio::test]
async fn bad_chunks_are_refused() {
    for body in ["zz\r\n", "3\r\nabcX\r\n", "3\nabc\r\n0\r\n\r\n"] {
        let mut c = start();
        c.send(format!("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{body}").as_bytes())
            .await;
        assert_eq!(c.response().await.unwrap().0, 400, "{body:?}");
        assert!(c.closed().await);
    }
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_by_length_and_by_chunks() {
    let mut c = start();
    c.send(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 65\r\n\r\n")
        .await;
    // No 100 Continue for a body that will not be read.
    assert_eq!(c.response().await.unwrap().0, 413);
    assert!(c.closed().await);
    let mut c = start();
    let chunk = "x".repeat(40);
    c.send(
        format!("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n28\r\n{chunk}\r\n28\r\n{chunk}\r\n")
            .as_bytes(),
    )
    .await;
    assert_eq!(c.response().await.unwrap().0, 413);
    assert!(c.closed().await);
    // At the limit is fine.
    let mut c = start();
    c.send(post("/", &"y".repeat(64)).as_bytes()).await;
    assert_eq!(c.response().await.unwrap().0, 200);
}

#[tokio::test]
async fn a_head_too_large_gets_431() {
    let mut c = start();
    let big = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n", "a".repeat(MAX_HEAD));
    c.send(big.as_bytes()).await;
    assert_eq!(c.response().await.unwrap().0, 431);
    assert!(c.closed().await);
    let mut c = start();
    let many: String = (0..MAX_HEADERS + 1)
        .map(|i| format!("X-{i}: 1\r\n"))
        .collect();
    c.send(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes())
        .await;
    assert_eq!(c.response().await.unwrap().0, 431);
}

#[tokio::test]
async fn connection_close_and_http_1_0_end_the_connection() {
    let mut c = start();
    c.send(b"GET /a HTTP/1.1\r\nConnection: close\r\n\r\n")
        .await;
    let (s, h, body) = c.response().await.unwrap();
    assert_eq!((s, body.as_str()), (200, "GET /a "));
    assert!(h.contains("connection: close\r\n"));
    assert!(c.closed().await);
    let mut c = start();
    c.send(b"GET /b HTTP/1.0\r\n\r\n").await;
    assert_eq!(c.response().await.unwrap().2, "GET /b ");
    assert!(c.closed().await);
    let mut c = start();
    c.send(b"GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /d HTTP/1.0\r\n\r\n")
        .await;
    assert_eq!(c.response().await.unwrap().2, "GET /c ");
    assert_eq!(c.response().await.unwrap().2, "GET /d ");
    assert!(c.closed().await);
}

#[tokio::test]
async fn head_requests_get_the_length_without_the_body() {
    let mut c = start();
    c.send(b"HEAD /h HTTP/1.1\r\n\r\nGET /g HTTP/1.1\r\n\r\n")
        .await;
    let mut head = vec![0u8; 0];
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        c.io.read_exact(&mut b).await.unwrap();
        head.push(b[0]);
    }
    assert!(String::from_utf8_lossy(&head).contains("content-length: 8\r\n"));
    // The next bytes are the GET's answer, not a body.
    assert_eq!(c.response().await.unwrap().2, "GET /g ");
}

#[tokio::test]
async fn absolute_form_targets_reach_the_handler_as_paths() {
    let mut c = start();
    c.send(b"GET http://vtn.example:8080/OpenADR2/Simple/2.0b/OadrPoll?x=1 HTTP/1.1\r\n\r\n")
        .await;
    assert_eq!(
        c.response().await.unwrap().2,
        "GET /OpenADR2/Simple/2.0b/OadrPoll?x=1 "
    );
    assert_eq!(target_path("HTTPS://h"), "/");
    assert_eq!(target_path("http://h?q"), "/?q");
    assert_eq!(target_path("*"), "*");
}

#[tokio::test]
async fn a_refused_admission_gets_429_with_retry_after() {
    let mut c = start_with(limits(), false);
    c.send(post("/", "x").as_bytes()).await;
    let (s, h, _) = c.response().await.unwrap();
    assert_eq!(s, 429);
    assert!(h.contains("retry-after: 1\r\n"), "{h}");
    assert!(c.closed().await);
}

#[tokio::test]
async fn a_handler_panic_is_answered_500_and_the_connection_lives_on() {
    let mut c = start();
    c.send(b"GET /panic HTTP/1.1\r\n\r\n").await;
    assert_eq!(c.response().await.unwrap().0, 500);
    c.send(b"GET /after HTTP/1.1\r\n\r\n").await;
    assert_eq!(c.response().await.unwrap().2, "GET /after ");
}

#[tokio::test]
async fn a_slow_head_a_slow_body_and_an_idle_connection_time_out() {
    let mut c = start();
    c.send(b"GET / HTTP/1.1\r\nHost:").await;
    assert!(c.closed().await);
    let mut c = start();
    c.send(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
        .await;
    assert!(c.closed().await);
    let mut c = start();
    c.send(post("/", "x").as_bytes()).await;
    assert_eq!(c.response().await.unwrap().0, 200);
    let t = std::time::Instant::now();
    assert!(c.closed().await);
    assert!(
        t.elapsed() >= Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn a_shutdown_closes_idle_connections_after_the_request_in_progress() {
    let mut c = start();
    c.send(b"POST /x HTTP/1.1\r\nContent-Length: 4\r\n\r\nab")
        .await;
    tokio::task::yield_now().await;
    let _ = c.stop.take().unwrap().send(());
    // The request in progress is still answered...
    c.send(b"cd").await;
    assert_eq!(c.response().await.unwrap().2, "POST /x abcd");
    // ...then the connection closes instead of waiting for the next one.
    assert!(c.closed().await);
    tokio::time::timeout(Duration::from_secs(3), c.server)
        .await
        .unwrap()
        .unwrap();
}

#[test]
fn sizes_and_lengths_parse_strictly() {
    assert_eq!(chunk_size(b"1aF"), Some(0x1af));
    assert_eq!(chunk_size(b"10 ;name=value"), Some(16));
    assert_eq!(chunk_size(b""), None);
    assert_eq!(chunk_size(b"-1"), None);
    assert_eq!(chunk_size(b"fffffffffffffffff"), None);
    assert_eq!(decimal(b" 42 "), Some(42));
    assert_eq!(decimal(b"4 2"), None);
    assert_eq!(decimal(b"9999999999999999999"), None);
    let mut out = Vec::new();
    decimal_to(&mut out, 0);
    decimal_to(&mut out, 1_234_567);
    assert_eq!(out, b"01234567");
}

#[tokio::test]
async fn admission_is_asked_once_per_request() {
    let asked = Arc::new(AtomicBool::new(false));
    let (mut client, server) = tokio::io::duplex(4096);
    let a = asked.clone();
    let limits = limits();
    let task = tokio::spawn(async move {
        let peer = Peer {
            addr: "127.0.0.1:1".parse().unwrap(),
            fingerprint: Some("fp".into()),
        };
        serve(
            server,
            peer,
            &limits,
            std::future::pending(),
            move || !a.swap(true, Ordering::SeqCst),
            |r| HttpResponse::text(200, r.fingerprint.unwrap_or_default()),
        )
        .await;
    });
    client
        .write_all(b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n")
        .await
        .unwrap();
    let mut all = String::new();
    client.read_to_string(&mut all).await.unwrap();
    assert!(all.starts_with("HTTP/1.1 200 OK\r\n"), "{all}");
    assert!(
        all.contains("\r\n\r\nfpHTTP/1.1 429 Too Many Requests\r\n"),
        "{all}"
    );
    task.await.unwrap();
}

#[test]
fn mutated_heads_never_panic_the_parser() {
    let base = b"POST http://h/OpenADR2/Simple/2.0b/EiEvent?x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nConnection: close, keep-alive\r\n\r\n";
    // xorshift, fixed seed: the same 20 000 mutants every run
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut outcomes = [0usize; 3];
    for _ in 0..20_000 {
        let mut m = base.to_vec();
        for _ in 0..1 + next() % 4 {
            let i = (next() as usize) % m.len();
            match next() % 3 {
                0 => m[i] = next() as u8,
                1 => {
                    m.remove(i);
                }
                _ => m.insert(
                    i,
                    [b'\r', b'\n', b':', b',', b' ', 0xc3, b'/'][(next() % 7) as usize],
                ),
            }
        }
        let cut = match next() % 2 {
            0 => m.len(),
            _ => (next() as usize) % (m.len() + 1),
        };
        outcomes[match parse_head(&m[..cut]) {
            Ok(Some(_)) => 0,
            Ok(None) => 1,
            Err(_) => 2,
        }] += 1;
        let _ = chunk_size(&m[..cut.min(20)]);
    }
    // The mutants reach all three outcomes, so the loop exercises the parser.
    assert!(outcomes.iter().all(|&n| n > 100), "{outcomes:?}");
}
