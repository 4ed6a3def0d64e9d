//! A small signing client for the emulator's tests: volc-sign + the hyper transport.
#![allow(dead_code)]

use std::time::SystemTime;

use bytes::Bytes;
use live_emulator::{DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY};
use live_transport::{HttpTransport, HyperTransport, TransportError};
use volc_sign::{Credentials, Scope, Signer, SigningTime};

pub struct Client {
    pub base: String,
    pub transport: HyperTransport,
    pub signer: Signer,
    pub creds: Credentials,
}

/// An answer: status, headers, body text and (when JSON) the parsed body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
    pub json: serde_json::Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.json["ResponseMetadata"]["Error"]["Code"]
            .as_str()
            .unwrap_or("")
    }
    pub fn request_id(&self) -> &str {
        self.json["ResponseMetadata"]["RequestId"]
            .as_str()
            .unwrap_or("")
    }
    pub fn result(&self) -> &serde_json::Value {
        &self.json["Result"]
    }
}

impl Client {
    pub fn demo(base: &str) -> Self {
        Self::new(
            base,
            Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap(),
        )
    }

    pub fn new(base: &str, creds: Credentials) -> Self {
        Self {
            base: base.to_owned(),
            transport: HyperTransport::builder()
                .allow_plain_http(true)
                .build()
                .unwrap(),
            signer: Signer::new(Scope::new("cn-north-1", "live").unwrap()),
            creds,
        }
    }

    pub fn unsigned(&self, action: &str, body: &[u8]) -> http::Request<Bytes> {
        let uri = format!("{}/?Action={action}&Version=2023-01-01", self.base);
        http::Request::post(uri)
            .header("content-type", "application/json")
            .body(Bytes::copy_from_slice(body))
            .unwrap()
    }

    pub fn signed_at(&self, action: &str, body: &[u8], at: SystemTime) -> http::Request<Bytes> {
        let mut req = self.unsigned(action, body);
        let host = req.uri().authority().unwrap().to_string();
        req.headers_mut().insert("host", host.parse().unwrap());
        self.signer
            .sign_http(
                &self.creds,
                &mut req,
                SigningTime::from_system_time(at).unwrap(),
            )
            .unwrap();
        req
    }

    pub fn signed(&self, action: &str, body: &[u8]) -> http::Request<Bytes> {
        self.signed_at(action, body, SystemTime::now())
    }

    pub async fn send(&self, req: http::Request<Bytes>) -> Result<Answer, TransportError> {
        let resp = self.transport.send(req).await?;
        let json = serde_json::from_slice(resp.body()).unwrap_or(serde_json::Value::Null);
        Ok(Answer {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.body().clone(),
            json,
        })
    }

    pub async fn call(&self, action: &str, body: &str) -> Answer {
        self.send(self.signed(action, body.as_bytes()))
            .await
            .unwrap()
    }

    pub async fn call_at(&self, action: &str, body: &str, at: SystemTime) -> Answer {
        self.send(self.signed_at(action, body.as_bytes(), at))
            .await
            .unwrap()
    }
}

/// What a raw HTTP/1.1 client read from one exchange: every byte until the server closed.
#[derive(Debug)]
pub struct RawAnswer {
    /// Every byte read (empty: the connection closed without an answer).
    pub bytes: Vec<u8>,
}

impl RawAnswer {
    fn split(&self) -> Option<(&[u8], &[u8])> {
        let at = self.bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
        Some((&self.bytes[..at], &self.bytes[at + 4..]))
    }

    /// The status line's code, when a head arrived.
    pub fn status(&self) -> Option<u16> {
        let (head, _) = self.split()?;
        std::str::from_utf8(head)
            .ok()?
            .split(' ')
            .nth(1)?
            .parse()
            .ok()
    }

    /// The `Content-Length` the head promised.
    pub fn content_length(&self) -> Option<usize> {
        let (head, _) = self.split()?;
        std::str::from_utf8(head).ok()?.lines().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
    }

    /// The body bytes that arrived after the head.
    pub fn body(&self) -> &[u8] {
        self.split().map_or(&[], |(_, body)| body)
    }
}

/// Sends `req` over a fresh TCP connection as HTTP/1.1 and reads until the server closes it
/// (asking it to close after answering). No HTTP client in between, so a cut answer is seen
/// as it went over the wire.
pub async fn raw_send(addr: std::net::SocketAddr, req: &http::Request<Bytes>) -> RawAnswer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let target = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut wire = format!("{} {target} HTTP/1.1\r\n", req.method()).into_bytes();
    for (name, value) in req.headers() {
        wire.extend_from_slice(name.as_str().as_bytes());
        wire.extend_from_slice(b": ");
        wire.extend_from_slice(value.as_bytes());
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(
        format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            req.body().len()
        )
        .as_bytes(),
    );
    wire.extend_from_slice(req.body());
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(&wire).await.unwrap();
    let mut bytes = Vec::new();
    // A safety net against a hang, not a timed assertion.
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        tcp.read_to_end(&mut bytes),
    )
    .await
    .expect("the emulator neither answered nor closed")
    .or_else(|e| match e.kind() {
        // A reset ends the exchange too; the bytes read before it are kept.
        std::io::ErrorKind::ConnectionReset => Ok(0),
        _ => Err(e),
    })
    .unwrap();
    RawAnswer { bytes }
}
