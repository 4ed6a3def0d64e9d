//! Start and shutdown: one shutdown path for plain and TLS connections.

mod common;

use std::time::{Duration, Instant};

use common::Client;
use live_emulator::{Emulator, EmulatorConfig, FaultKind, FaultRule};

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish_over_plain_http_and_tls() {
    for tls in [false, true] {
        let mut config = EmulatorConfig::new().rate_limit(false);
        if tls {
            config = config.tls(live_emulator::TlsConfig::default());
        }
        let e = Emulator::start(config).await.unwrap();
        let mut c = Client::demo(&e.base_url());
        if let Some(der) = e.certificate_der() {
            c.transport = live_transport::HyperTransport::builder()
                .root_certificates(live_transport::RootCertificates::Only(vec![der.to_vec()]))
                .build()
                .unwrap();
        }
        let delay = Duration::from_millis(300);
        e.inject(FaultRule::next(
            1,
            FaultKind::Delay {
                delay_ms: delay.as_millis() as u64,
            },
        ));
        let signed = c.signed(
            "GetPullRecordTask",
            br#"{"TaskID":"5b903f78c7f5ae*******01f6fe2eea"}"#,
        );
        let sent = Instant::now();
        let in_flight = tokio::spawn(async move { c.send(signed).await });
        // Shut down once the request is in the emulator (its fault has fired).
        while !e.faults().is_empty() {
            tokio::task::yield_now().await;
        }
        e.shutdown().await;
        assert!(
            sent.elapsed() >= delay,
            "tls {tls}: shutdown waited for the request"
        );
        let a = in_flight.await.unwrap().unwrap();
        assert_eq!(a.status, 200, "tls {tls}");
    }
}
