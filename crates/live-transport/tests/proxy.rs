//! Proxies against a real tinyproxy and a small SOCKS5 server, all on 127.0.0.1; extra
//! trusted roots in PEM; and the errors that say what to check.
//!
//! tinyproxy is started by the tests themselves. When it is not installed the tinyproxy tests
//! print why and pass, except under CI (`CI=true`), where they fail.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use live_transport::test_util::Tinyproxy;
use live_transport::{HttpTransport, HyperTransport, HyperTransportBuilder, TransportError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const USER: &str = "volc";
const SECRET: &str = "s3cr3tPW";

/// What the test server saw of a request.
#[derive(Debug, Clone)]
struct Seen {
    uri: http::Uri,
    version: http::Version,
    headers: http::HeaderMap,
}

/// A local server (HTTP/1.1 and HTTP/2, optionally TLS) answering `{}`; stops when dropped.
struct Server {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(tls: Option<tokio_rustls::TlsAcceptor>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let seen = s.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: http::Request<Incoming>| {
                    let seen = seen.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let _ = body.collect().await;
                        seen.lock().unwrap().push(Seen {
                            uri: parts.uri,
                            version: parts.version,
                            headers: parts.headers,
                        });
                        Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from_static(
                            b"{}",
                        ))))
                    }
                });
                let builder = auto::Builder::new(TokioExecutor::new());
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(tcp).await {
                            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                        }
                    }
                    None => {
                        let _ = builder.serve_connection(TokioIo::new(tcp), svc).await;
                    }
                }
            });
        }
    });
    Server { addr, seen, task }
}

/// A self-signed certificate for 127.0.0.1 and localhost (as PEM) and a TLS acceptor
/// offering h2 and http/1.1.
fn tls_pair() -> (String, tokio_rustls::TlsAcceptor) {
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let der = cert.cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der.into()], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    (
        cert.cert.pem(),
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    )
}

/// A loopback port with nothing listening (bound, then released).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A transport that reads no proxy variable of the process (each test says what it wants).
fn builder() -> HyperTransportBuilder {
    HyperTransport::builder()
        .proxy_from_env(false)
        .allow_plain_http(true)
        .connect_timeout(Duration::from_secs(5))
}

fn get(url: impl AsRef<str>) -> http::Request<Bytes> {
    http::Request::get(url.as_ref()).body(Bytes::new()).unwrap()
}

/// No credential in the error's Display or Debug, nor anywhere in its source chain.
fn assert_no_secret(err: &TransportError) {
    let mut texts = vec![err.to_string(), format!("{err:?}")];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        texts.push(s.to_string());
        texts.push(format!("{s:?}"));
        source = s.source();
    }
    for text in texts {
        assert!(!text.contains(SECRET), "a credential leaked: {text}");
        // `volc:s3cr3tPW` in base64, as in Proxy-Authorization.
        assert!(
            !text.contains("dm9sYzpzM2NyM3RQVw"),
            "a credential leaked: {text}"
        );
    }
}

// ---------------------------------------------------------------- tinyproxy

#[tokio::test]
async fn http_endpoints_go_through_tinyproxy_in_absolute_form() {
    let server = serve(None).await;
    let Some(proxy) = Tinyproxy::start(server.addr.port(), None) else {
        return;
    };
    let t = builder().proxy(proxy.url()).build().unwrap();
    let url = format!(
        "http://127.0.0.1:{}/via-proxy?Action=Get",
        server.addr.port()
    );
    assert_eq!(
        t.proxy_for(&url.parse().unwrap()),
        Some(format!("http://127.0.0.1:{}", proxy.port()))
    );
    let response = t.send(get(&url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), "{}");

    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].uri, "/via-proxy?Action=Get");
    let via = seen[0].headers["via"].to_str().unwrap();
    assert!(via.contains("tinyproxy"), "forwarded by tinyproxy: {via}");
    let log = proxy.log();
    assert!(
        log.contains(&format!("GET {url} HTTP/1.1")),
        "tinyproxy got the absolute form: {log}"
    );
}

