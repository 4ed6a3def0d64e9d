//! The crate's one error: why the emulator could not start.

/// Why the emulator could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The configuration is invalid (a credential, a seed task, a domain grant).
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    /// The address cannot be listened on, or a file cannot be written.
    #[error("{0}")]
    Io(String),
    /// The TLS set-up failed.
    #[error("TLS set-up failed: {0}")]
    Tls(String),
}
