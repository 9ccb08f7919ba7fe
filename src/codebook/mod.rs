//! Codebooks: hierarchical codes, their definitions, and the patterns that find them.
//!
//! A codebook is read from TOML (the full format, see [`toml`]), or from a plain
//! dictionary — a JSON object or YAML mapping of code → list of phrases, nested for sub-codes,
//! the shape of quanteda's dictionary files. Codes are identified by their path: a sub-code of
//! `brain_drain` is `brain_drain/push_factors`.
//!
//! Every error points at the file, line and column at fault, and names the code and pattern.
//!
//! ```
//! use thematic::{Codebook, Code, Pattern};
//! let codebook = Codebook::builder("Demo")
//!     .code(Code::new("brain_drain", "Brain drain")
//!         .pattern(Pattern::phrase("brain drain"))
//!         .pattern(Pattern::glob("утечк* мозг*").lang("ru")))
//!     .code(Code::new("brain_drain/push_factors", "Push factors")
//!         .pattern(Pattern::phrase("push factors")))
//!     .build()?;
//! assert_eq!(codebook.children("brain_drain").count(), 1);
//! # Ok::<(), thematic::Error>(())
//! ```

mod dictionary;
mod pattern;
pub mod toml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

pub(crate) use pattern::{Glob, build_regex};
pub use pattern::{LANGUAGES, Pattern, PatternKind};

use crate::error::{Diagnostic, Error, Result};

/// A code: a theme of the analysis, with its definition and patterns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Code {
    /// The code's path, `/`-separated, top level first (`brain_drain/push_factors`).
    pub id: Arc<str>,
    /// A human label.
    pub label: String,
    /// What the theme is.
    pub description: Option<String>,
    /// Inclusion note: which passages get this code.
    pub include: Option<String>,
    /// Exclusion note: which passages do not (and which code to use instead).
    pub exclude: Option<String>,
    /// A memo: the coder's reflections on the code.
    pub memo: Option<String>,
    /// Display colour, `#rrggbb`.
    pub colour: Option<String>,
    /// Patterns that apply the code.
    pub patterns: Vec<Pattern>,
    /// Patterns that, matching anywhere in a passage, stop this code from applying to it.
    pub negative: Vec<Pattern>,
    /// Sentences the code's patterns must code (checked by `thematic codebook check`).
    pub examples: Vec<String>,
    /// Sentences they must not code.
    pub counterexamples: Vec<String>,
}

impl Code {
    /// A code with an id and a label, and nothing else yet.
    pub fn new(id: impl Into<Arc<str>>, label: impl Into<String>) -> Code {
        Code {
            id: id.into(),
            label: label.into(),
            description: None,
            include: None,
            exclude: None,
            memo: None,
            colour: None,
            patterns: Vec::new(),
            negative: Vec::new(),
            examples: Vec::new(),
            counterexamples: Vec::new(),
        }
    }

    /// Adds a pattern.
    pub fn pattern(mut self, pattern: Pattern) -> Code {
        self.patterns.push(pattern);
        self
    }

    /// Adds a negative pattern.
    pub fn negative(mut self, pattern: Pattern) -> Code {
        self.negative.push(pattern);
        self
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Code {
        self.description = Some(text.into());
        self
    }

    /// The parent's id, for a sub-code.
    pub fn parent(&self) -> Option<&str> {
        self.id.rsplit_once('/').map(|(parent, _)| parent)
    }

    /// The last segment of the id.
    pub fn name(&self) -> &str {
        self.id.rsplit_once('/').map_or(&self.id, |(_, name)| name)
    }

    /// 0 for a top-level code, 1 for its sub-codes, …
    pub fn depth(&self) -> usize {
        self.id.matches('/').count()
    }

    /// Is this code `ancestor` itself or below it?
    pub fn is_within(&self, ancestor: &str) -> bool {
        is_within(&self.id, ancestor)
    }
}

/// Is code path `id` equal to `ancestor` or below it?
pub(crate) fn is_within(id: &str, ancestor: &str) -> bool {
    id == ancestor
        || (id.len() > ancestor.len()
            && id.starts_with(ancestor)
            && id.as_bytes()[ancestor.len()] == b'/')
}

/// A set of codes, in a hierarchy, with codebook-wide negative patterns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Codebook {
    /// The codebook's name.
    pub name: String,
    /// Its version, recorded with automatic codings.
    pub version: Option<String>,
    /// What it is for.
    pub description: Option<String>,
    /// Who made it.
    pub authors: Vec<String>,
    /// Patterns that, matching anywhere in a passage, stop every code from applying to it.
    pub negative: Vec<Pattern>,
    codes: Vec<Code>,
    #[serde(skip)]
    index: HashMap<Arc<str>, usize>,
    #[serde(skip)]
    path: Option<PathBuf>,
}