#[tokio::test]
async fn https_endpoints_go_through_a_connect_tunnel_with_tls_to_the_service() {
    let (pem, acceptor) = tls_pair();
    let server = serve(Some(acceptor)).await;
    let Some(proxy) = Tinyproxy::start(server.addr.port(), None) else {
        return;
    };
    let t = builder()
        .proxy(proxy.url())
        .add_root_certificates_pem(pem)
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/secure", server.addr.port());
    for _ in 0..3 {
        let response = t.send(get(&url)).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.version(),
            http::Version::HTTP_2,
            "ALPN to the service, through the tunnel"
        );
    }
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].uri.path(), "/secure");
    assert_eq!(seen[0].version, http::Version::HTTP_2);
    assert!(
        !seen[0].headers.contains_key("via"),
        "the proxy saw no request, only bytes"
    );
    let log = proxy.log();
    assert!(
        log.contains(&format!(
            "CONNECT localhost:{} HTTP/1.1",
            server.addr.port()
        )),
        "tinyproxy tunneled: {log}"
    );
    assert_eq!(
        log.matches("CONNECT localhost:").count(),
        1,
        "one pooled tunnel: {log}"
    );
}

#[tokio::test]
async fn tinyproxy_basic_auth_accepts_credentials_and_a_missing_one_is_a_407() {
    let (pem, acceptor) = tls_pair();
    let tls_server = serve(Some(acceptor)).await;
    let plain_server = serve(None).await;
    let Some(proxy) = Tinyproxy::start(tls_server.addr.port(), Some((USER, SECRET))) else {
        return;
    };
    let https_url = format!("https://127.0.0.1:{}/", tls_server.addr.port());
    let http_url = format!("http://127.0.0.1:{}/", plain_server.addr.port());

    // Without credentials: a 407, for the tunnel and for the absolute form.
    let t = builder()
        .proxy(proxy.url())
        .add_root_certificates_pem(pem.clone())
        .build()
        .unwrap();
    for url in [&https_url, &http_url] {
        let err = t.send(get(url)).await.unwrap_err();
        assert!(
            err.is_proxy() && err.is_connect() && err.is_proxy_refusal(),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("the proxy requires authentication (407)"),
            "{err}"
        );
        assert!(!err.may_have_reached_server());
    }

    // Credentials in the URL, or set apart: both tunnel and absolute form pass.
    let in_url = builder()
        .proxy(format!("http://{USER}:{SECRET}@127.0.0.1:{}", proxy.port()))
        .add_root_certificates_pem(pem.clone())
        .build()
        .unwrap();
    let set_apart = builder()
        .proxy(proxy.url())
        .proxy_basic_auth(USER, SECRET)
        .add_root_certificates_pem(pem.clone())
        .build()
        .unwrap();
    for t in [&in_url, &set_apart] {
        assert_eq!(t.send(get(&https_url)).await.unwrap().status(), 200);
        assert_eq!(t.send(get(&http_url)).await.unwrap().status(), 200);
        let shown = format!("{t:?}");
        assert!(!shown.contains(SECRET), "{shown}");
    }
    assert_eq!(
        in_url.proxy_for(&https_url.parse().unwrap()),
        Some(format!("http://***@127.0.0.1:{}", proxy.port()))
    );
    let seen = plain_server.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .all(|s| !s.headers.contains_key("proxy-authorization")),
        "the proxy keeps its credentials to itself"
    );

    // Wrong credentials: a 407 that says they were refused, and shows none of them.
    let wrong = builder()
        .proxy(format!(
            "http://{USER}:not-{SECRET}@127.0.0.1:{}",
            proxy.port()
        ))
        .add_root_certificates_pem(pem)
        .build()
        .unwrap();
    let err = wrong.send(get(&https_url)).await.unwrap_err();
    assert!(err.is_proxy() && err.is_proxy_refusal(), "{err:?}");
    assert!(err.to_string().contains("refused the credentials"), "{err}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn no_proxy_from_the_environment_keeps_loopback_direct() {
    let server = serve(None).await;
    let Some(proxy) = Tinyproxy::start(server.addr.port(), None) else {
        return;
    };
    let env = |no_proxy: Option<&str>| {
        let mut vars = HashMap::new();
        vars.insert("HTTP_PROXY".to_string(), proxy.url());
        if let Some(list) = no_proxy {
            vars.insert("NO_PROXY".to_string(), list.to_string());
        }
        Arc::new(move |name: &str| vars.get(name).cloned())
    };
    let url = format!("http://127.0.0.1:{}/", server.addr.port());

    // Loopback is proxied like any host (curl's rule)…
    let proxied = HyperTransport::builder()
        .allow_plain_http(true)
        .env_lookup(env(None))
        .build()
        .unwrap();
    assert!(proxied.proxy_for(&url.parse().unwrap()).is_some());
    proxied.send(get(&url)).await.unwrap();
    // …unless NO_PROXY names it.
    let direct = HyperTransport::builder()
        .allow_plain_http(true)
        .env_lookup(env(Some("localhost, 127.0.0.1")))
        .build()
        .unwrap();
    assert_eq!(direct.proxy_for(&url.parse().unwrap()), None);
    direct.send(get(&url)).await.unwrap();

    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[0].headers.contains_key("via"),
        "the first went through tinyproxy"
    );
    assert!(
        !seen[1].headers.contains_key("via"),
        "the second went direct"
    );
    assert_eq!(proxy.log().matches(&format!("GET {url}")).count(), 1);
}

