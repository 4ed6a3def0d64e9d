//! Input a person points the command at (`--task-ids-from FILE`, `--body @FILE`), read with a
//! bound: a regular file through the library's environment seam,
//! [`live_api::env::Environment::read_file`] (the one bounded reader: never blocks on a FIFO
//! or a device, never reads past the bound), or stdin for `-`, at most the bound.

use std::io::{self, Read};
use std::path::Path;

/// Reads `path` (`-` for stdin), at most `max` bytes. An error is a sentence that starts with
/// `label` (e.g. `--task-ids-from ids.txt`), ready for a usage error.
pub(crate) fn read_bounded(path: &Path, max: usize, label: &str) -> Result<Vec<u8>, String> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        io::stdin()
            .lock()
            .take(max as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| format!("{label}: {e}"))?;
        if buf.len() > max {
            return Err(format!("{label}: more than {max} bytes"));
        }
        return Ok(buf);
    }
    // Through the library's environment seam, as the credentials files are read.
    match live_api::env::Environment::read_file(&live_api::env::SystemEnvironment, path, max) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(format!("{label}: no such file")),
        Err(e) => Err(format!("{label}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_up_to_the_bound_and_errors_name_the_label() {
        let dir = std::env::temp_dir().join(format!("live-cli-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("five");
        std::fs::write(&file, b"hello").unwrap();
        assert_eq!(read_bounded(&file, 5, "--x five").unwrap(), b"hello");
        let over = read_bounded(&file, 4, "--x five").unwrap_err();
        assert!(over.starts_with("--x five: "), "{over}");
        assert!(over.contains("larger than 4 bytes"), "{over}");
        let missing = read_bounded(&dir.join("absent"), 4, "--x absent").unwrap_err();
        assert_eq!(missing, "--x absent: no such file");
        let directory = read_bounded(&dir, 4, "--x dir").unwrap_err();
        assert!(directory.contains("a directory"), "{directory}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
