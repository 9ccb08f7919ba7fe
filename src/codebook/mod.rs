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
    /// Evidence threshold: the code applies to a passage with at least this many hits, or one
    /// hit of a [strong](Pattern::strong) pattern. 1 by default.
    pub min_hits: u32,
    /// Can passages be coded with it? A code that is not (REFI-QDA's `isCodable="false"`) only
    /// heads its sub-codes, and may have no patterns. True by default.
    pub codable: bool,
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
            min_hits: 1,
            codable: true,
        }
    }

    /// Sets the evidence threshold (see [`Code::min_hits`]).
    pub fn min_hits(mut self, hits: u32) -> Code {
        self.min_hits = hits;
        self
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

/// A named group of codes: a REFI-QDA `<Set>` of codes (MAXQDA's code sets, ATLAS.ti's code
/// groups), kept so that a codebook read from another tool is written back with its groups.
///
/// ```
/// use thematic::{Codebook, Code};
/// use thematic::codebook::CodeGroup;
/// let codebook = Codebook::builder("Demo")
///     .code(Code::new("brain_drain", "Brain drain"))
///     .code(Code::new("return", "Return"))
///     .group(CodeGroup::new("Flows").code("brain_drain").code("return"))
///     .build()?;
/// assert_eq!(codebook.groups()[0].codes.len(), 2);
/// # Ok::<(), thematic::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeGroup {
    /// The group's name, unique in the codebook.
    pub name: String,
    /// What the group is for.
    pub description: Option<String>,
    /// The ids of its codes, each a code of the codebook.
    pub codes: Vec<Arc<str>>,
}

impl CodeGroup {
    /// An empty group.
    pub fn new(name: impl Into<String>) -> CodeGroup {
        CodeGroup {
            name: name.into(),
            description: None,
            codes: Vec::new(),
        }
    }

    /// Adds the code with id `id`.
    pub fn code(mut self, id: impl Into<Arc<str>>) -> CodeGroup {
        self.codes.push(id.into());
        self
    }
}

/// The theme of code path `id`: its top-level code (`brain_drain` for
/// `brain_drain/push_factors`, and for `brain_drain` itself).
///
/// ```
/// assert_eq!(thematic::codebook::theme_of("brain_drain/push_factors"), "brain_drain");
/// assert_eq!(thematic::codebook::theme_of("return_policy"), "return_policy");
/// ```
pub fn theme_of(id: &str) -> &str {
    id.split_once('/').map_or(id, |(theme, _)| theme)
}

/// Is code path `id` equal to `ancestor` or below it?
pub(crate) fn is_within(id: &str, ancestor: &str) -> bool {
    id == ancestor
        || (id.len() > ancestor.len()
            && id.starts_with(ancestor)
            && id.as_bytes()[ancestor.len()] == b'/')
}

/// A concept set: a named list of terms, in each language, that patterns of several codes
/// reuse (`@scientists`), alone or near the terms of other sets.
///
/// A term's `lang` is the language whose morphology it is matched with, not a filter: a phrase
/// listed under `ru` matches by its Russian Snowball stems, one under `kk` by Kazakh stems and
/// suffixes in Cyrillic and Latin letters, and a set finds its terms in passages of every
/// language (language detection of short or mixed passages is fallible; words are not).
///
/// ```
/// use thematic::{Codebook, Code, Pattern};
/// use thematic::codebook::ConceptSet;
/// let codebook = Codebook::builder("Demo")
///     .set(ConceptSet::new("scientists").term("ru", "учёный").term("kk", "ғалым").term("en", "scientist"))
///     .set(ConceptSet::new("returning").term("ru", "возвра*").term("kk", "қайтар-").term("en", "return"))
///     .code(Code::new("return_policy", "Return").pattern(Pattern::near(["returning", "scientists"], Some(5))))
///     .build()?;
/// assert_eq!(codebook.sets().len(), 2);
/// # Ok::<(), thematic::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConceptSet {
    /// The set's name, used as `@name` in patterns.
    pub id: Arc<str>,
    /// What the set stands for.
    pub note: Option<String>,
    /// Its terms: phrases (matched by their stems in their language), globs and regexes.
    pub terms: Vec<Pattern>,
    /// Exceptions: phrases inside which a term of the set does not count. Kazakh `кет-`
    /// "leave" is also an auxiliary verb ("айта кетейік", "let us mention"): the set of
    /// emigrating lists `кет-` and excepts `айта кет-`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<Pattern>,
}