impl Codebook {
    /// Starts building a codebook in code.
    pub fn builder(name: impl Into<String>) -> CodebookBuilder {
        CodebookBuilder {
            name: name.into(),
            version: None,
            description: None,
            negative: Vec::new(),
            codes: Vec::new(),
        }
    }

    /// Reads a codebook file: `.toml` in the full format, `.json`, `.yaml` or `.yml` as a plain
    /// dictionary (quanteda's shape), `.dic` as a LIWC dictionary, `.qdc` as a REFI-QDA
    /// codebook (codes and definitions, no patterns).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Codebook> {
        let path = path.as_ref();
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("qdc"))
        {
            return crate::refi::read_codebook(path);
        }
        let source = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let mut codebook = match ext.as_deref() {
            Some("toml") => toml::parse(&source, Some(path)),
            Some("json") => dictionary::parse_json(&source, Some(path)),
            Some("yaml" | "yml") => dictionary::parse_yaml(&source, Some(path)),
            Some("dic") => dictionary::parse_liwc(&source, Some(path)),
            _ => Err(Error::Codebook(Box::new(
                Diagnostic::new(
                    "unknown codebook format: expected a .toml codebook, a .json, .yaml or .yml dictionary (quanteda), a LIWC .dic, or a REFI-QDA .qdc",
                )
                .with_path(Some(path)),
            ))),
        }?;
        codebook.path = Some(path.to_path_buf());
        Ok(codebook)
    }

    /// Parses a codebook in the TOML format; `path` is used in messages only.
    pub fn from_toml(source: &str, path: Option<&Path>) -> Result<Codebook> {
        toml::parse(source, path)
    }

    /// Parses a plain JSON dictionary (`{"code": ["phrase", …], "parent": {"child": […]}}`).
    pub fn from_json_dictionary(source: &str, path: Option<&Path>) -> Result<Codebook> {
        dictionary::parse_json(source, path)
    }

    /// Parses a LIWC dictionary (`.dic`); see [`Codebook::from_path`].
    pub fn from_liwc_dictionary(source: &str, path: Option<&Path>) -> Result<Codebook> {
        dictionary::parse_liwc(source, path)
    }

    /// Writes the codebook in the TOML format, which reads back as an equal codebook: how
    /// dictionaries and REFI-QDA codebooks become codebooks to edit.
    pub fn to_toml(&self) -> String {
        toml::to_string(self)
    }

    /// Parses a plain YAML dictionary (quanteda's format).
    pub fn from_yaml_dictionary(source: &str, path: Option<&Path>) -> Result<Codebook> {
        dictionary::parse_yaml(source, path)
    }

    /// The file it was read from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The codes, parents before their children, in codebook order.
    pub fn codes(&self) -> &[Code] {
        &self.codes
    }

    /// The code with path `id`.
    pub fn code(&self, id: &str) -> Option<&Code> {
        self.index.get(id).map(|&i| &self.codes[i])
    }

    /// The position of code `id` in [`Codebook::codes`].
    pub fn code_index(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The direct sub-codes of `id`.
    pub fn children<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Code> + 'a {
        self.codes.iter().filter(move |c| c.parent() == Some(id))
    }

    /// Number of patterns over all codes, negative ones included.
    pub fn pattern_count(&self) -> usize {
        self.negative.len()
            + self
                .codes
                .iter()
                .map(|c| c.patterns.len() + c.negative.len())
                .sum::<usize>()
    }

    /// A name and version for records and reports: `Migration policy 1.0.0`.
    pub fn title(&self) -> String {
        match &self.version {
            Some(v) => format!("{} {v}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Builds a [`Codebook`] in code; [`CodebookBuilder::build`] validates it as a file would be.
#[derive(Debug, Clone)]
pub struct CodebookBuilder {
    name: String,
    version: Option<String>,
    description: Option<String>,
    negative: Vec<Pattern>,
    codes: Vec<Code>,
}

impl CodebookBuilder {
    /// Sets the version.
    pub fn version(mut self, version: impl Into<String>) -> CodebookBuilder {
        self.version = Some(version.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> CodebookBuilder {
        self.description = Some(text.into());
        self
    }

    /// Adds a code; a sub-code must come after its parent.
    pub fn code(mut self, code: Code) -> CodebookBuilder {
        self.codes.push(code);
        self
    }

    /// Adds a codebook-wide negative pattern.
    pub fn negative(mut self, pattern: Pattern) -> CodebookBuilder {
        self.negative.push(pattern);
        self
    }

    /// Validates and returns the codebook.
    pub fn build(self) -> Result<Codebook> {
        let codebook = Codebook {
            name: self.name,
            version: self.version,
            description: self.description,
            authors: Vec::new(),
            negative: self.negative,
            codes: Vec::new(),
            index: HashMap::new(),
            path: None,
        };
        let invalid = |message: String| Error::Codebook(Box::new(Diagnostic::new(message)));
        let mut codebook = codebook;
        for code in self.codes {
            codebook.push_code(code).map_err(invalid)?;
        }
        for pattern in &codebook.negative {
            pattern.validate().map_err(|e| {
                invalid(format!(
                    "codebook-wide negative pattern {:?}: {e}",
                    pattern.text
                ))
            })?;
        }
        for code in &codebook.codes {
            for pattern in code.patterns.iter().chain(&code.negative) {
                pattern.validate().map_err(|e| {
                    invalid(format!(
                        "code `{}`, pattern {:?}: {e}",
                        code.id, pattern.text
                    ))
                })?;
            }
        }
        Ok(codebook)
    }
}

impl Codebook {
    /// Appends a code after checking its id; the reason on failure is one line.
    fn push_code(&mut self, code: Code) -> std::result::Result<(), String> {
        check_code_id(&code.id)?;
        if self.index.contains_key(&code.id) {
            return Err(format!("code `{}` is defined twice", code.id));
        }
        if let Some(parent) = code.parent()
            && !self.index.contains_key(parent)
        {
            return Err(format!(
                "code `{}` needs its parent `{parent}` to be defined before it",
                code.id
            ));
        }
        if let Some(colour) = &code.colour {
            check_colour(colour)?;
        }
        self.index.insert(code.id.clone(), self.codes.len());
        self.codes.push(code);
        Ok(())
    }
}

/// Checks a code path: non-empty `/`-separated segments without surrounding whitespace or
/// control characters.
fn check_code_id(id: &str) -> std::result::Result<(), String> {
    if id.is_empty() {
        return Err("a code id may not be empty".to_string());
    }
    for segment in id.split('/') {
        if segment.is_empty() {
            return Err(format!(
                "code id {id:?} has an empty segment: write paths like \"brain_drain/push_factors\""
            ));
        }
        if segment.trim() != segment {
            return Err(format!("code id {id:?} has whitespace around a segment"));
        }
        if segment.chars().any(char::is_control) {
            return Err(format!("code id {id:?} contains a control character"));
        }
    }
    Ok(())
}

fn check_colour(colour: &str) -> std::result::Result<(), String> {
    let hex = colour.strip_prefix('#').unwrap_or("");
    if (hex.len() == 6 || hex.len() == 3) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(format!("colour {colour:?} is not of the form #rrggbb"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_checks_hierarchy_and_patterns() {
        let orphan = Codebook::builder("x")
            .code(Code::new("a/b", "B"))
            .build()
            .unwrap_err();
        assert!(orphan.to_string().contains("parent `a`"), "{orphan}");
        let twice = Codebook::builder("x")
            .code(Code::new("a", "A"))
            .code(Code::new("a", "A"))
            .build()
            .unwrap_err();
        assert!(twice.to_string().contains("defined twice"));
        let bad = Codebook::builder("x")
            .code(Code::new("a", "A").pattern(Pattern::regex("(")))
            .build()
            .unwrap_err();
        assert!(bad.to_string().contains("code `a`, pattern \"(\""), "{bad}");
    }

    #[test]
    fn hierarchy_helpers() {
        let c = Code::new("brain_drain/push_factors", "Push");
        assert_eq!(c.parent(), Some("brain_drain"));
        assert_eq!(c.name(), "push_factors");
        assert_eq!(c.depth(), 1);
        assert!(c.is_within("brain_drain") && !c.is_within("brain"));
        assert!(is_within("a", "a") && !is_within("ab", "a"));
    }

    #[test]
    fn code_ids_and_colours_are_checked() {
        assert!(check_code_id("a//b").is_err());
        assert!(check_code_id(" a").is_err());
        assert!(check_code_id("brain drain/push factors").is_ok());
        assert!(check_colour("#c0392b").is_ok());
        assert!(check_colour("red").is_err());
    }
}
