//! A call to any Volcengine API, through the same engine as the Live operations: the same
//! credentials, signature, retries, retry budget, pacing, deadlines and tracing.
//!
//! An [`OpenApiRequest`] names the service, the API version and the action, and how the
//! parameters travel: in the query (GET, as most Volcengine APIs take them), as a JSON body or
//! as a form body (POST). [`LiveClient::call_api`] returns the answer's `Result` as a
//! `serde_json::Value` with its request id; [`LiveClient::call_api_as`] decodes it into a
//! type you name. A service's error comes back as a [`LiveError`] with its code, message,
//! request id and HTTP status, exactly as for the typed calls.
//!
//! Defaults: the endpoint `https://open.volcengineapi.com` (the official SDKs' generic
//! endpoint; for the `live` service, the client's own endpoint), the client's region, GET,
//! signed, not idempotent (sent again only when it certainly did not reach the service:
//! mark reads with [`OpenApiRequest::idempotent`]), not paced (give a limit with
//! [`OpenApiRequest::rate_limit`], or name the action in the client's
//! [`RateLimits`](crate::pacing::RateLimits)).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = live_emulator::Emulator::start(Default::default()).await?;
//! # let client = live_api::LiveClient::builder().endpoint(emulator.base_url())
//! #     .credentials(live_api::Credentials::new(live_emulator::DEMO_ACCESS_KEY_ID, live_emulator::DEMO_SECRET_KEY)?).build()?;
//! use live_api::openapi::OpenApiRequest;
//!
//! // GetPullRecordTask, called as any API would be.
//! let request = OpenApiRequest::new("live", "2023-01-01", "GetPullRecordTask")
//!     .post_json(serde_json::json!({"TaskID": "5b903f78c7f5ae*******01f6fe2eea"}))
//!     .idempotent();
//! let answer = client.call_api(&request).await?;
//! assert_eq!(answer.result["App"], "live");
//! println!("request id {}", answer.request_id());
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use live_model::{Idempotency, Response, ValidationError};
use serde::de::DeserializeOwned;
use volc_sign::{Scope, Signer};

use crate::client::endpoint::{query_uri, Endpoint};
use crate::engine::Call;
use crate::error::{ErrorKind, LiveError};
use crate::pacing::Rate;
use crate::LiveClient;

/// The official SDKs' endpoint for any service.
pub const DEFAULT_ENDPOINT: &str = "https://open.volcengineapi.com";

/// The largest body a generic call sends: 16 MiB.
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// How the parameters travel.
#[derive(Clone, PartialEq, Eq)]
enum Body {
    /// Only the query.
    None,
    /// A JSON body (POST).
    Json(Bytes),
    /// A form body, `application/x-www-form-urlencoded` (POST).
    Form(Vec<(String, String)>),
}

/// A call to any Volcengine API (see [the module](self)).
#[derive(Clone)]
#[must_use = "nothing is sent until it is given to LiveClient::call_api"]
pub struct OpenApiRequest {
    service: String,
    version: String,
    action: String,
    method: http::Method,
    query: Vec<(String, String)>,
    body: Body,
    region: Option<String>,
    endpoint: Option<String>,
    idempotency: Idempotency,
    rate: Option<Rate>,
    signed: bool,
}

impl fmt::Debug for OpenApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Parameters are the caller's and may hold anything: only their names are shown.
        let names: Vec<&str> = self.query.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("OpenApiRequest")
            .field("service", &self.service)
            .field("version", &self.version)
            .field("action", &self.action)
            .field("method", &self.method)
            .field("query", &names)
            .field(
                "body",
                &match &self.body {
                    Body::None => "none".to_owned(),
                    Body::Json(b) => format!("JSON, {} bytes", b.len()),
                    Body::Form(f) => format!("form, {} fields", f.len()),
                },
            )
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("idempotency", &self.idempotency)
            .field("rate", &self.rate)
            .field("signed", &self.signed)
            .finish()
    }
}

impl OpenApiRequest {
    /// `action` of `service` at API `version`: a signed GET with no parameters yet.
    pub fn new(
        service: impl Into<String>,
        version: impl Into<String>,
        action: impl Into<String>,
    ) -> Self {
        Self {
            service: service.into(),
            version: version.into(),
            action: action.into(),
            method: http::Method::GET,
            query: Vec::new(),
            body: Body::None,
            region: None,
            endpoint: None,
            idempotency: Idempotency::NotIdempotent,
            rate: None,
            signed: true,
        }
    }

    /// Adds a query parameter (`Action` and `Version` are added by the client).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// A POST whose body is this JSON value.
    pub fn post_json(self, body: serde_json::Value) -> Self {
        let text = serde_json::to_vec(&body).unwrap_or_default();
        self.post_json_text(text)
    }

    /// A POST whose body is this JSON text (checked to be JSON before anything is sent).
    pub fn post_json_text(mut self, body: impl Into<Bytes>) -> Self {
        self.method = http::Method::POST;
        self.body = Body::Json(body.into());
        self
    }

    /// A POST with a form body (`application/x-www-form-urlencoded`); adds one field.
    pub fn form(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.method = http::Method::POST;
        let field = (name.into(), value.into());
        match &mut self.body {
            Body::Form(fields) => fields.push(field),
            _ => self.body = Body::Form(vec![field]),
        }
        self
    }

    /// The HTTP method: GET or POST (a GET with a body is refused when sent).
    pub fn method(mut self, method: http::Method) -> Self {
        self.method = method;
        self
    }

    /// The region of the signature's scope (default: the client's).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The endpoint, `scheme://host[:port]` (default [`DEFAULT_ENDPOINT`]; for the `live`
    /// service, the client's endpoint). `http://` only for loopback, as for the client.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// How safe sending it again is (default [`Idempotency::NotIdempotent`]).
    pub fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// Marks it a read ([`Idempotency::Read`]): sent again after any transient failure.
    pub fn idempotent(self) -> Self {
        self.idempotency(Idempotency::Read)
    }

