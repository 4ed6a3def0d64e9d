//! Where recordings go and how they are cut: plain settings, held by the configuration and
//! read when files are made.

use std::time::Duration;

use live_model::RecordStorage;

use crate::error::EmulatorError;

/// The bucket files go to in TOS unless configured: `live-emulator-records`.
pub const DEFAULT_RECORD_BUCKET: &str = "live-emulator-records";
/// The shortest segment a recording may be split into: one minute.
pub const MIN_RECORD_SEGMENT: Duration = Duration::from_secs(60);

/// Where recordings go and how they are cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordSettings {
    pub(crate) storage: RecordStorage,
    pub(crate) bucket: String,
    /// `None`: one file per recording.
    pub(crate) segment: Option<Duration>,
}

impl Default for RecordSettings {
    fn default() -> Self {
        Self {
            storage: RecordStorage::Tos,
            bucket: DEFAULT_RECORD_BUCKET.to_owned(),
            segment: None,
        }
    }
}

impl RecordSettings {
    /// Checks the bucket name (TOS's rule: 3 to 63 of `[a-z0-9-]`, not starting or ending
    /// with `-`) and the segment length (at least a minute).
    pub(crate) fn check(&self) -> Result<(), EmulatorError> {
        let b = &self.bucket;
        let ok = (3..=63).contains(&b.len())
            && b.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            && !b.starts_with('-')
            && !b.ends_with('-');
        if !ok {
            return Err(EmulatorError::Config(format!(
                "record bucket {b:?}: a TOS bucket name is 3 to 63 characters of a-z, 0-9 and -, not starting or ending with -"
            )));
        }
        if self.segment.is_some_and(|s| s < MIN_RECORD_SEGMENT) {
            return Err(EmulatorError::Config(
                "a record segment is at least 60 seconds".into(),
            ));
        }
        Ok(())
    }
}
