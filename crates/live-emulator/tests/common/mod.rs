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
