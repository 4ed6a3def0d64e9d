//! The one bounded reader for foreign input read from a file (credentials files, and anything
//! else a person points us at).
//!
//! [`read_file_bounded`] never blocks on something that is not a file and never reads more
//! than it was told to: it opens without blocking (`O_NONBLOCK` on Unix, so a FIFO with no
//! writer does not hang the open), asks the *opened* handle what it is (so nothing can be
//! swapped in between a check and the read), refuses anything but a regular file, and reads
//! at most `max + 1` bytes whatever the metadata says the size is. A symlink to a regular
//! file is followed; a symlink to `/dev/zero` is refused as a device.

use std::fmt;
use std::fs::{File, FileType, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// What a path turned out to be when it was not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    /// A directory.
    Directory,
    /// A FIFO (named pipe).
    Fifo,
    /// A character device (e.g. `/dev/zero`, a terminal).
    CharDevice,
    /// A block device (a disk).
    BlockDevice,
    /// A Unix domain socket.
    Socket,
    /// Something else that is not a regular file.
    Other,
}

impl FileKind {
    fn of(t: &FileType) -> Self {
        if t.is_dir() {
            return Self::Directory;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if t.is_fifo() {
                return Self::Fifo;
            }
            if t.is_char_device() {
                return Self::CharDevice;
            }
            if t.is_block_device() {
                return Self::BlockDevice;
            }
            if t.is_socket() {
                return Self::Socket;
            }
        }
        Self::Other
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Directory => "a directory",
            Self::Fifo => "a FIFO (named pipe)",
            Self::CharDevice => "a character device",
            Self::BlockDevice => "a block device",
            Self::Socket => "a socket",
            Self::Other => "a special file",
        })
    }
}

/// Why [`read_file_bounded`] refused or failed. The texts name the path and what to do; they
/// never contain the file's content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BoundedReadError {
    /// The path (after following symlinks) is not a regular file; nothing was read.
    #[error("{} is {kind}, not a regular file; point it at a regular file", .path.display())]
    NotRegularFile {
        /// The path asked for.
        path: PathBuf,
        /// What it is instead.
        kind: FileKind,
    },
    /// The file holds more than the bound; what was read is dropped.
    #[error("{} is larger than {max} bytes, the most read from it", .path.display())]
    TooLarge {
        /// The path asked for.
        path: PathBuf,
        /// The bound, in bytes.
        max: usize,
    },
    /// Opening or reading failed (permissions, I/O).
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The path asked for.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
}

impl BoundedReadError {
    /// The path that was asked for.
    pub fn path(&self) -> &Path {
        match self {
            Self::NotRegularFile { path, .. }
            | Self::TooLarge { path, .. }
            | Self::Io { path, .. } => path,
        }
    }
}

/// Reads the regular file at `path`, at most `max` bytes, without ever blocking on or reading
/// from anything else. `Ok(None)` when nothing exists at `path` (a dangling symlink included).
///
/// ```
/// use live_api::bounded::{read_file_bounded, BoundedReadError};
///
/// let dir = std::env::temp_dir().join(format!("bounded-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("small"), b"hello")?;
/// assert_eq!(read_file_bounded(&dir.join("small"), 5)?, Some(b"hello".to_vec()));
/// assert!(matches!(read_file_bounded(&dir.join("small"), 4), Err(BoundedReadError::TooLarge { max: 4, .. })));
/// assert!(matches!(read_file_bounded(&dir, 4), Err(BoundedReadError::NotRegularFile { .. })));
/// assert_eq!(read_file_bounded(&dir.join("absent"), 4)?, None);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_file_bounded(path: &Path, max: usize) -> Result<Option<Vec<u8>>, BoundedReadError> {
    let io_err = |source: io::Error| BoundedReadError::Io {
        path: path.to_owned(),
        source,
    };
    let not_regular = |kind: FileKind| BoundedReadError::NotRegularFile {
        path: path.to_owned(),
        kind,
    };
    #[cfg(not(unix))]
    {
        // Without a non-blocking open, look first (racy, but the best std allows), then check
        // the opened handle again below.
        match std::fs::metadata(path) {
            Ok(m) if !m.is_file() => return Err(not_regular(FileKind::of(&m.file_type()))),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(e)),
        }
    }
    let file = match open_nonblocking(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            // Some kinds cannot even be opened (a socket: ENXIO); name the kind when we can.
            return Err(match std::fs::metadata(path) {
                Ok(m) if !m.is_file() => not_regular(FileKind::of(&m.file_type())),
                _ => io_err(e),
            });
        }
    };
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        return Err(not_regular(FileKind::of(&meta.file_type())));
    }
    let mut out = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    file.take(limit).read_to_end(&mut out).map_err(io_err)?;
    if out.len() > max {
        return Err(BoundedReadError::TooLarge {
            path: path.to_owned(),
            max,
        });
    }
    Ok(Some(out))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
    // O_NOCTTY: a terminal opened by mistake never becomes the controlling terminal.
    // It changes nothing for reads of a regular file.
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("bounded-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn reads_exactly_up_to_the_bound() {
        let d = dir("bound");
        let p = d.join("f");
        std::fs::write(&p, vec![b'x'; 10]).unwrap();
        assert_eq!(read_file_bounded(&p, 10).unwrap().unwrap().len(), 10);
        let e = read_file_bounded(&p, 9).unwrap_err();
        assert!(
            matches!(e, BoundedReadError::TooLarge { max: 9, .. }),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "{} is larger than 9 bytes, the most read from it",
                p.display()
            )
        );
        assert_eq!(read_file_bounded(&p, 0).unwrap_err().path(), p);
        std::fs::write(&p, b"").unwrap();
        assert_eq!(read_file_bounded(&p, 0).unwrap(), Some(Vec::new()));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn absent_is_none_and_a_directory_is_refused() {
        let d = dir("kinds");
        assert!(read_file_bounded(&d.join("nope"), 10).unwrap().is_none());
        let e = read_file_bounded(&d, 10).unwrap_err();
        assert!(
            matches!(
                e,
                BoundedReadError::NotRegularFile {
                    kind: FileKind::Directory,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("is a directory, not a regular file"));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_to_files_and_refused_to_devices() {
        let d = dir("links");
        std::fs::write(d.join("real"), b"data").unwrap();
        std::os::unix::fs::symlink(d.join("real"), d.join("link")).unwrap();
        assert_eq!(
            read_file_bounded(&d.join("link"), 10).unwrap(),
            Some(b"data".to_vec())
        );
        std::os::unix::fs::symlink("/dev/zero", d.join("zero")).unwrap();
        let e = read_file_bounded(&d.join("zero"), 10).unwrap_err();
        assert!(
            matches!(
                e,
                BoundedReadError::NotRegularFile {
                    kind: FileKind::CharDevice,
                    ..
                }
            ),
            "{e}"
        );
        std::os::unix::fs::symlink(d.join("gone"), d.join("dangling")).unwrap();
        assert!(read_file_bounded(&d.join("dangling"), 10)
            .unwrap()
            .is_none());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn a_socket_is_refused_by_kind() {
        let d = dir("sock");
        let p = d.join("s");
        let _listener = std::os::unix::net::UnixListener::bind(&p).unwrap();
        let e = read_file_bounded(&p, 10).unwrap_err();
        assert!(
            matches!(
                e,
                BoundedReadError::NotRegularFile {
                    kind: FileKind::Socket,
                    ..
                }
            ),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}
