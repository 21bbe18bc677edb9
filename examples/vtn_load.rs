//! Load generator for `bench/vtn_load.sh`: N simulated VENs polling a VTN over loopback.
//!
//!     vtn_load run --url http://127.0.0.1:8080 --vens 1000 --concurrency 64 --seconds 5 [--codec json|xml]
//!     vtn_load bare 127.0.0.1:8090 [--threads 2] [--codec xml]   # a bare hyper server answering a fixed body (the ceiling)
//!
//! `run` registers --vens VENs (oadrCreatePartyRegistration), then --concurrency keep-alive
//! connections, driven by --threads event-driven client threads (default 1), send oadrPoll for
//! the VENs in turn for --seconds, and print one JSON line: polls/s, p50/p99 latency (µs; to the
//! answer's arrival at the socket, and to the client's read of it: see `arrival`),
//! errors. Bounded in count and time. The same client measures every server it is pointed at.
//! With VTN_LOAD_HIST set, the latency distribution (p10 … max, both figures) goes to stderr.

use oadr::model::{CreatePartyRegistration, Message, Poll};
use oadr::vtn::codec::{Codec, JsonCodec, XmlCodec};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

fn codec(name: &str) -> Arc<dyn Codec> {
    match name {
        "json" => Arc::new(JsonCodec),
        // What OpenADR peers speak (and the only codec OpenLEADR's server has).
        "xml" => Arc::new(XmlCodec::default()),
        other => {
            eprintln!("unknown codec {other:?}");
            std::process::exit(2)
        }
    }
}

struct Conn {
    host: String,
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Conn {
    fn open(host: &str) -> std::io::Result<Conn> {
        let s = TcpStream::connect(host)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Conn {
            host: host.to_owned(),
            r: BufReader::new(s.try_clone()?),
            w: s,
        })
    }

    fn post(&mut self, path: &str, ctype: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
            self.host,
            body.len()
        );
        self.w.write_all(head.as_bytes())?;
        self.w.write_all(body)?;
        let mut line = String::new();
        self.r.read_line(&mut line)?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut len = 0usize;
        loop {
            line.clear();
            self.r.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; len];
        self.r.read_exact(&mut body)?;
        Ok((status, body))
    }
}

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_owned())
}