impl ConceptSet {
    /// An empty set.
    pub fn new(id: impl Into<Arc<str>>) -> ConceptSet {
        ConceptSet {
            id: id.into(),
            note: None,
            terms: Vec::new(),
            except: Vec::new(),
        }
    }

    /// Adds a term in language `lang`: a glob if it holds `*` or `?`, otherwise a phrase
    /// matched by its stems in that language (Kazakh: by stem and suffixes; a verb root ends
    /// with a hyphen, `қайтар-`).
    pub fn term(mut self, lang: &str, text: &str) -> ConceptSet {
        self.terms.push(Term::in_language(lang, text));
        self
    }

    /// Adds an exception in language `lang`, written as a term is: a hit of the set that lies
    /// inside a match of an exception does not count.
    ///
    /// ```
    /// use thematic::{Codebook, Code, Matcher, Pattern};
    /// use thematic::codebook::ConceptSet;
    /// use thematic::matcher::Scratch;
    /// let leaving = ConceptSet::new("leaving").term("kk", "кет-").except("kk", "айта кет-");
    /// let codebook = Codebook::builder("Demo")
    ///     .set(leaving)
    ///     .code(Code::new("brain_drain", "Brain drain").pattern(Pattern::set("leaving")))
    ///     .build()?;
    /// let matcher = Matcher::new(&codebook)?;
    /// let mut scratch = Scratch::default();
    /// assert_eq!(matcher.find("Мамандар шетелге кетіп жатыр.", &mut scratch).len(), 1);
    /// assert!(matcher.find("Тағы бір мәселеге тоқталып, айта кетейік.", &mut scratch).is_empty());
    /// # Ok::<(), thematic::Error>(())
    /// ```
    pub fn except(mut self, lang: &str, text: &str) -> ConceptSet {
        self.except.push(Term::in_language(lang, text));
        self
    }
}

/// How set terms are made from their text and language.
pub(crate) struct Term;

impl Term {
    pub(crate) fn in_language(lang: &str, text: &str) -> Pattern {
        let mut p = Pattern::infer(text);
        p.lang = Some(lang.to_string());
        p.stem = p.kind == PatternKind::Phrase;
        p
    }
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
    /// Patterns that mute their sentence: no hit inside a sentence they match counts (a study's
    /// statement of its own aims, a keyword list run into a paragraph).
    pub mute: Vec<Pattern>,
    sets: Vec<ConceptSet>,
    codes: Vec<Code>,
    groups: Vec<CodeGroup>,
    #[serde(skip)]
    index: HashMap<Arc<str>, usize>,
    #[serde(skip)]
    path: Option<PathBuf>,
}

/// Where the shipped codebook lives in the repository (and what its messages call it).
pub const SHIPPED_PATH: &str = "codebooks/migration.toml";
/// The shipped codebook's text.
const SHIPPED: &str = include_str!("../../codebooks/migration.toml");

impl Codebook {
    /// Starts building a codebook in code.
    pub fn builder(name: impl Into<String>) -> CodebookBuilder {
        CodebookBuilder {
            name: name.into(),
            version: None,
            description: None,
            negative: Vec::new(),
            mute: Vec::new(),
            sets: Vec::new(),
            codes: Vec::new(),
            groups: Vec::new(),
        }
    }

    /// Reads a codebook file: `.toml` in the full format, `.json`, `.yaml` or `.yml` as a plain
    /// dictionary (quanteda's shape), `.dic` as a LIWC dictionary, `.qdc` as a REFI-QDA
    /// codebook (codes and definitions, no patterns).
    ///
    /// A file that defines no codes is an error naming it: coding with it would find nothing
    /// and say nothing. (The parsers of text, [`Codebook::from_toml`] and the like, accept one,
    /// as a codebook being written.)
    pub fn from_path(path: impl AsRef<Path>) -> Result<Codebook> {
        let path = path.as_ref();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let codebook = if ext.as_deref() == Some("qdc") {
            crate::refi::read_codebook(path)?
        } else {
            Codebook::parse_file(path, ext.as_deref())?
        };
        let how = match ext.as_deref() {
            Some("toml") => "add a [[code]] table with an `id` and `patterns` for each theme",
            Some("dic") => {
                "list the categories, one `NUMBER NAME` a line, between the two `%` lines"
            }
            Some("qdc") => "its <Codes> holds no <Code>: export the codebook again with its codes",
            _ => {
                "a dictionary maps each code to its list of phrases: {\"brain_drain\": [\"brain drain\"]}"
            }
        };
        require_codes(codebook, path, how)
    }

