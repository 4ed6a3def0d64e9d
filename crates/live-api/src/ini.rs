//! INI as Python's `configparser` reads it with its defaults (`ConfigParser()`), which is how the
//! official Python SDK reads `~/.volc/credentials` and how the `volc` CLI's `~/.volc/config`
//! is written:
//!
//! - `[section]` headers; section names are case-sensitive and kept as written;
//! - `key = value` and `key: value` (the first `=` or `:` splits); keys are case-insensitive
//!   (lowercased), keys and values are trimmed; quotes are part of the value, as in Python;
//! - whole-line comments starting with `#` or `;` (also indented); no inline comments: `a = b #c`
//!   has the value `b #c`, as in Python;
//! - a `[DEFAULT]` section whose keys every section inherits;
//! - a line indented deeper than its key continues that key's value (kept; a credential that
//!   spans lines is refused when it is read);
//! - `%%` stands for `%`; any other `%` (Python's `%(name)s` interpolation) is refused when read.
//!
//! Errors name the line number and, where it helps, the key, never a line's text: a
//! credentials file's lines may be secrets.

use std::collections::HashMap;

/// Why an INI text could not be read (Python's `configparser` refuses the same texts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IniError {
    /// A line that is neither a header, a comment, a continuation nor `key = value`.
    NotKeyValue { line: usize },
    /// `= value` with nothing before the delimiter.
    EmptyKey { line: usize },
    /// A key before the first `[section]` header.
    KeyBeforeSection { line: usize },
    /// `[name` without its `]`, or `[]`.
    BadHeader { line: usize },
    /// A section that appears twice.
    DuplicateSection { line: usize, first: usize },
    /// A key that appears twice in one section (named only when it is a key this crate
    /// reads: another "key" may be a pasted secret).
    DuplicateKey {
        line: usize,
        first: usize,
        key: Option<&'static str>,
    },
}

impl std::fmt::Display for IniError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotKeyValue { line } => write!(
                f,
                "line {line} is not `key = value`, `key: value`, a `[section]` or a comment (its text is not shown)"
            ),
            Self::EmptyKey { line } => write!(f, "line {line} has no key before its `=` or `:`"),
            Self::KeyBeforeSection { line } => write!(
                f,
                "line {line} holds a key before any `[section]` header (add `[default]` above it)"
            ),
            Self::BadHeader { line } => write!(
                f,
                "line {line} is not a valid `[section]` header (no closing `]`, or no name)"
            ),
            Self::DuplicateSection { line, first } => write!(
                f,
                "line {line} repeats the section already opened on line {first}"
            ),
            Self::DuplicateKey {
                line,
                first,
                key: Some(key),
            } => write!(
                f,
                "line {line} repeats `{key}`, already set on line {first} of the same section"
            ),
            Self::DuplicateKey {
                line,
                first,
                key: None,
            } => write!(
                f,
                "line {line} repeats a key already set on line {first} of the same section"
            ),
        }
    }
}

/// A value and the line its key is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) line: usize,
    /// The raw value (continuation lines joined with `\n`, `%%` not yet resolved).
    pub(crate) raw: String,
}

/// Why a value that was found cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ValueError {
    /// It spans more than one line.
    MultiLine,
    /// It holds a `%` that is not `%%` (Python would interpolate it or refuse it).
    Interpolation,
}