fn run(args: &[String]) {
    let url = arg(args, "--url", "http://127.0.0.1:8080");
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let vens: usize = arg(args, "--vens", "1000").parse().unwrap_or(1000);
    let conc: usize = arg(args, "--concurrency", "16").parse().unwrap_or(16);
    let secs: f64 = arg(args, "--seconds", "5").parse().unwrap_or(5.0);
    let bare = args.iter().any(|a| a == "--bare");
    let codec = codec(&arg(args, "--codec", "json"));
    let prefix = "/OpenADR2/Simple/2.0b";
    let mut ids = Vec::with_capacity(vens);
    if bare {
        ids = (0..vens).map(|i| format!("ven-{i}")).collect();
    } else {
        let mut c = Conn::open(&host).expect("connect");
        for i in 0..vens {
            let m = Message::from(CreatePartyRegistration::pull(
                format!("r{i}"),
                format!("load-{i}"),
            ));
            let (st, body) = c
                .post(
                    &format!("{prefix}/EiRegisterParty"),
                    codec.content_type(),
                    &codec.encode(&m).unwrap(),
                )
                .expect("register");
            let id = match codec.decode(&body) {
                Ok(Message::CreatedPartyRegistration(r)) if st == 200 => r.ven_id,
                other => panic!("registration failed: {st} {other:?}"),
            };
            ids.push(id.unwrap_or_default());
        }
    }
    // Each request is formatted once, head and body together, and sent with one write.
    let requests: Arc<Vec<Vec<u8>>> = Arc::new(
        ids.iter()
            .map(|v| {
                let body = codec
                    .encode(&Message::from(Poll { ven_id: v.clone() }))
                    .unwrap();
                let mut r = format!(
                    "POST {prefix}/OadrPoll HTTP/1.1\r\nHost: {host}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
                    codec.content_type(),
                    body.len()
                )
                .into_bytes();
                r.extend_from_slice(&body);
                r
            })
            .collect(),
    );
    let threads: usize = arg(args, "--threads", "1")
        .parse()
        .unwrap_or(1)
        .clamp(1, conc);
    let stop = Arc::new(AtomicBool::new(false));
    // The client is event-driven: --threads OS threads (default 1), each a single-threaded
    // runtime driving its share of the --concurrency keep-alive connections, so that the load
    // generator leaves the server as much of the machine as it can (64 blocking client threads
    // would spend the cores on context switches).
    let workers: Vec<_> = (0..threads)
        .map(|w| {
            let (host, requests, stop) = (host.clone(), requests.clone(), stop.clone());
            let conns: Vec<usize> = (w..conc).step_by(threads).collect();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    let tasks: Vec<_> = conns
                        .into_iter()
                        .map(|t| {
                            tokio::spawn(poller(
                                host.clone(),
                                requests.clone(),
                                t,
                                conc,
                                stop.clone(),
                            ))
                        })
                        .collect();
                    let mut out = (Lat::default(), 0u64);
                    for t in tasks {
                        if let Ok((lat, errors)) = t.await {
                            out.0.append(lat);
                            out.1 += errors;
                        }
                    }
                    out
                })
            })
        })
        .collect();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(secs));
    stop.store(true, Ordering::Relaxed);
    let mut all = Lat::default();
    let mut errors = 0;
    for w in workers {
        let (lat, e) = w.join().unwrap_or_default();
        all.append(lat);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.wire.sort_unstable();
    all.app.sort_unstable();
    let pct = |v: &[u64], p: f64| {
        v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    if std::env::var_os("VTN_LOAD_HIST").is_some() {
        for p in [
            0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.0,
        ] {
            eprintln!("p{p}: wire {} app {}", pct(&all.wire, p), pct(&all.app, p));
        }
    }
    println!(
        "{{\"vens\": {vens}, \"concurrency\": {conc}, \"client_threads\": {threads}, \"polls\": {}, \"polls_per_s\": {:.0}, \"p50_us\": {}, \"p99_us\": {}, \"app_p50_us\": {}, \"app_p99_us\": {}, \"errors\": {errors}}}",
        all.app.len(),
        all.app.len() as f64 / elapsed,
        pct(&all.wire, 0.50),
        pct(&all.wire, 0.99),
        pct(&all.app, 0.50),
        pct(&all.app, 0.99),
    );
}

/// Latencies in µs: from the request's write to the answer's arrival at the socket (kernel
/// stamp, see [`arrival`]), and to the client's read of its last byte.
#[derive(Default)]
struct Lat {
    wire: Vec<u64>,
    app: Vec<u64>,
}

impl Lat {
    /// Room for `n` answers, so that the client does not copy its vectors mid-run.
    fn with_capacity(n: usize) -> Self {
        Lat {
            wire: Vec::with_capacity(n),
            app: Vec::with_capacity(n),
        }
    }

    fn append(&mut self, other: Lat) {
        self.wire.extend(other.wire);
        self.app.extend(other.app);
    }
}

/// One keep-alive connection polling `requests[t]`, `requests[t + conc]`, ... until `stop`:
/// the latencies in µs of the 200 answers, and the count of failures (each reopens the
/// connection; a connection that cannot be reopened ends the poller).
async fn poller(
    host: String,
    requests: Arc<Vec<Vec<u8>>>,
    t: usize,
    conc: usize,
    stop: Arc<AtomicBool>,
) -> (Lat, u64) {
    use tokio::io::AsyncWriteExt;
    let mut lat = Lat::with_capacity(100_000);
    let mut errors = 0;
    let mut buf = Vec::with_capacity(16 * 1024);
    let Ok(mut s) = connect(&host).await else {
        return (lat, 1);
    };
    let mut i = t;
    while !stop.load(Ordering::Relaxed) && lat.app.len() < 5_000_000 {
        let mut arrived = None;
        let (t0, sent) = (Instant::now(), SystemTime::now());
        let ok = match s.write_all(&requests[i % requests.len()]).await {
            Ok(()) => read_response(&mut s, &mut buf, &mut arrived).await == Some(200),
            Err(_) => false,
        };
        if ok {
            let app = t0.elapsed().as_micros() as u64;
            lat.app.push(app);
            // Without a kernel stamp (another OS, or a clock step) the wire figure is the
            // application's.
            let wire = arrived
                .and_then(|a| a.duration_since(sent).ok())
                .map_or(app, |d| (d.as_micros() as u64).min(app));
            lat.wire.push(wire);
        } else {
            errors += 1;
            match connect(&host).await {
                Ok(n) => s = n,
                Err(_) => break,
            }
        }
        i += conc;
    }
    (lat, errors)
}

async fn connect(host: &str) -> std::io::Result<tokio::net::TcpStream> {
    let s = tokio::net::TcpStream::connect(host).await?;
    s.set_nodelay(true)?;
    arrival::enable(&s);
    Ok(s)
}

/// Reads one HTTP/1.1 response (Content-Length or chunked body) and returns its status, or
/// None on a connection error, a malformed head, or no answer within 10 s.
async fn read_response(
    s: &mut tokio::net::TcpStream,
    buf: &mut Vec<u8>,
    arrived: &mut Option<SystemTime>,
) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    buf.clear();
    let head_end = loop {
        if let Some(p) = memchr::memmem::find(buf, b"\r\n\r\n") {
            break p + 4;
        }
        fill(s, buf, deadline, arrived).await?;
    };
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    if let Some(len) = header("content-length") {
        let want = head_end + len.parse::<usize>().ok()?;
        while buf.len() < want {
            fill(s, buf, deadline, arrived).await?;
        }
        return Some(status);
    }
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        // Chunks: "SIZE\r\nDATA\r\n" ... "0\r\n\r\n" (no trailers from the servers measured).
        let mut at = head_end;
        loop {
            let line_end = loop {
                if let Some(p) = memchr::memmem::find(&buf[at..], b"\r\n") {
                    break at + p;
                }
                fill(s, buf, deadline, arrived).await?;
            };
            let size_text = std::str::from_utf8(&buf[at..line_end]).ok()?;
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            let next = line_end + 2 + size + 2;
            while buf.len() < next {
                fill(s, buf, deadline, arrived).await?;
            }
            if size == 0 {
                return Some(status);
            }
            at = next;
        }
    }
    Some(status)
}