    /// Reads a codebook file in one of the text formats, by its extension.
    fn parse_file(path: &Path, ext: Option<&str>) -> Result<Codebook> {
        let source = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut codebook = match ext {
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

    /// The codebook thematic ships (`codebooks/migration.toml`: intellectual and educational
    /// migration policy in English, Russian, Kazakh and Ukrainian), compiled into the crate so
    /// that it is at hand wherever a program runs.
    ///
    /// ```
    /// let codebook = thematic::Codebook::shipped();
    /// assert!(codebook.codes().iter().any(|c| &*c.id == "brain_drain"));
    /// ```
    pub fn shipped() -> Codebook {
        let mut codebook = Codebook::from_toml(SHIPPED, Some(Path::new(SHIPPED_PATH)))
            .expect("the shipped codebook is checked by the test suite");
        codebook.path = Some(PathBuf::from(SHIPPED_PATH));
        codebook
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

    /// The concept sets, in codebook order.
    pub fn sets(&self) -> &[ConceptSet] {
        &self.sets
    }

    /// The groups of codes, in codebook order.
    pub fn groups(&self) -> &[CodeGroup] {
        &self.groups
    }

    /// The concept set named `id`.
    pub fn concept_set(&self, id: &str) -> Option<&ConceptSet> {
        self.sets.iter().find(|s| &*s.id == id)
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

    /// Number of patterns over all codes, negative ones included (set terms and muting
    /// patterns too).
    pub fn pattern_count(&self) -> usize {
        self.negative.len()
            + self.mute.len()
            + self
                .sets
                .iter()
                .map(|s| s.terms.len() + s.except.len())
                .sum::<usize>()
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
    mute: Vec<Pattern>,
    sets: Vec<ConceptSet>,
    codes: Vec<Code>,
    groups: Vec<CodeGroup>,
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

    /// Adds a pattern that mutes the sentences it matches (see [`Codebook::mute`]).
    pub fn mute(mut self, pattern: Pattern) -> CodebookBuilder {
        self.mute.push(pattern);
        self
    }

    /// Adds a concept set.
    pub fn set(mut self, set: ConceptSet) -> CodebookBuilder {
        self.sets.push(set);
        self
    }

    /// Adds a group of codes; its codes must be in the codebook.
    pub fn group(mut self, group: CodeGroup) -> CodebookBuilder {
        self.groups.push(group);
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
            mute: self.mute,
            sets: Vec::new(),
            codes: Vec::new(),
            groups: Vec::new(),
            index: HashMap::new(),
            path: None,
        };
        let invalid = |message: String| Error::Codebook(Box::new(Diagnostic::new(message)));
        let mut codebook = codebook;
        for set in self.sets {
            codebook.push_set(set).map_err(invalid)?;
        }
        for code in self.codes {
            codebook.push_code(code).map_err(invalid)?;
        }
        for group in self.groups {
            codebook.push_group(group).map_err(invalid)?;
        }
        for (what, patterns) in [
            ("codebook-wide negative pattern", &codebook.negative),
            ("muting pattern", &codebook.mute),
        ] {
            for pattern in patterns {
                pattern
                    .validate()
                    .map_err(|e| invalid(format!("{what} {:?}: {e}", pattern.text)))?;
                codebook.check_sets(pattern).map_err(invalid)?;
            }
        }
        for code in &codebook.codes {
            for pattern in code.patterns.iter().chain(&code.negative) {
                pattern.validate().map_err(|e| {
                    invalid(format!(
                        "code `{}`, pattern {:?}: {e}",
                        code.id, pattern.text
                    ))
                })?;
                codebook.check_sets(pattern).map_err(|e| {
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
    /// Appends a concept set after checking its name and terms; the reason on failure is one
    /// line.
    pub(crate) fn push_set(&mut self, set: ConceptSet) -> std::result::Result<(), String> {
        check_set_id(&set.id)?;
        if self.sets.iter().any(|s| s.id == set.id) {
            return Err(format!("concept set `{}` is defined twice", set.id));
        }
        if set.terms.is_empty() {
            return Err(format!("concept set `{}` has no terms", set.id));
        }
        for term in set.terms.iter().chain(&set.except) {
            if matches!(term.kind, PatternKind::Set | PatternKind::Near)
                || term.has_context()
                || term.document.is_some()
            {
                return Err(format!(
                    "concept set `{}`, term {:?}: a term is a phrase, glob or regex, without conditions",
                    set.id, term.text
                ));
            }
            term.validate_term()
                .map_err(|e| format!("concept set `{}`, term {:?}: {e}", set.id, term.text))?;
        }
        self.sets.push(set);
        Ok(())
    }

    /// Checks that every concept set `pattern` names is defined (sets come before codes).
    pub(crate) fn check_sets(&self, pattern: &Pattern) -> std::result::Result<(), String> {
        for name in pattern
            .sets
            .iter()
            .chain(&pattern.with)
            .chain(&pattern.without)
        {
            if self.concept_set(name).is_none() {
                let known: Vec<&str> = self.sets.iter().map(|s| &*s.id).collect();
                return Err(if known.is_empty() {
                    format!("no concept set `{name}`: this codebook defines none")
                } else {
                    format!(
                        "no concept set `{name}` (the codebook defines {})",
                        known.join(", ")
                    )
                });
            }
        }
        Ok(())
    }

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
        if code.min_hits == 0 {
            return Err(format!("code `{}`: min_hits must be at least 1", code.id));
        }
        if !code.codable && !code.patterns.is_empty() {
            return Err(format!(
                "code `{}` is not codable (codable = false), so it may have no patterns: give them to its sub-codes",
                code.id
            ));
        }
        self.index.insert(code.id.clone(), self.codes.len());
        self.codes.push(code);
        Ok(())
    }
}

impl Codebook {
    /// Appends a group of codes after checking its name is new and its codes exist; the reason
    /// on failure is one line.
    pub(crate) fn push_group(&mut self, group: CodeGroup) -> std::result::Result<(), String> {
        if group.name.trim().is_empty() {
            return Err("a group of codes needs a name".to_string());
        }
        if self.groups.iter().any(|g| g.name == group.name) {
            return Err(format!("group {:?} is defined twice", group.name));
        }
        if let Some(unknown) = group.codes.iter().find(|id| self.code(id).is_none()) {
            return Err(format!(
                "group {:?} names code `{unknown}`, which the codebook does not define",
                group.name
            ));
        }
        self.groups.push(group);
        Ok(())
    }
}

/// Refuses a codebook read from a file that defines no codes. `how` tells how the file's
/// format defines them.
fn require_codes(codebook: Codebook, path: &Path, how: &str) -> Result<Codebook> {
    if !codebook.codes.is_empty() {
        return Ok(codebook);
    }
    Err(Error::Codebook(Box::new(
        Diagnostic::new("invalid codebook: it defines no codes")
            .with_path(Some(path))
            .with_note(how),
    )))
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

/// Checks a concept set's name: letters, digits, `_` and `-`, as it is written after `@`.
fn check_set_id(id: &str) -> std::result::Result<(), String> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Err(format!(
            "concept set name {id:?} must be letters, digits, `_` or `-`"
        ));
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
    fn a_codebook_file_without_codes_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        // Every format's empty file: see the hostile suite. Concept sets alone are no codes.
        for (name, source) in [
            (
                "sets-only.toml",
                "[codebook]\nname = \"s\"\n[[set]]\nid = \"s\"\nen = [\"scientist\"]\n",
            ),
            ("empty.dic", "%\n%\n"),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, source).unwrap();
            let err = Codebook::from_path(&path).unwrap_err().to_string();
            assert!(
                err.starts_with("invalid codebook: it defines no codes")
                    && err.contains(&format!("--> {}", path.display()))
                    && err.contains("\n  = "),
                "{err}"
            );
        }
        assert!(Codebook::from_toml("[codebook]\nname = \"draft\"\n", None).is_ok());
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
