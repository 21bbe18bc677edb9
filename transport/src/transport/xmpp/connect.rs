//! Opening an XMPP client session (RFC 6120 §4–§7): TCP, STARTTLS or direct TLS, SASL
//! (EXTERNAL with the TLS client certificate per XEP-0178, else PLAIN), resource binding
//! and the legacy session establishment (RFC 3921 §3) when the server still requires it.

use super::xml::{escape, Element, Frame, Framer, NS_CLIENT, NS_STREAM};
use super::{Jid, XmppConfig, XmppError};
use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

const NS_TLS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
const NS_SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
const NS_BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
const NS_SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";

/// A byte stream the session runs over (TCP, or TLS over TCP).
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// An established session: the stream plus the JID the server bound.
pub(crate) struct Session {
    io: Box<dyn Io>,
    framer: Framer,
    /// The full JID bound to this session.
    pub jid: Jid,
    /// The SASL mechanism that authenticated it.
    pub mechanism: &'static str,
}

impl Session {
    /// The next frame. Cancel-safe: the only await is a read into the framer.
    pub async fn read(&mut self) -> Result<Frame, XmppError> {
        read_frame(&mut *self.io, &mut self.framer).await
    }

    /// Send bytes (one or more complete stanzas).
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), XmppError> {
        self.io.write_all(bytes).await?;
        self.io.flush().await?;
        Ok(())
    }

    /// Close the stream politely (best effort).
    pub async fn close(mut self) {
        let _ = self.write(b"</stream:stream>").await;
        let _ = self.io.shutdown().await;
    }
}

async fn read_frame<S: AsyncRead + Unpin + ?Sized>(
    io: &mut S,
    framer: &mut Framer,
) -> Result<Frame, XmppError> {
    let mut buf = [0u8; 8192];
    loop {
        if let Some(f) = framer.next_frame()? {
            return Ok(f);
        }
        let n = io.read(&mut buf).await?;
        if n == 0 {
            return Err(XmppError::Closed);
        }
        framer.push(&buf[..n]);
    }
}

/// Read the next stanza; a stream error or the end of the stream is an error here.
async fn read_stanza<S: AsyncRead + Unpin + ?Sized>(
    io: &mut S,
    framer: &mut Framer,
) -> Result<Element, XmppError> {
    match read_frame(io, framer).await? {
        Frame::Stanza(el) => {
            if el.name == "error" && el.ns == NS_STREAM {
                return Err(stream_error(&el));
            }
            Ok(el)
        }
        Frame::Header(_) => Err(XmppError::Protocol("a second stream header".into())),
        Frame::End => Err(XmppError::Closed),
    }
}

/// A `<stream:error>` as an error.
pub(crate) fn stream_error(el: &Element) -> XmppError {
    let condition = el
        .children
        .iter()
        .find(|c| c.name != "text")
        .map(|c| c.name.clone())
        .unwrap_or_else(|| "undefined-condition".into());
    let text = el
        .children
        .iter()
        .find(|c| c.name == "text")
        .map(|c| c.text.clone());
    XmppError::Stream { condition, text }
}

/// Send the stream header and read the server's header and features.
async fn open_stream<S: AsyncRead + AsyncWrite + Unpin + ?Sized>(
    io: &mut S,
    framer: &mut Framer,
    jid: &Jid,
) -> Result<Element, XmppError> {
    framer.reset();
    let header = format!(
        "<?xml version='1.0'?><stream:stream xmlns='{NS_CLIENT}' xmlns:stream='{NS_STREAM}' \
         to='{}' from='{}' version='1.0' xml:lang='en'>",
        escape(jid.domain()),
        escape(&jid.bare().to_string())
    );
    io.write_all(header.as_bytes()).await?;
    io.flush().await?;
    match read_frame(io, framer).await? {
        Frame::Header(h) => {
            if h.attr("version") != Some("1.0") {
                return Err(XmppError::Protocol(
                    "the server does not speak XMPP 1.0".into(),
                ));
            }
        }
        _ => {
            return Err(XmppError::Protocol(
                "no stream header from the server".into(),
            ))
        }
    }
    let features = read_stanza(io, framer).await?;
    if features.name != "features" || features.ns != NS_STREAM {
        return Err(XmppError::Protocol(format!(
            "expected stream:features, got {}",
            features.name
        )));
    }
    Ok(features)
}