    /// Paces it at `rate` per access key id (an override in the client's
    /// [`RateLimits`](crate::pacing::RateLimits) for the action's name still wins).
    pub fn rate_limit(mut self, rate: Rate) -> Self {
        self.rate = Some(rate);
        self
    }

    /// Sends it without a signature (for the few actions that take none, such as STS's
    /// `AssumeRoleWithOIDC`).
    pub fn unsigned(mut self) -> Self {
        self.signed = false;
        self
    }

    /// The service.
    pub fn service_name(&self) -> &str {
        &self.service
    }

    /// The action.
    pub fn action_name(&self) -> &str {
        &self.action
    }

    /// Checks what can be checked before sending: names, the method, the body.
    fn validate(&self) -> Result<(), ValidationError> {
        let name_rule = |field: &'static str, value: &str, extra: &str| {
            let ok = !value.is_empty()
                && value.len() <= 128
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || extra.contains(c));
            if ok {
                Ok(())
            } else {
                Err(ValidationError::new(
                    field,
                    format!("must be 1 to 128 letters, digits or {extra:?}"),
                ))
            }
        };
        name_rule("Service", &self.service, "_-.")?;
        name_rule("Version", &self.version, "-._")?;
        name_rule("Action", &self.action, "_-.")?;
        if let Some(region) = &self.region {
            name_rule("Region", region, "-_")?;
        }
        if self.method != http::Method::GET && self.method != http::Method::POST {
            return Err(ValidationError::new("Method", "must be GET or POST"));
        }
        if let Some((name, _)) = self
            .query
            .iter()
            .find(|(k, _)| k == "Action" || k == "Version")
        {
            return Err(ValidationError::new(
                "Query",
                format!("{name} is set from the request's action and version; remove it"),
            ));
        }
        match &self.body {
            Body::None => {}
            _ if self.method == http::Method::GET => {
                return Err(ValidationError::new("Body", "a GET has no body: use POST"))
            }
            Body::Json(bytes) => {
                if bytes.len() > MAX_BODY_BYTES {
                    return Err(ValidationError::new(
                        "Body",
                        format!("is over {MAX_BODY_BYTES} bytes"),
                    ));
                }
                if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                    return Err(ValidationError::new("Body", format!("is not JSON: {e}")));
                }
            }
            Body::Form(_) => {}
        }
        Ok(())
    }
}

impl LiveClient {
    /// Sends a call to any Volcengine API (see [`crate::openapi`]) and returns its `Result`
    /// as JSON (`Value::Null` when the answer has none), with the response metadata.
    ///
    /// Input that cannot be sent (a bad name, a GET with a body, a body that is not JSON, an
    /// unusable endpoint) is [`ErrorKind::InvalidInput`] or [`ErrorKind::Config`], and nothing
    /// is sent.
    pub async fn call_api(
        &self,
        request: &OpenApiRequest,
    ) -> Result<Response<serde_json::Value>, LiveError> {
        self.call_api_as(request).await
    }

    /// [`LiveClient::call_api`], decoding the `Result` into `T`. A `Result` that does not fit
    /// `T` is [`ErrorKind::Decode`].
    pub async fn call_api_as<T: DeserializeOwned>(
        &self,
        request: &OpenApiRequest,
    ) -> Result<Response<T>, LiveError> {
        request
            .validate()
            .map_err(|e| LiveError::from(ErrorKind::InvalidInput(e)))?;
        let config = |m: String| LiveError::from(ErrorKind::Config(m));
        let inner = &*self.inner;
        let base = match (&request.endpoint, request.service == live_model::SERVICE) {
            (Some(text), _) => {
                let endpoint = Endpoint::parse(text).map_err(config)?;
                endpoint
                    .check_plain_http(inner.allow_insecure_http)
                    .map_err(config)?;
                endpoint
            }
            (None, true) => Endpoint::parse(&inner.live.base).map_err(config)?,
            (None, false) => Endpoint::parse(DEFAULT_ENDPOINT).map_err(config)?,
        };
        let region = request.region.as_deref().unwrap_or(&inner.region);
        let signer = request
            .signed
            .then(|| Scope::new(region, &*request.service).map(Signer::new))
            .transpose()
            .map_err(|e| config(e.to_string()))?;
        let mut query: Vec<(&str, &str)> = vec![
            ("Action", request.action.as_str()),
            ("Version", request.version.as_str()),
        ];
        query.extend(request.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let uri = query_uri(&base.base(), &query)?;
        let (content_type, body) = match &request.body {
            Body::None => (None, Bytes::new()),
            Body::Json(bytes) => (Some("application/json"), bytes.clone()),
            Body::Form(fields) => {
                let text = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish();
                (Some("application/x-www-form-urlencoded"), Bytes::from(text))
            }
        };
        let engine = self.engine();
        let call = Call {
            service: &request.service,
            action: request.action.clone().into(),
            signer: signer.as_ref(),
            method: request.method.clone(),
            uri,
            query: query.into(),
            headers: Cow::Owned(engine.headers(base.host_header().map_err(config)?, content_type)),
            body,
            idempotency: request.idempotency,
            rate: request.rate,
        };
        let decode = |status: u16, body: &[u8]| decode_any::<T>(status, body);
        engine
            .run(&call, &decode, None)
            .await
            .map(|done| done.response)
    }
}

/// Decodes the envelope of any action into `T` (a missing `Result` is read as `null`).
fn decode_any<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<Response<T>, LiveError> {
    live_model::decode::<T>(status, body).map_err(LiveError::from)
}