#[tokio::test]
async fn a_tunnel_tinyproxy_refuses_gives_its_status() {
    let (pem, acceptor) = tls_pair();
    let server = serve(Some(acceptor)).await;
    // CONNECT is allowed to another port only.
    let Some(proxy) = Tinyproxy::start(free_port(), None) else {
        return;
    };
    let t = builder()
        .proxy(proxy.url())
        .add_root_certificates_pem(pem)
        .build()
        .unwrap();
    let err = t
        .send(get(format!("https://127.0.0.1:{}/", server.addr.port())))
        .await
        .unwrap_err();
    assert!(
        err.is_proxy() && err.is_connect() && err.is_proxy_refusal(),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("the proxy refused the tunnel: 403 "),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&format!("127.0.0.1:{}", proxy.port())),
        "{err}"
    );
    assert!(server.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_proxy_that_cannot_be_reached_is_named_not_the_service() {
    let dead = free_port();
    let service = free_port();
    let t = builder()
        .proxy(format!("http://{USER}:{SECRET}@127.0.0.1:{dead}"))
        .build()
        .unwrap();
    for scheme in ["https", "http"] {
        let err = t
            .send(get(format!("{scheme}://127.0.0.1:{service}/")))
            .await
            .unwrap_err();
        assert!(
            err.is_proxy() && err.is_connect() && !err.is_proxy_refusal(),
            "{err:?}"
        );
        assert!(!err.may_have_reached_server());
        let text = err.to_string();
        assert!(
            text.contains(&format!("the proxy 127.0.0.1:{dead} cannot be reached")),
            "{text}"
        );
        assert!(!text.contains(&service.to_string()), "{text}");
        assert_no_secret(&err);
    }
    let shown = format!("{t:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(
        shown.contains(&format!("http://***@127.0.0.1:{dead}")),
        "{shown}"
    );
}

#[tokio::test]
async fn an_unusable_proxy_url_fails_build_without_showing_it() {
    let err = builder()
        .proxy(format!("ftp://{USER}:{SECRET}@127.0.0.1:1"))
        .build()
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
    assert_no_secret(&err);
    let err = HyperTransport::builder()
        .env_lookup(Arc::new(|name: &str| {
            (name == "ALL_PROXY").then(|| format!("http://{USER}:{SECRET}@host:notaport"))
        }))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("ALL_PROXY"), "{err}");
    assert_no_secret(&err);
}

// ---------------------------------------------------------------- SOCKS5

/// The address a SOCKS5 client asked for.
#[derive(Debug, Clone, PartialEq)]
enum Asked {
    Ip(std::net::IpAddr, u16),
    Domain(String, u16),
}