/// Connect, secure, authenticate and bind. TLS is always required (spec digest §3
/// "Security", §9.3.5).
pub(crate) async fn connect(cfg: &XmppConfig) -> Result<Session, XmppError> {
    let jid = &cfg.jid;
    let addr = cfg
        .server
        .clone()
        .unwrap_or_else(|| format!("{}:5222", jid.domain()));
    let tcp = tokio::time::timeout(cfg.connect_timeout, TcpStream::connect(&addr))
        .await
        .map_err(|_| XmppError::Timeout(format!("connecting to {addr}")))??;
    let _ = tcp.set_nodelay(true);
    let mut framer = Framer::new(cfg.max_stanza);
    let mut io: Box<dyn Io> = if cfg.direct_tls {
        Box::new(tls(cfg, tcp).await?)
    } else {
        let mut plain = tcp;
        let features = open_stream(&mut plain, &mut framer, jid).await?;
        if features.child("starttls", NS_TLS).is_none() {
            return Err(XmppError::Protocol(
                "the server does not offer STARTTLS, and OpenADR requires TLS".into(),
            ));
        }
        plain
            .write_all(format!("<starttls xmlns='{NS_TLS}'/>").as_bytes())
            .await?;
        plain.flush().await?;
        let answer = read_stanza(&mut plain, &mut framer).await?;
        if answer.name != "proceed" {
            return Err(XmppError::Protocol(format!(
                "STARTTLS refused ({})",
                answer.name
            )));
        }
        // Nothing may follow <proceed/> in plain text; the framer is reset anyway.
        Box::new(tls(cfg, plain).await?)
    };
    let features = open_stream(&mut *io, &mut framer, jid).await?;
    let mechanism = authenticate(cfg, &mut *io, &mut framer, &features).await?;
    let features = open_stream(&mut *io, &mut framer, jid).await?;
    if features.child("bind", NS_BIND).is_none() {
        return Err(XmppError::Protocol(
            "the server offers no resource binding".into(),
        ));
    }
    let resource = jid.resource().unwrap_or("oadr");
    let bind = format!(
        "<iq type='set' id='bind-1'><bind xmlns='{NS_BIND}'><resource>{}</resource></bind></iq>",
        escape(resource)
    );
    io.write_all(bind.as_bytes()).await?;
    io.flush().await?;
    let reply = read_stanza(&mut *io, &mut framer).await?;
    let bound = reply
        .child("bind", NS_BIND)
        .and_then(|b| b.child("jid", NS_BIND))
        .filter(|_| reply.attr("type") == Some("result"))
        .ok_or_else(|| XmppError::Protocol("resource binding failed".into()))?;
    let bound: Jid = bound.text.trim().parse()?;
    if let Some(s) = features.child("session", NS_SESSION) {
        if s.child("optional", NS_SESSION).is_none() {
            let sess = format!("<iq type='set' id='sess-1'><session xmlns='{NS_SESSION}'/></iq>");
            io.write_all(sess.as_bytes()).await?;
            io.flush().await?;
            let reply = read_stanza(&mut *io, &mut framer).await?;
            if reply.attr("type") != Some("result") {
                return Err(XmppError::Protocol("session establishment failed".into()));
            }
        }
    }
    Ok(Session {
        io,
        framer,
        jid: bound,
        mechanism,
    })
}

async fn tls(
    cfg: &XmppConfig,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, XmppError> {
    let name = rustls::pki_types::ServerName::try_from(cfg.jid.domain().to_owned())
        .map_err(|e| XmppError::Tls(format!("server name {}: {e}", cfg.jid.domain())))?;
    let connector = tokio_rustls::TlsConnector::from(cfg.tls.clone());
    tokio::time::timeout(cfg.connect_timeout, connector.connect(name, tcp))
        .await
        .map_err(|_| XmppError::Timeout("TLS handshake".into()))?
        .map_err(|e| XmppError::Tls(e.to_string()))
}

/// SASL (RFC 6120 §6): EXTERNAL when configured and offered (XEP-0178: the certificate
/// names the account, spec digest §3 "Security"), else PLAIN over the TLS channel.
async fn authenticate(
    cfg: &XmppConfig,
    io: &mut dyn Io,
    framer: &mut Framer,
    features: &Element,
) -> Result<&'static str, XmppError> {
    let offered: Vec<String> = features
        .child("mechanisms", NS_SASL)
        .map(|m| {
            m.children
                .iter()
                .map(|c| c.text.trim().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let b64 = base64::engine::general_purpose::STANDARD;
    let (mechanism, initial) = if cfg.sasl_external && offered.iter().any(|m| m == "EXTERNAL") {
        // Empty authzid ("="): the server derives the identity from the certificate.
        ("EXTERNAL", "=".to_owned())
    } else if let Some(password) = cfg
        .password
        .as_deref()
        .filter(|_| offered.iter().any(|m| m == "PLAIN"))
    {
        let user = cfg
            .jid
            .local()
            .ok_or_else(|| XmppError::Auth("a JID without localpart cannot log in".into()))?;
        ("PLAIN", b64.encode(format!("\0{user}\0{password}")))
    } else {
        return Err(XmppError::Auth(format!(
            "no usable SASL mechanism (server offers {}; EXTERNAL {}, PLAIN {})",
            offered.join(" "),
            if cfg.sasl_external {
                "wanted"
            } else {
                "not configured"
            },
            if cfg.password.is_some() {
                "has a password"
            } else {
                "has no password"
            },
        )));
    };
    let auth = format!("<auth xmlns='{NS_SASL}' mechanism='{mechanism}'>{initial}</auth>");
    io.write_all(auth.as_bytes()).await?;
    io.flush().await?;
    let reply = read_stanza(io, framer).await?;
    match reply.name.as_str() {
        "success" if reply.ns == NS_SASL => Ok(mechanism),
        "failure" if reply.ns == NS_SASL => {
            let condition = reply
                .children
                .iter()
                .find(|c| c.name != "text")
                .map(|c| c.name.clone())
                .unwrap_or_default();
            Err(XmppError::Auth(format!("{mechanism}: {condition}")))
        }
        "challenge" => Err(XmppError::Auth(format!(
            "{mechanism}: unexpected challenge"
        ))),
        other => Err(XmppError::Protocol(format!(
            "unexpected {other} during SASL"
        ))),
    }
}
