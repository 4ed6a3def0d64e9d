//! Signing an `http::Request` in place.

use crate::uri::{request_host, DecodedUri};
use crate::{
    Credentials, SignError, SignableBody, SignableRequest, Signer, SigningOutput, SigningTime,
    SigningTrace,
};

impl Signer {
    /// Signs an `http::Request` whose body is in memory, and sets `X-Date`,
    /// `X-Content-Sha256`, `Authorization` (and `X-Security-Token`) on it.
    ///
    /// The host is the `Host` header, else the URI's authority. The URI's path and query are
    /// decoded and re-encoded canonically, so build the URI with
    /// [`crate::canonical_query_string`] to send exactly what is signed. On error the request
    /// is left unchanged.
    ///
    /// ```
    /// use volc_sign::{Credentials, Scope, Signer, SigningTime};
    ///
    /// let signer = Signer::new(Scope::new("cn-north-1", "live")?);
    /// let creds = Credentials::new("AKLTexample", "c2VjcmV0")?;
    /// let mut req = http::Request::post("https://live.volcengineapi.com/?Action=GetPullRecordTask&Version=2023-01-01")
    ///     .header("content-type", "application/json")
    ///     .body(br#"{"TaskID":"task-0001"}"#.to_vec())
    ///     .unwrap();
    /// signer.sign_http(&creds, &mut req, SigningTime::parse("20240520T080910Z")?)?;
    /// assert!(req.headers().contains_key("authorization"));
    /// assert_eq!(req.headers()["x-date"], "20240520T080910Z");
    /// # Ok::<(), volc_sign::SignError>(())
    /// ```
    pub fn sign_http<B: AsRef<[u8]>>(
        &self,
        credentials: &Credentials,
        request: &mut http::Request<B>,
        time: SigningTime,
    ) -> Result<SigningOutput, SignError> {
        let (out, _) = {
            let body = SignableBody::Bytes(request.body().as_ref());
            self.sign_http_parts(credentials, request, body, time, false)?
        };
        out.apply_to(request.headers_mut())?;
        Ok(out)
    }

    /// Signs an `http::Request` whose body is streamed or large, given the hex SHA-256 of the
    /// body that will be sent; sets the same headers as [`Signer::sign_http`].
    pub fn sign_http_with_payload_hash<B>(
        &self,
        credentials: &Credentials,
        request: &mut http::Request<B>,
        time: SigningTime,
        payload_sha256_hex: &str,
    ) -> Result<SigningOutput, SignError> {
        let body = SignableBody::PrecomputedSha256(payload_sha256_hex);
        let (out, _) = self.sign_http_parts(credentials, request, body, time, false)?;
        out.apply_to(request.headers_mut())?;
        Ok(out)
    }

    /// [`Signer::sign_http`], also returning the canonical request and string to sign (for
    /// debug logs: use [`SigningTrace::redacted_canonical_request`]).
    pub fn sign_http_with_trace<B: AsRef<[u8]>>(
        &self,
        credentials: &Credentials,
        request: &mut http::Request<B>,
        time: SigningTime,
    ) -> Result<(SigningOutput, SigningTrace), SignError> {
        let (out, trace) = {
            let body = SignableBody::Bytes(request.body().as_ref());
            self.sign_http_parts(credentials, request, body, time, true)?
        };
        out.apply_to(request.headers_mut())?;
        let trace = trace.ok_or(SignError::InvalidUri {
            reason: "no trace was recorded",
        })?;
        Ok((out, trace))
    }

    fn sign_http_parts<B>(
        &self,
        credentials: &Credentials,
        request: &http::Request<B>,
        body: SignableBody<'_>,
        time: SigningTime,
        trace: bool,
    ) -> Result<(SigningOutput, Option<SigningTrace>), SignError> {
        let host = request_host(request.headers(), request.uri()).ok_or(SignError::InvalidUri {
            reason: "it has no host and there is no Host header",
        })?;
        let host = std::str::from_utf8(host).map_err(|_| SignError::InvalidHost {
            reason: "it is not UTF-8",
        })?;
        let uri = DecodedUri::new(request.uri());
        let query = uri.query_refs();
        let mut headers = Vec::with_capacity(request.headers().len());
        for (name, value) in request.headers() {
            if crate::request::is_signed_header(name.as_str()) {
                let value = std::str::from_utf8(value.as_bytes()).map_err(|_| {
                    SignError::InvalidHeaderValue {
                        name: name.as_str().to_owned(),
                    }
                })?;
                headers.push((name.as_str(), value));
            }
        }
        let signable = SignableRequest::new(request.method().as_str(), host, "")
            .path_bytes(&uri.path)
            .query(&query)
            .headers(&headers)
            .body(body);
        if trace {
            let (out, trace) = self.sign_with_trace(credentials, &signable, time)?;
            Ok((out, Some(trace)))
        } else {
            Ok((self.sign(credentials, &signable, time)?, None))
        }
    }
}