async fn fill(
    s: &mut tokio::net::TcpStream,
    buf: &mut Vec<u8>,
    deadline: tokio::time::Instant,
    arrived: &mut Option<SystemTime>,
) -> Option<()> {
    buf.reserve(8 * 1024);
    let read = async {
        loop {
            s.readable().await.ok()?;
            match s.try_io(tokio::io::Interest::READABLE, || {
                arrival::recv(s, buf, arrived)
            }) {
                Ok(0) => return None,
                Ok(_) => return Some(()),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(_) => return None,
            }
        }
    };
    tokio::time::timeout_at(deadline, read).await.ok()?
}

/// When the answer reached the load generator's socket, as the kernel stamped it
/// (SO_TIMESTAMPNS), so that the latency the client reports does not include the time a
/// received answer waits for the client's own thread, busy with the other connections: 64
/// real VENs on 64 machines would not queue behind each other. The time from the request's
/// write to the answer's last read is printed too (`app_p50_us`, `app_p99_us`).
mod arrival {
    use std::time::SystemTime;

    #[cfg(target_os = "linux")]
    pub fn enable(s: &tokio::net::TcpStream) {
        use std::os::fd::AsRawFd;
        let on: libc::c_int = 1;
        // SAFETY: a valid socket descriptor and a c_int option value of the right size.
        unsafe {
            libc::setsockopt(
                s.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPNS,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }

    /// One non-blocking read into `buf`'s spare capacity; `arrived` gets the kernel's receive
    /// stamp of the data read, when there is one.
    #[cfg(target_os = "linux")]
    pub fn recv(
        s: &tokio::net::TcpStream,
        buf: &mut Vec<u8>,
        arrived: &mut Option<SystemTime>,
    ) -> std::io::Result<usize> {
        use std::os::fd::AsRawFd;
        let spare = buf.spare_capacity_mut();
        let mut iov = libc::iovec {
            iov_base: spare.as_mut_ptr().cast(),
            iov_len: spare.len(),
        };
        let mut control = [0u64; 16];
        // SAFETY: msghdr is plain data; every pointer set below outlives the call.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control) as _;
        // SAFETY: the iovec points at `buf`'s spare capacity, the control buffer is ours.
        let n = unsafe { libc::recvmsg(s.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT) };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let n = n as usize;
        // SAFETY: the kernel initialised the first n bytes of the spare capacity.
        unsafe { buf.set_len(buf.len() + n) };
        // SAFETY: walking the control messages the kernel wrote, with the libc macros.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            while !c.is_null() {
                if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_TIMESTAMPNS {
                    let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                    *arrived = Some(
                        SystemTime::UNIX_EPOCH
                            + std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32),
                    );
                }
                c = libc::CMSG_NXTHDR(&msg, c);
            }
        }
        Ok(n)
    }

    #[cfg(not(target_os = "linux"))]
    pub fn enable(_: &tokio::net::TcpStream) {}

    #[cfg(not(target_os = "linux"))]
    pub fn recv(
        s: &tokio::net::TcpStream,
        buf: &mut Vec<u8>,
        _: &mut Option<SystemTime>,
    ) -> std::io::Result<usize> {
        s.try_read_buf(buf)
    }
}

