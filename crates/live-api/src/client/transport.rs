//! The default transport (hyper), wired from the builder's network settings.

use std::sync::Arc;
use std::time::Duration;

use live_transport::HttpTransport;

use crate::env::Environment;
use crate::error::{ErrorKind, LiveError};

/// Proxy and certificate settings of the default transport.
#[derive(Clone, Default)]
pub(super) struct Network {
    pub(super) proxy: Option<String>,
    pub(super) no_proxy: Option<String>,
    pub(super) ignore_env_proxy: bool,
    pub(super) roots_pem: Vec<Vec<u8>>,
}

/// The default transport for `endpoint`, and the proxy it takes there (credentials redacted).
#[cfg(feature = "hyper")]
pub(super) fn default_transport(
    endpoint: &str,
    connect: Duration,
    cap: Duration,
    network: &Network,
    env: &Arc<dyn Environment>,
) -> Result<(Arc<dyn HttpTransport>, Option<String>), LiveError> {
    let lookup_env = env.clone();
    let mut builder = live_transport::HyperTransport::builder()
        // The client decides, for every call's endpoint (its own and a generic call's), that
        // plain http:// goes to loopback only unless `allow_insecure_http`: the transport
        // never sees a request the client did not allow.
        .allow_plain_http(true)
        .connect_timeout(connect)
        .timeout(cap)
        .proxy_from_env(!network.ignore_env_proxy)
        .env_lookup(Arc::new(move |name: &str| {
            lookup_env.var_os(name).and_then(|v| v.into_string().ok())
        }));
    if let Some(url) = &network.proxy {
        builder = builder.proxy(url.clone());
    }
    if let Some(list) = &network.no_proxy {
        builder = builder.no_proxy(list.clone());
    }
    for pem in &network.roots_pem {
        builder = builder.add_root_certificates_pem(pem.clone());
    }
    let transport = builder
        .build()
        .map_err(|e| LiveError::from(ErrorKind::Transport(e)))?;
    let uri: http::Uri = endpoint
        .parse()
        .map_err(|_| LiveError::from(ErrorKind::Config("the endpoint is not a URL".into())))?;
    let proxy = transport.proxy_for(&uri);
    Ok((Arc::new(transport), proxy))
}

#[cfg(not(feature = "hyper"))]
pub(super) fn default_transport(
    _endpoint: &str,
    _connect: Duration,
    _cap: Duration,
    _network: &Network,
    _env: &Arc<dyn Environment>,
) -> Result<(Arc<dyn HttpTransport>, Option<String>), LiveError> {
    Err(ErrorKind::Config(
        "no transport: enable the `hyper` feature or give one with LiveClientBuilder::transport"
            .into(),
    )
    .into())
}
