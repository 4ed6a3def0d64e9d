//! INI as Python's `configparser` reads it with its defaults (`ConfigParser()`), which is how the
//! official Python SDK reads `~/.volc/credentials` and how the `volc` CLI's `~/.volc/config`
//! is written:
//!
//! - lines end with `\n`, `\r\n` or a bare `\r` (Python opens the file with universal
//!   newlines);
//! - `[section]` headers, as Python's `\[(?P<header>.+)\]` matches the start of a stripped
//!   line: the name runs from the first `[` to the last `]` and what follows is ignored
//!   (`[a] x` is section `a`); a line that does not match (`[x = y`, `[]: v`) is read as
//!   `key = value` (key `[x`); section names are case-sensitive and kept as written;
//! - `key = value` and `key: value` (the first `=` or `:` splits); keys are case-insensitive
//!   (lowercased), keys and values are trimmed of what Python's `str.strip` trims (Unicode
//!   white space and U+001C..U+001F); quotes are part of the value, as in Python;
//! - whole-line comments starting with `#` or `;` (also indented); no inline comments: `a = b #c`
//!   has the value `b #c`, as in Python;
//! - a `[DEFAULT]` section whose keys every section inherits;
//! - a line indented deeper (counted in characters) than its key continues that key's value,
//!   blank lines between kept, as Python does (a credential that spans lines is refused when
//!   it is read);
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
    /// The raw value as Python's `get(raw=True)` returns it: continuation lines (and blank
    /// lines between them) joined with `\n`, trailing ones dropped, `%%` not yet resolved.
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

/// Whether Python's `str.isspace` (and the `\s` of its `re`) holds for `c`: Unicode white
/// space and the four separators U+001C..U+001F, which Rust's `char::is_whitespace` leaves out.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `s` without Python's white space at either end (`str.strip()`).
fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// The lines of `text` as Python reads a file opened as text (universal newlines): `\n`,
/// `\r\n` and a bare `\r` each end a line; a last line without an ending is still a line.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\r', '\n']) {
            Some(i) => {
                let next = if s[i..].starts_with("\r\n") {
                    i + 2
                } else {
                    i + 1
                };
                rest = Some(&s[next..]).filter(|r| !r.is_empty());
                Some(&s[..i])
            }
            None => {
                rest = None;
                Some(s).filter(|s| !s.is_empty())
            }
        }
    })
}