impl Entry {
    /// The value as Python's `ConfigParser().get` returns it: `%%` becomes `%`; continuation
    /// lines and interpolation are refused.
    pub(crate) fn value(&self) -> Result<String, ValueError> {
        if self.raw.contains('\n') {
            return Err(ValueError::MultiLine);
        }
        let mut out = String::with_capacity(self.raw.len());
        let mut chars = self.raw.chars();
        while let Some(c) = chars.next() {
            if c == '%' {
                match chars.next() {
                    Some('%') => out.push('%'),
                    _ => return Err(ValueError::Interpolation),
                }
            } else {
                out.push(c);
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Default)]
struct Section {
    line: usize,
    keys: HashMap<String, Entry>,
}

/// A parsed INI text.
#[derive(Debug, Default)]
pub(crate) struct Ini {
    sections: HashMap<String, Section>,
    defaults: HashMap<String, Entry>,
}

/// Keys an error may name (the ones read from these files).
const KNOWN_KEYS: &[&str] = &[
    "access_key_id",
    "secret_access_key",
    "session_token",
    "region",
];

/// The name Python's `configparser` gives the section every other one inherits from.
const DEFAULT_SECTION: &str = "DEFAULT";

impl Ini {
    /// Parses `text` (line endings `\n` or `\r\n`).
    pub(crate) fn parse(text: &str) -> Result<Self, IniError> {
        let mut ini = Ini::default();
        // The section being filled (`None` before the first header), and the key whose
        // value a deeper-indented line continues, with that key's indentation.
        let mut current: Option<String> = None;
        let mut open_key: Option<(String, usize)> = None;
        for (n, line) in text.lines().enumerate() {
            let n = n + 1;
            let stripped = line.trim();
            if stripped.starts_with('#') || stripped.starts_with(';') {
                continue;
            }
            if stripped.is_empty() {
                // A blank line does not end a value in Python (`empty_lines_in_values`), but
                // adds nothing either unless a continuation follows; keep the key open.
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            if let Some((key, key_indent)) = &open_key {
                if indent > *key_indent {
                    let map = match &current {
                        Some(s) if s == DEFAULT_SECTION => &mut ini.defaults,
                        Some(s) => match ini.sections.get_mut(s) {
                            Some(sec) => &mut sec.keys,
                            None => &mut ini.defaults,
                        },
                        None => &mut ini.defaults,
                    };
                    if let Some(entry) = map.get_mut(key) {
                        entry.raw.push('\n');
                        entry.raw.push_str(stripped);
                    }
                    continue;
                }
            }
            if let Some(rest) = stripped.strip_prefix('[') {
                // Python's header pattern is `\[(?P<header>.+)\]`: the name runs to the last `]`.
                let Some(end) = rest.rfind(']') else {
                    return Err(IniError::BadHeader { line: n });
                };
                // Whatever follows the `]` is ignored, as Python does (`[default] # keys`).
                let name = &rest[..end];
                if name.is_empty() {
                    return Err(IniError::BadHeader { line: n });
                }
                if name == DEFAULT_SECTION {
                    // Python lets [DEFAULT] appear again without complaint.
                } else if let Some(first) = ini.sections.get(name) {
                    return Err(IniError::DuplicateSection {
                        line: n,
                        first: first.line,
                    });
                } else {
                    ini.sections.insert(
                        name.to_owned(),
                        Section {
                            line: n,
                            keys: HashMap::new(),
                        },
                    );
                }
                current = Some(name.to_owned());
                open_key = None;
                continue;
            }
            let Some(split) = stripped.find(['=', ':']) else {
                return Err(IniError::NotKeyValue { line: n });
            };
            let key = stripped[..split].trim().to_lowercase();
            let value = stripped[split + 1..].trim();
            if key.is_empty() {
                return Err(IniError::EmptyKey { line: n });
            }
            let Some(section) = &current else {
                return Err(IniError::KeyBeforeSection { line: n });
            };
            let map = if section == DEFAULT_SECTION {
                &mut ini.defaults
            } else {
                match ini.sections.get_mut(section) {
                    Some(sec) => &mut sec.keys,
                    None => return Err(IniError::KeyBeforeSection { line: n }),
                }
            };
            if let Some(first) = map.get(&key) {
                return Err(IniError::DuplicateKey {
                    line: n,
                    first: first.line,
                    key: KNOWN_KEYS.iter().copied().find(|k| *k == key),
                });
            }
            map.insert(
                key.clone(),
                Entry {
                    line: n,
                    raw: value.to_owned(),
                },
            );
            open_key = Some((key, indent));
        }
        Ok(ini)
    }

    /// Whether `[name]` is in the text (`[DEFAULT]` is not a section, as in Python).
    pub(crate) fn has_section(&self, name: &str) -> bool {
        self.sections.contains_key(name)
    }

    /// `key` (lowercase) of section `name`, falling back to `[DEFAULT]`; `None` when the
    /// section is absent or has no such key.
    pub(crate) fn get(&self, name: &str, key: &str) -> Option<&Entry> {
        let section = self.sections.get(name)?;
        section.keys.get(key).or_else(|| self.defaults.get(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(ini: &Ini, s: &str, k: &str) -> Option<String> {
        ini.get(s, k).map(|e| e.value().unwrap())
    }

    #[test]
    fn both_delimiters_and_case_insensitive_keys() {
        let ini = Ini::parse("[default]\nAccess_Key_ID: AK\nsecret_access_key=a=b:c\n").unwrap();
        assert_eq!(
            value(&ini, "default", "access_key_id").as_deref(),
            Some("AK")
        );
        assert_eq!(
            value(&ini, "default", "secret_access_key").as_deref(),
            Some("a=b:c")
        );
    }

    #[test]
    fn the_first_delimiter_splits_whichever_it_is() {
        let ini = Ini::parse("[s]\nk : v = w\nj = x : y\n").unwrap();
        assert_eq!(value(&ini, "s", "k").as_deref(), Some("v = w"));
        assert_eq!(value(&ini, "s", "j").as_deref(), Some("x : y"));
    }

    #[test]
    fn comments_are_whole_lines_only() {
        let ini = Ini::parse("# c\n  ; c\n[s]\nk = v # not a comment\n").unwrap();
        assert_eq!(value(&ini, "s", "k").as_deref(), Some("v # not a comment"));
    }

    #[test]
    fn section_names_are_case_sensitive_and_default_is_inherited() {
        let ini = Ini::parse("[DEFAULT]\nregion = cn-north-1\n[Prod]\nk = v\n").unwrap();
        assert!(ini.has_section("Prod"));
        assert!(!ini.has_section("prod"));
        assert!(!ini.has_section("DEFAULT"));
        assert_eq!(value(&ini, "Prod", "region").as_deref(), Some("cn-north-1"));
        assert_eq!(value(&ini, "prod", "region"), None);
    }

    #[test]
    fn text_after_a_header_is_ignored_as_in_python() {
        let ini = Ini::parse("[default] # my keys\nk = v\n").unwrap();
        assert_eq!(value(&ini, "default", "k").as_deref(), Some("v"));
    }

    #[test]
    fn continuation_lines_are_kept_and_refused_when_read() {
        let ini = Ini::parse("[s]\nk = a\n  b\n\n  c\nnext = 1\n").unwrap();
        assert_eq!(ini.get("s", "k").unwrap().raw, "a\nb\nc");
        assert_eq!(
            ini.get("s", "k").unwrap().value(),
            Err(ValueError::MultiLine)
        );
        assert_eq!(value(&ini, "s", "next").as_deref(), Some("1"));
    }

    #[test]
    fn percent_signs_follow_basic_interpolation() {
        let ini = Ini::parse("[s]\na = x%%y\nb = %(a)s\nc = 50%\n").unwrap();
        assert_eq!(value(&ini, "s", "a").as_deref(), Some("x%y"));
        assert_eq!(
            ini.get("s", "b").unwrap().value(),
            Err(ValueError::Interpolation)
        );
        assert_eq!(
            ini.get("s", "c").unwrap().value(),
            Err(ValueError::Interpolation)
        );
    }

    #[test]
    fn what_configparser_refuses_is_refused_by_line() {
        let cases: &[(&str, IniError)] = &[
            ("k = v\n", IniError::KeyBeforeSection { line: 1 }),
            ("[s]\njust text\n", IniError::NotKeyValue { line: 2 }),
            ("[s]\n= v\n", IniError::EmptyKey { line: 2 }),
            ("[s\n", IniError::BadHeader { line: 1 }),
            (
                "[s]\nRegion = 1\nregion = 2\n",
                IniError::DuplicateKey {
                    line: 3,
                    first: 2,
                    key: Some("region"),
                },
            ),
            ("[]\n", IniError::BadHeader { line: 1 }),
            (
                "[s]\n[t]\n[s]\n",
                IniError::DuplicateSection { line: 3, first: 1 },
            ),
            (
                "[s]\nK = 1\nk = 2\n",
                IniError::DuplicateKey {
                    line: 3,
                    first: 2,
                    key: None,
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(Ini::parse(text).unwrap_err(), *want, "{text:?}");
        }
    }

    #[test]
    fn errors_never_show_a_line() {
        let e = Ini::parse("[s]\nSECRETSECRET\n").unwrap_err().to_string();
        assert!(!e.contains("SECRET"), "{e}");
        assert!(e.contains("line 2"), "{e}");
    }
}