/// A bare hyper 1 HTTP/1.1 server answering every request with a fixed body, after reading
/// the request's body: the machine's limit for an HTTP server on tokio (issue 6's baseline).
/// It is hyper itself, not oadr's transport, so that it stays the same yardstick whatever
/// oadr's own server does. The fixed body is the answer a VTN gives most polls (an
/// oadrResponse 200 for a venID), in `codec`, so that both servers move the same bytes.
fn bare(addr: &str, threads: usize, codec: &dyn Codec) {
    use http_body_util::BodyExt;
    // The runtime `oadr vtn --threads N` builds: one thread runs everything when N is 1.
    let rt = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    }
    .expect("runtime");
    let answer = oadr::model::Response {
        response: oadr::model::EiResponse::ok(""),
        ven_id: Some("ven-0".to_owned()),
    };
    let body = bytes::Bytes::from(codec.encode(&Message::from(answer)).expect("fixed answer"));
    rt.block_on(async move {
        let l = tokio::net::TcpListener::bind(addr).await.expect("bind");
        loop {
            let Ok((tcp, _)) = l.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let body = body.clone();
            tokio::spawn(async move {
                let answer = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let body = body.clone();
                        async move {
                            let _ = req.into_body().collect().await;
                            let mut r = hyper::Response::new(http_body_util::Full::new(body));
                            r.headers_mut().insert(
                                hyper::header::CONTENT_TYPE,
                                hyper::header::HeaderValue::from_static("application/json"),
                            );
                            Ok::<_, std::convert::Infallible>(r)
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(hyper_util::rt::TokioIo::new(tcp), answer)
                    .await;
            });
        }
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("run") => run(&args[2..]),
        Some("bare") => bare(
            args.get(2).map(String::as_str).unwrap_or("127.0.0.1:8090"),
            arg(&args[2..], "--threads", "2").parse().unwrap_or(2),
            &*codec(&arg(&args[2..], "--codec", "json")),
        ),
        _ => {
            eprintln!("usage: vtn_load run --url URL [--vens N] [--concurrency C] [--seconds S] [--codec json|xml] [--bare] | vtn_load bare ADDR [--threads N] [--codec json|xml]");
            std::process::exit(2);
        }
    }
}