/// The number of line endings (universal newlines, as [`lines`] splits) in `bytes`.
pub(crate) fn line_endings(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

/// The section name of a header line (already stripped), as Python's
/// `SECTCRE = r"\[(?P<header>.+)\]"` matches it with `re.match`: from the first `[` to the
/// last `]`, at least one character between; whatever follows that `]` is ignored. `None`
/// when the line is no header (it is then read as `key = value`, e.g. `[x = y` has the key
/// `[x`).
fn header(stripped: &str) -> Option<&str> {
    let rest = stripped.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    Some(&rest[..end]).filter(|name| !name.is_empty())
}

impl Ini {
    /// Parses `text` as Python's `configparser` reads a file (line endings `\n`, `\r\n` or
    /// `\r`).
    pub(crate) fn parse(text: &str) -> Result<Self, IniError> {
        let mut ini = Ini::default();
        // The section being filled (`None` before the first header), and the key whose
        // value a deeper-indented line continues, with that key's indentation.
        let mut current: Option<String> = None;
        let mut open_key: Option<(String, usize)> = None;
        for (n, line) in lines(text).enumerate() {
            let n = n + 1;
            let stripped = py_strip(line);
            if stripped.starts_with('#') || stripped.starts_with(';') {
                continue;
            }
            if stripped.is_empty() {
                // A blank line does not end a value in Python (`empty_lines_in_values`): it
                // adds an empty line to the open value (dropped again at its end).
                if let Some((key, _)) = &open_key {
                    if let Some(entry) = ini
                        .section_mut(current.as_deref())
                        .and_then(|m| m.get_mut(key))
                    {
                        entry.raw.push('\n');
                    }
                }
                continue;
            }
            // Python counts indentation in characters (the first non-space's index).
            let indent = line.chars().take_while(|&c| is_py_space(c)).count();
            if let Some((key, key_indent)) = &open_key {
                if indent > *key_indent {
                    if let Some(entry) = ini
                        .section_mut(current.as_deref())
                        .and_then(|m| m.get_mut(key))
                    {
                        entry.raw.push('\n');
                        entry.raw.push_str(stripped);
                    }
                    continue;
                }
            }
            if let Some(name) = header(stripped) {
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
            let Some(map) = ini.section_mut(current.as_deref()) else {
                return Err(IniError::KeyBeforeSection { line: n });
            };
            let Some(split) = stripped.find(['=', ':']) else {
                return Err(IniError::NotKeyValue { line: n });
            };
            let key = py_strip(&stripped[..split]).to_lowercase();
            let value = py_strip(&stripped[split + 1..]);
            if key.is_empty() {
                return Err(IniError::EmptyKey { line: n });
            }
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
        // Python joins a value's lines and strips what trails (the blank lines kept above).
        for map in ini
            .sections
            .values_mut()
            .map(|s| &mut s.keys)
            .chain(std::iter::once(&mut ini.defaults))
        {
            for entry in map.values_mut() {
                let kept = entry.raw.trim_end_matches('\n').len();
                entry.raw.truncate(kept);
            }
        }
        Ok(ini)
    }

    /// The keys of section `name` (`[DEFAULT]`'s for `DEFAULT`); `None` before any header.
    fn section_mut(&mut self, name: Option<&str>) -> Option<&mut HashMap<String, Entry>> {
        match name? {
            DEFAULT_SECTION => Some(&mut self.defaults),
            s => self.sections.get_mut(s).map(|sec| &mut sec.keys),
        }
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
        // Python keeps the blank line inside the value: `get(raw=True)` is "a\nb\n\nc".
        assert_eq!(ini.get("s", "k").unwrap().raw, "a\nb\n\nc");
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
            ("[s\n", IniError::KeyBeforeSection { line: 1 }),
            ("[t]\n[s\n", IniError::NotKeyValue { line: 2 }),
            (
                "[s]\nRegion = 1\nregion = 2\n",
                IniError::DuplicateKey {
                    line: 3,
                    first: 2,
                    key: Some("region"),
                },
            ),
            ("[t]\n[]\n", IniError::NotKeyValue { line: 2 }),
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

    // The cases below are texts on which this parser and Python 3.11's
    // `configparser.ConfigParser()` (reading a file, universal newlines) once disagreed; the
    // expected values are what Python's `get(section, key, raw=True)` returned.

    #[test]
    fn a_bare_cr_ends_a_line_as_in_python() {
        let ini = Ini::parse("[s]\r[x: y\rk = v\r").unwrap();
        assert_eq!(value(&ini, "s", "[x").as_deref(), Some("y"));
        assert_eq!(value(&ini, "s", "k").as_deref(), Some("v"));
        let ini = Ini::parse("[prod]\rsession_token: spaced \r\n\t\r").unwrap();
        assert_eq!(
            value(&ini, "prod", "session_token").as_deref(),
            Some("spaced")
        );
        let ini = Ini::parse(
            "[default]\r\n[a] = b\r\n# c\na b\t=\t[s]\r\u{b}more = x\r\n\u{b}access_key_id=AK\r",
        )
        .unwrap();
        assert!(ini.has_section("default") && ini.has_section("a"));
        assert_eq!(
            ini.get("a", "a b").unwrap().raw,
            "[s]\nmore = x\naccess_key_id=AK"
        );
        assert_eq!(ini.get("default", "a b"), None);
        // Line numbers count every kind of ending.
        assert_eq!(
            Ini::parse("[s]\rk = v\r\njust text\n").unwrap_err(),
            IniError::NotKeyValue { line: 3 }
        );
        // Before, this text was one line and its first `[`…last `]` one section name.
        assert_eq!(
            Ini::parse("[prod]\r[prod] # c\r\n").unwrap_err(),
            IniError::DuplicateSection { line: 2, first: 1 }
        );
    }

    #[test]
    fn a_blank_line_inside_a_value_is_kept_and_trailing_ones_dropped() {
        let ini = Ini::parse("[s]\r\nk = a\r\n\r\n  b\r\n\r\n").unwrap();
        assert_eq!(ini.get("s", "k").unwrap().raw, "a\n\nb");
    }

    #[test]
    fn lines_split_as_universal_newlines() {
        fn split(t: &str) -> Vec<&str> {
            lines(t).collect()
        }
        assert_eq!(split("a\rb\r\nc\nd"), ["a", "b", "c", "d"]);
        assert_eq!(split("a\r\r\n\n"), ["a", "", ""]);
        assert_eq!(split("\r"), [""]);
        assert!(split("").is_empty());
        assert_eq!(
            split("a\u{b}b\u{c}c\u{85}d\u{2028}e"),
            ["a\u{b}b\u{c}c\u{85}d\u{2028}e"]
        );
        assert_eq!(line_endings(b"a\rb\r\nc\nd\r"), 4);
    }

    #[test]
    fn a_line_starting_with_a_bracket_that_is_no_header_is_a_key_line() {
        let ini = Ini::parse("[s]\n[x = y\n").unwrap();
        assert_eq!(value(&ini, "s", "[x").as_deref(), Some("y"));
        let ini = Ini::parse("[s]\n[] = v\n").unwrap();
        assert_eq!(value(&ini, "s", "[]").as_deref(), Some("v"));
        let ini = Ini::parse("[default]\n[k=\u{3000}v\u{3000}\n[#]\r\nsession_token==a=b").unwrap();
        assert_eq!(value(&ini, "default", "[k").as_deref(), Some("v"));
        assert_eq!(value(&ini, "#", "session_token").as_deref(), Some("=a=b"));
        let ini = Ini::parse("[DEFAULT]\r#\r\n[k:AK\r\nregion=:").unwrap();
        assert_eq!(ini.defaults["[k"].raw, "AK");
        assert_eq!(ini.defaults["region"].raw, ":");
        // A header is matched at the start only: `[a] = b` and `[a] trailing` open `[a]`, and
        // the name runs to the last `]`.
        let ini = Ini::parse("[a] = b\nk = v\n[]]\nk=w\n[a]b]\n").unwrap();
        assert_eq!(value(&ini, "a", "k").as_deref(), Some("v"));
        assert_eq!(value(&ini, "]", "k").as_deref(), Some("w"));
        assert!(ini.has_section("a]b"));
        let ini = Ini::parse("[a] trailing\nk = v\n").unwrap();
        assert_eq!(value(&ini, "a", "k").as_deref(), Some("v"));
        // Without a delimiter it is refused, as Python refuses it.
        assert_eq!(
            Ini::parse("[s]\n[x\n").unwrap_err(),
            IniError::NotKeyValue { line: 2 }
        );
        assert_eq!(
            Ini::parse("[x = y\n").unwrap_err(),
            IniError::KeyBeforeSection { line: 1 }
        );
    }

    #[test]
    fn white_space_is_what_python_strips() {
        // U+001C..U+001F are white space to Python's `str.strip`, not to Rust's `trim`.
        let ini = Ini::parse("[s]\n\u{1c}k = \u{1c}v\u{1c}\n").unwrap();
        assert_eq!(value(&ini, "s", "k").as_deref(), Some("v"));
        let ini = Ini::parse("[prod]\nk\t=\t\u{1c}v\u{1f}\n#\r").unwrap();
        assert_eq!(value(&ini, "prod", "k").as_deref(), Some("v"));
        let ini = Ini::parse("[s]\nk = v\n\u{1d}\n").unwrap();
        assert_eq!(value(&ini, "s", "k").as_deref(), Some("v"));
    }

    #[test]
    fn indentation_is_counted_in_characters() {
        // U+3000 is one character of indentation (three bytes); two spaces are deeper.
        let ini = Ini::parse("[s]\n\u{3000}k = a\n  b\n").unwrap();
        assert_eq!(ini.get("s", "k").unwrap().raw, "a\nb");
    }

    #[test]
    fn errors_never_show_a_line() {
        let e = Ini::parse("[s]\nSECRETSECRET\n").unwrap_err().to_string();
        assert!(!e.contains("SECRET"), "{e}");
        assert!(e.contains("line 2"), "{e}");
    }
}
