//! TLS to the service (and to an `https://` proxy): where the trusted root certificates come
//! from, and the rustls client configuration.
//!
//! TLS uses rustls with the `ring` crypto provider. `ring` builds from a little C and
//! assembly in well under a minute on two cores, where `aws-lc-rs` (rustls' default) needs
//! CMake and several minutes; both are well kept, and the choice does not show in the API.

use std::fmt;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::error::{ErrorKind, TransportError};

/// Where the trusted root certificates come from.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum RootCertificates {
    /// Mozilla's set, compiled in (`webpki-roots`): works the same everywhere. The default.
    #[default]
    Bundled,
    /// The platform's store (feature `native-roots`, through `rustls-native-certs`). When
    /// `SSL_CERT_FILE` (a PEM bundle) or `SSL_CERT_DIR` (`:`-separated directories) is set,
    /// the certificates come from there instead of the platform's store.
    #[cfg(feature = "native-roots")]
    Platform,
    /// Exactly these certificates (DER), e.g. a private CA or a test certificate.
    Only(Vec<Vec<u8>>),
}

impl fmt::Debug for RootCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootCertificates::Bundled => f.write_str("Bundled"),
            #[cfg(feature = "native-roots")]
            RootCertificates::Platform => f.write_str("Platform"),
            RootCertificates::Only(certs) => write!(f, "Only({} certificates)", certs.len()),
        }
    }
}

/// PEM text given to the builder's `add_root_certificates_pem` (shown by size).
#[derive(Clone)]
pub(crate) struct Pem(pub(crate) Vec<u8>);

impl fmt::Debug for Pem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pem({} bytes)", self.0.len())
    }
}

fn invalid(what: &str) -> TransportError {
    TransportError::new(ErrorKind::InvalidRequest, what)
}

/// The trusted roots: the chosen set, then `extra_roots` (DER), then the certificates of each
/// PEM text. Fails when a certificate cannot be read, a PEM text holds none, or the
/// platform's store has no usable root.
pub(crate) fn root_store(
    choice: &RootCertificates,
    extra_roots: &[Vec<u8>],
    extra_pem: &[Pem],
) -> Result<rustls::RootCertStore, TransportError> {
    let mut roots = rustls::RootCertStore::empty();
    match choice {
        RootCertificates::Bundled => {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        #[cfg(feature = "native-roots")]
        RootCertificates::Platform => {
            let loaded = rustls_native_certs::load_native_certs();
            for cert in loaded.certs {
                // Certificates the store holds but rustls cannot use are skipped.
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(invalid(
                    "the platform's certificate store has no usable root",
                ));
            }
        }
        RootCertificates::Only(certs) => {
            for der in certs {
                roots
                    .add(der.clone().into())
                    .map_err(|e| invalid("a root certificate cannot be read").with_source(e))?;
            }
        }
    }
    for der in extra_roots {
        roots
            .add(der.clone().into())
            .map_err(|e| invalid("a root certificate cannot be read").with_source(e))?;
    }
    for Pem(pem) in extra_pem {
        let mut found = 0usize;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert =
                cert.map_err(|e| invalid("a PEM root certificate cannot be read").with_source(e))?;
            roots
                .add(cert)
                .map_err(|e| invalid("a root certificate cannot be read").with_source(e))?;
            found += 1;
        }
        if found == 0 {
            return Err(invalid(
                "the PEM text given as root certificates holds no certificate",
            ));
        }
    }
    Ok(roots)
}

/// The client configuration: the `ring` provider, its safe default protocol versions,
/// `roots`, no client certificate.
pub(crate) fn client_config(
    roots: rustls::RootCertStore,
) -> Result<rustls::ClientConfig, TransportError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid("TLS settings are not usable").with_source(e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tls)
}