/// A minimal SOCKS5 server: no authentication, CONNECT only, IPv4, IPv6 and domain
/// addresses; loopback targets are reached on 127.0.0.1 (the test servers listen there).
async fn socks5_server() -> (
    SocketAddr,
    Arc<Mutex<Vec<Asked>>>,
    tokio::task::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let record = asked.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let record = record.clone();
            tokio::spawn(async move {
                let mut head = [0u8; 2];
                client.read_exact(&mut head).await.unwrap();
                assert_eq!(head[0], 5, "SOCKS version 5");
                let mut methods = vec![0u8; head[1] as usize];
                client.read_exact(&mut methods).await.unwrap();
                assert!(methods.contains(&0), "no authentication offered");
                client.write_all(&[5, 0]).await.unwrap();
                let mut req = [0u8; 4];
                client.read_exact(&mut req).await.unwrap();
                assert_eq!(&req[..3], &[5, 1, 0], "CONNECT");
                let asked = match req[3] {
                    1 => {
                        let mut b = [0u8; 6];
                        client.read_exact(&mut b).await.unwrap();
                        let ip = std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]);
                        Asked::Ip(ip.into(), u16::from_be_bytes([b[4], b[5]]))
                    }
                    4 => {
                        let mut b = [0u8; 18];
                        client.read_exact(&mut b).await.unwrap();
                        let ip: [u8; 16] = b[..16].try_into().unwrap();
                        let ip = std::net::Ipv6Addr::from(ip);
                        Asked::Ip(ip.into(), u16::from_be_bytes([b[16], b[17]]))
                    }
                    3 => {
                        let mut len = [0u8; 1];
                        client.read_exact(&mut len).await.unwrap();
                        let mut name = vec![0u8; len[0] as usize + 2];
                        client.read_exact(&mut name).await.unwrap();
                        let port = u16::from_be_bytes([name[name.len() - 2], name[name.len() - 1]]);
                        name.truncate(len[0] as usize);
                        Asked::Domain(String::from_utf8(name).unwrap(), port)
                    }
                    other => panic!("address type {other}"),
                };
                record.lock().unwrap().push(asked.clone());
                let port = match asked {
                    Asked::Ip(ip, port) => {
                        assert!(ip.is_loopback(), "{ip}");
                        port
                    }
                    Asked::Domain(name, port) => {
                        assert_eq!(name, "localhost");
                        port
                    }
                };
                let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", port)).await else {
                    let _ = client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await;
                    return;
                };
                client
                    .write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (addr, asked, task)
}

#[tokio::test]
async fn socks5_resolves_here_and_socks5h_lets_the_proxy_resolve() {
    let (pem, acceptor) = tls_pair();
    let tls_server = serve(Some(acceptor)).await;
    let plain_server = serve(None).await;
    let (socks, asked, task) = socks5_server().await;
    let https_url = format!("https://localhost:{}/s", tls_server.addr.port());
    let http_url = format!("http://localhost:{}/s", plain_server.addr.port());

    for scheme in ["socks5", "socks5h"] {
        asked.lock().unwrap().clear();
        let t = builder()
            .proxy(format!("{scheme}://127.0.0.1:{}", socks.port()))
            .add_root_certificates_pem(pem.clone())
            .build()
            .unwrap();
        let response = t.send(get(&https_url)).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.version(), http::Version::HTTP_2);
        assert_eq!(t.send(get(&http_url)).await.unwrap().status(), 200);
        let asked = asked.lock().unwrap().clone();
        assert_eq!(asked.len(), 2, "{asked:?}");
        for (a, port) in asked
            .iter()
            .zip([tls_server.addr.port(), plain_server.addr.port()])
        {
            match (scheme, a) {
                ("socks5", Asked::Ip(ip, p)) => assert!(ip.is_loopback() && *p == port),
                ("socks5h", Asked::Domain(name, p)) => {
                    assert!(name == "localhost" && *p == port)
                }
                _ => panic!("{scheme} asked for {a:?}"),
            }
        }
    }
    // The service saw origin-form requests (the SOCKS proxy is only a pipe).
    assert_eq!(plain_server.seen.lock().unwrap()[0].uri, "/s");
    task.abort();
}

#[tokio::test]
async fn a_socks5_proxy_that_cannot_be_reached_is_named() {
    let dead = free_port();
    let t = builder()
        .proxy(format!("socks5h://{USER}:{SECRET}@127.0.0.1:{dead}"))
        .build()
        .unwrap();
    let err = t.send(get("https://localhost:9/")).await.unwrap_err();
    assert!(
        err.is_proxy() && err.is_connect() && !err.is_proxy_refusal(),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains(&format!("the proxy 127.0.0.1:{dead} cannot be reached")),
        "{err}"
    );
    assert_no_secret(&err);
}

// ---------------------------------------------------------------- trust and error messages

#[tokio::test]
async fn root_certificates_in_pem_are_trusted_and_bad_pem_fails_build() {
    let (pem, acceptor) = tls_pair();
    let server = serve(Some(acceptor)).await;
    let (other_pem, _) = tls_pair();
    // Two certificates in one bundle, the right one second.
    let t = builder()
        .add_root_certificates_pem(format!("{other_pem}{pem}"))
        .build()
        .unwrap();
    let response = t
        .send(get(format!("https://127.0.0.1:{}/", server.addr.port())))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let err = builder()
        .add_root_certificates_pem("no certificate here")
        .build()
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
    let broken = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    let err = builder()
        .add_root_certificates_pem(broken)
        .build()
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
}

#[tokio::test]
async fn an_untrusted_certificate_names_the_option_that_trusts_a_ca() {
    let (_pem, acceptor) = tls_pair();
    let server = serve(Some(acceptor)).await;
    let err = builder()
        .build()
        .unwrap()
        .send(get(format!("https://127.0.0.1:{}/", server.addr.port())))
        .await
        .unwrap_err();
    assert!(err.is_tls() && err.is_connect(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("is not trusted"), "{text}");
    assert!(text.contains("add_root_certificates_pem"), "{text}");
    assert!(text.contains("--ca-cert FILE"), "{text}");
}

#[tokio::test]
async fn tls_to_a_plain_http_server_asks_whether_the_endpoint_is_http() {
    let server = serve(None).await;
    let err = builder()
        .build()
        .unwrap()
        .send(get(format!("https://127.0.0.1:{}/", server.addr.port())))
        .await
        .unwrap_err();
    assert!(err.is_tls() && err.is_connect(), "{err:?}");
    assert!(
        err.to_string()
            .contains("the server did not answer TLS; is the endpoint http://?"),
        "{err}"
    );
}

#[tokio::test]
async fn a_name_that_does_not_resolve_names_the_host_and_the_endpoint() {
    // A label longer than 63 bytes: the resolver refuses it without asking any server.
    // (Over http://: rustls refuses such a name for https:// before any lookup.)
    let host = format!("{}.invalid", "a".repeat(64));
    let err = builder()
        .build()
        .unwrap()
        .send(get(format!("http://{host}/")))
        .await
        .unwrap_err();
    assert!(err.is_connect() && !err.is_proxy(), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("cannot resolve the host {host}")),
        "{text}"
    );
    assert!(text.contains("check the endpoint"), "{text}");
}

#[tokio::test]
async fn an_https_proxy_is_reached_over_tls_and_tunnels_tls_inside() {
    let (pem, acceptor) = tls_pair();
    let server = serve(Some(acceptor.clone())).await;
    let Some(proxy) = Tinyproxy::start(server.addr.port(), None) else {
        return;
    };
    // A TLS front for tinyproxy: the client speaks TLS to the proxy, then TLS to the service
    // inside the tunnel.
    let front = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let front_addr = front.local_addr().unwrap();
    let tinyproxy_port = proxy.port();
    let front_task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = front.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut upstream = TcpStream::connect(("127.0.0.1", tinyproxy_port))
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    let t = builder()
        .proxy(format!("https://localhost:{}", front_addr.port()))
        .add_root_certificates_pem(pem)
        .build()
        .unwrap();
    let response = t
        .send(get(format!(
            "https://127.0.0.1:{}/inner",
            server.addr.port()
        )))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(server.seen.lock().unwrap()[0].uri.path(), "/inner");
    assert!(
        proxy.log().contains("CONNECT 127.0.0.1:"),
        "{}",
        proxy.log()
    );
    front_task.abort();
}

#[tokio::test]
async fn the_connect_timeout_covers_a_proxy_that_never_answers_the_tunnel() {
    let silent = live_transport::test_util::SilentServer::start();
    let addr = silent.addr();
    let t = builder()
        .proxy(format!("http://{addr}"))
        .connect_timeout(Duration::from_millis(200))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = t.send(get("https://127.0.0.1:9/")).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(
        err.timeout_phase(),
        Some(live_transport::TimeoutPhase::Connect)
    );
    assert!(!err.may_have_reached_server());
    assert!(
        err.to_string()
            .contains(&format!("through the proxy 127.0.0.1:{}", addr.port())),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}
