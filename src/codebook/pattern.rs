//! Patterns: what a code looks for in a passage.

use std::fmt;

use serde::Serialize;

use crate::text::is_space;

/// The languages passages are detected in, and that patterns can be tagged with.
pub const LANGUAGES: [&str; 4] = ["en", "ru", "kk", "uk"];

/// How a pattern's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PatternKind {
    /// Words in order, case-insensitive, whole words, any whitespace between them.
    Phrase,
    /// A phrase with word-level wildcards: `*` any run of letters and digits, `?` exactly one.
    Glob,
    /// A regular expression (Rust `regex` syntax), case-insensitive and multi-line by default,
    /// matched against the passage's original text.
    Regex,
    /// Any term of a concept set (see [`ConceptSet`](super::ConceptSet)).
    Set,
    /// Terms of two or more concept sets near each other: in one sentence, in any order, and at
    /// most [`Pattern::within`] words apart when that is set.
    Near,
}

impl fmt::Display for PatternKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PatternKind::Phrase => "phrase",
            PatternKind::Glob => "glob",
            PatternKind::Regex => "regex",
            PatternKind::Set => "set",
            PatternKind::Near => "near",
        })
    }
}

/// One pattern of a code.
///
/// ```
/// use thematic::{Pattern, PatternKind};
/// assert_eq!(Pattern::infer("brain drain").kind, PatternKind::Phrase);
/// assert_eq!(Pattern::infer("утечк* мозг*").kind, PatternKind::Glob);
/// let p = Pattern::regex(r"\bleav(e|ing) the country\b").lang("en");
/// assert_eq!(p.lang.as_deref(), Some("en"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Pattern {
    /// How the text is read.
    pub kind: PatternKind,
    /// The pattern as written in the codebook; hits name it.
    pub text: String,
    /// The language of passages it applies to (`en`, `ru`, `kk`, `uk`); `None` for all.
    pub lang: Option<String>,
    /// Match case exactly instead of ignoring it.
    pub case_sensitive: bool,
    /// For a phrase: match every word by its Snowball stem in the pattern's language, so one
    /// phrase finds all its inflected forms (`утечка мозгов` finds `утечки мозгов`).
    pub stem: bool,
    /// Why the pattern is in the codebook.
    pub note: Option<String>,
    /// Sentences the pattern, on its own, must match (checked by `thematic codebook check`).
    pub examples: Vec<String>,
    /// The concept sets a [`PatternKind::Set`] (one) or [`PatternKind::Near`] (two or more)
    /// pattern is made of.
    pub sets: Vec<String>,
    /// The window of a proximity or context condition: at most this many words between the
    /// terms. Unset, the window is the sentence.
    pub within: Option<u32>,
    /// Context: a hit counts only when a term of one of these sets occurs in the same sentence
    /// (and [`Pattern::within`] words, if set).
    pub with: Vec<String>,
    /// Context: a hit does not count when a term of one of these sets occurs in the same
    /// sentence (and [`Pattern::within`] words, if set).
    pub without: Vec<String>,
    /// One hit of a strong pattern is evidence enough for its code, whatever the code's
    /// [`min_hits`](super::Code::min_hits).
    pub strong: bool,
    /// Document context: the pattern's hits count only in a document where at least this many
    /// other passages have the code, or one of its sub-codes, by their other patterns (a
    /// document about the theme, as a coder reads a paragraph in the light of its article).
    pub document: Option<u32>,
}

impl Pattern {
    pub(crate) fn new(kind: PatternKind, text: impl Into<String>) -> Pattern {
        Pattern {
            kind,
            text: text.into(),
            lang: None,
            case_sensitive: false,
            stem: false,
            note: None,
            examples: Vec::new(),
            sets: Vec::new(),
            within: None,
            with: Vec::new(),
            without: Vec::new(),
            strong: false,
            document: None,
        }
    }

    /// Any term of concept set `set`.
    ///
    /// ```
    /// use thematic::Pattern;
    /// assert_eq!(Pattern::set("scientists").text, "@scientists");
    /// ```
    pub fn set(set: impl Into<String>) -> Pattern {
        let set = set.into();
        let mut p = Pattern::new(PatternKind::Set, format!("@{set}"));
        p.sets = vec![set];
        p
    }

    /// Terms of every one of `sets` in one sentence, in any order, at most `within` words
    /// apart (unset: anywhere in the sentence).
    ///
    /// ```
    /// use thematic::Pattern;
    /// let p = Pattern::near(["returning", "scientists"], Some(6));
    /// assert_eq!(p.text, "@returning NEAR/6 @scientists");
    /// assert_eq!(Pattern::near(["a", "b"], None).text, "@a NEAR/s @b");
    /// ```
    pub fn near<S: Into<String>>(
        sets: impl IntoIterator<Item = S>,
        within: Option<u32>,
    ) -> Pattern {
        let sets: Vec<String> = sets.into_iter().map(Into::into).collect();
        let joint = match within {
            Some(n) => format!(" NEAR/{n} "),
            None => " NEAR/s ".to_string(),
        };
        let text = sets
            .iter()
            .map(|s| format!("@{s}"))
            .collect::<Vec<_>>()
            .join(&joint);
        let mut p = Pattern::new(PatternKind::Near, text);
        p.sets = sets;
        p.within = within;
        p
    }

    /// Counts a hit only with a term of `set` near it (see [`Pattern::with`]).
    pub fn with_set(mut self, set: impl Into<String>) -> Pattern {
        self.with.push(set.into());
        self
    }

    /// Drops a hit with a term of `set` near it (see [`Pattern::without`]).
    pub fn without_set(mut self, set: impl Into<String>) -> Pattern {
        self.without.push(set.into());
        self
    }

    /// Sets the window of proximity and context conditions, in words.
    pub fn within(mut self, words: u32) -> Pattern {
        self.within = Some(words);
        self
    }

    /// Makes the pattern count only in documents with at least `passages` other passages
    /// coded with its code (see [`Pattern::document`]).
    pub fn in_documents_with(mut self, passages: u32) -> Pattern {
        self.document = Some(passages);
        self
    }

    /// Makes one hit of the pattern evidence enough for its code.
    pub fn strong(mut self, yes: bool) -> Pattern {
        self.strong = yes;
        self
    }

    /// Does the pattern carry a context condition?
    pub fn has_context(&self) -> bool {
        !self.with.is_empty() || !self.without.is_empty()
    }

    /// A phrase pattern.
    pub fn phrase(text: impl Into<String>) -> Pattern {
        Pattern::new(PatternKind::Phrase, text)
    }

    /// A glob pattern.
    pub fn glob(text: impl Into<String>) -> Pattern {
        Pattern::new(PatternKind::Glob, text)
    }

    /// A regex pattern.
    pub fn regex(text: impl Into<String>) -> Pattern {
        Pattern::new(PatternKind::Regex, text)
    }

    /// A glob if the text holds `*` or `?`, otherwise a phrase: how bare strings in codebooks and
    /// dictionaries are read (quanteda's convention).
    pub fn infer(text: impl Into<String>) -> Pattern {
        let text = text.into();
        if text.contains(['*', '?']) {
            Pattern::glob(text)
        } else {
            Pattern::phrase(text)
        }
    }

    /// Restricts the pattern to passages in language `lang`.
    pub fn lang(mut self, lang: impl Into<String>) -> Pattern {
        self.lang = Some(lang.into());
        self
    }

    /// Makes the pattern case-sensitive.
    pub fn case_sensitive(mut self, yes: bool) -> Pattern {
        self.case_sensitive = yes;
        self
    }

    /// Matches a phrase's words by their stems (needs a language with a stemmer).
    pub fn stem(mut self, yes: bool) -> Pattern {
        self.stem = yes;
        self
    }

    /// Checks a concept-set term, whose language is that of its morphology (see
    /// [`ConceptSet`](super::ConceptSet)): like [`Pattern::validate`], with English phrases
    /// matched by their inflected forms rather than Snowball stems.
    pub(crate) fn validate_term(&self) -> Result<(), String> {
        if self.stem && self.kind == PatternKind::Phrase && self.lang.as_deref() == Some("en") {
            if self.case_sensitive {
                return Err("stem = true and case_sensitive = true cannot be combined".to_string());
            }
            return crate::matcher::stemmed::StemmedPhrase::inflected(&self.text, "en").map(|_| ());
        }
        self.validate()
    }

    /// Checks that the pattern can be compiled; the error is a one-line reason, with the
    /// regex engine's own explanation on the following lines for regexes.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(lang) = &self.lang
            && !LANGUAGES.contains(&lang.as_str())
        {
            return Err(format!(
                "unknown language {lang:?}: patterns can be tagged with {}",
                LANGUAGES.join(", ")
            ));
        }
        if self.stem {
            if self.kind != PatternKind::Phrase {
                return Err(format!(
                    "stem = true applies to phrases only, not to a {}",
                    self.kind
                ));
            }
            match self.lang.as_deref() {
                Some(lang) if crate::stem::Stemmer::for_lang(lang).is_some() || lang == "kk" => {}
                _ => {
                    return Err(
                        "stem = true needs the language to stem in: lang = \"en\", \"ru\", \"uk\" or \"kk\"".to_string(),
                    );
                }
            }
            if self.case_sensitive {
                return Err("stem = true and case_sensitive = true cannot be combined".to_string());
            }
            let lang = self.lang.as_deref().unwrap_or("");
            crate::matcher::stemmed::StemmedPhrase::in_language(&self.text, lang).map(|_| ())?;
        }
        match self.kind {
            PatternKind::Set if self.sets.len() != 1 => {
                return Err("a set pattern names exactly one concept set".to_string());
            }
            PatternKind::Near if self.sets.len() < 2 => {
                return Err(format!(
                    "a near pattern needs two concept sets or more, not {}",
                    self.sets.len()
                ));
            }
            PatternKind::Set | PatternKind::Near if self.lang.is_some() || self.case_sensitive => {
                return Err(format!(
                    "a {} pattern takes its languages and case from its concept sets: drop `lang` and `case_sensitive`",
                    self.kind
                ));
            }
            _ => {}
        }
        if self.document == Some(0) {
            return Err("`document` is a number of other passages, at least 1".to_string());
        }
        if self.within.is_some() && self.kind != PatternKind::Near && !self.has_context() {
            return Err(
                "`within` is the window of a `near` pattern or of a `with`/`without` condition; this pattern has neither".to_string(),
            );
        }
        match self.kind {
            PatternKind::Set | PatternKind::Near => Ok(()),
            PatternKind::Phrase => {
                if self.text.chars().all(is_space) {
                    return Err("empty phrase".to_string());
                }
                Ok(())
            }
            PatternKind::Glob => Glob::parse(&self.text, self.case_sensitive).map(|_| ()),
            PatternKind::Regex => build_regex(&self.text, self.case_sensitive)
                .map(|_| ())
                .map_err(|e| format!("invalid regex\n{e}")),
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Builds a user regex with the codebook's defaults: case-insensitive unless asked otherwise,
/// `^`/`$` at line ends.
///
/// The error is the regex engine's own explanation, with the pattern shown and the fault
/// underlined.
pub(crate) fn build_regex(
    text: &str,
    case_sensitive: bool,
) -> Result<regex_automata::meta::Regex, String> {
    regex_automata::meta::Regex::builder()
        .syntax(
            regex_automata::util::syntax::Config::new()
                .case_insensitive(!case_sensitive)
                .multi_line(true),
        )
        .build(text)
        .map_err(|e| match e.syntax_error() {
            Some(syntax) => format!("regex parse error:\n{syntax}"),
            None => e.to_string(),
        })
}

/// A parsed glob: the regex it means and its longest literal run, lowercased, for the automaton
/// to find candidates with. Compiling the regex is left to [`Glob::compile`]: Unicode word
/// classes make it costly, and most globs of a large codebook never find a candidate.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    /// The regex source, matched against original text.
    pub source: String,
    /// Match case exactly.
    pub case_sensitive: bool,
    /// The literal run the automaton looks for, lowercased, words joined by one space: every
    /// match contains it in the folded text. The glob's leading run when it has one of at least
    /// three characters (every match then begins with it), else its longest run.
    pub anchor: String,
    /// Every match begins with the anchor.
    pub anchor_starts: bool,
}

impl Glob {
    pub(crate) fn parse(text: &str, case_sensitive: bool) -> Result<Glob, String> {
        let words: Vec<&str> = text.split(is_space).filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            return Err("empty glob".to_string());
        }
        if !text
            .chars()
            .any(|c| c != '*' && c != '?' && crate::text::is_word_char(c))
        {
            return Err(format!(
                "glob {text:?} has no letter or digit besides its wildcards: it would match every word"
            ));
        }
        // The class is closed under case: keep it out of case folding, which is slow for it.
        const WORD: &str = r"(?-i:[\p{L}\p{N}_])";
        // No word-boundary assertions: Unicode ones keep the regex crate's fast engines off any
        // text with a non-ASCII character. The matcher checks whole words itself.
        let mut source = String::new();
        let mut best = String::new();
        let mut run = String::new();
        let mut leading: Option<String> = None;
        let mut wildcard_seen = false;
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                source.push_str(r"[\s\x1C-\x1F]+");
                if run.is_empty() {
                    // The run was broken by a wildcard at the end of the previous word.
                } else {
                    run.push(' ');
                }
            }
            for c in word.chars() {
                match c {
                    '*' | '?' => {
                        source.push_str(WORD);
                        if c == '*' {
                            source.push('*');
                        }
                        if !wildcard_seen {
                            wildcard_seen = true;
                            leading = Some(run.trim_end().to_string());
                        }
                        keep_longest(&mut best, &mut run);
                    }
                    // Ё and ё read as е, as in phrases (see `matcher::fold`).
                    'е' | 'ё' | 'Е' | 'Ё' => {
                        source.push_str("[еёЕЁ]");
                        run.push('е');
                    }
                    c => {
                        source.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
                        run.extend(c.to_lowercase());
                    }
                }
            }
        }
        if !wildcard_seen {
            leading = Some(run.trim_end().to_string());
        }
        keep_longest(&mut best, &mut run);
        let (anchor, anchor_starts) = match leading {
            Some(lead) if lead.chars().count() >= 3 => (lead, true),
            _ => (best, false),
        };
        Ok(Glob {
            source,
            case_sensitive,
            anchor,
            anchor_starts,
        })
    }

    /// Compiles the glob's regex.
    pub(crate) fn compile(&self) -> Result<regex_automata::meta::Regex, String> {
        build_regex(&self.source, self.case_sensitive)
    }
}

fn keep_longest(best: &mut String, run: &mut String) {
    let trimmed = run.trim_end();
    if trimmed.chars().count() > best.chars().count() {
        *best = trimmed.to_string();
    }
    run.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_anchor_is_the_leading_run_or_the_longest() {
        assert_eq!(Glob::parse("утечк* мозгов", false).unwrap().anchor, "утечк");
        assert_eq!(Glob::parse("ут* мозгов", false).unwrap().anchor, "мозгов");
        assert_eq!(
            Glob::parse("Brain drain*", false).unwrap().anchor,
            "brain drain"
        );
        assert_eq!(Glob::parse("*МИГРА*", false).unwrap().anchor, "мигра");
        let g = Glob::parse("ре?миграц*", false).unwrap();
        assert_eq!((g.anchor.as_str(), g.anchor_starts), ("миграц", false));
        let g = Glob::parse("stud* abroad", false).unwrap();
        assert_eq!((g.anchor.as_str(), g.anchor_starts), ("stud", true));
        assert_eq!(Glob::parse("көші-қон*", false).unwrap().anchor, "көші-қон");
    }

    #[test]
    fn glob_regex_matches_whole_words_with_wildcards() {
        let find =
            |g: &regex_automata::meta::Regex, h: &str| g.find(h).map(|m| h[m.range()].to_string());
        let g = Glob::parse("мигра*", false).unwrap().compile().unwrap();
        assert!(g.is_match("Миграция"));
        // Whole words are the matcher's business: the regex alone finds the inner match.
        assert_eq!(find(&g, "эмиграция").unwrap(), "миграция");
        let g = Glob::parse("утечк? мозгов", false)
            .unwrap()
            .compile()
            .unwrap();
        assert!(g.is_match("утечки\n  мозгов"));
        assert!(!g.is_match("утечкой мозгов"));
        let g = Glob::parse("утёк*", false).unwrap();
        assert_eq!(g.anchor, "утек");
        let g = g.compile().unwrap();
        assert!(g.is_match("Утекли") && g.is_match("утёкший"));
        let g = Glob::parse("*мигра*", false).unwrap().compile().unwrap();
        assert_eq!(find(&g, "про эмиграцию.").unwrap(), "эмиграцию");
    }

    #[test]
    fn globs_without_literals_are_rejected() {
        assert!(Glob::parse("*", false).is_err());
        assert!(Glob::parse("* ?", false).is_err());
        assert!(Glob::parse("   ", false).is_err());
    }

    #[test]
    fn validation_names_the_problem() {
        assert!(
            Pattern::phrase("  ")
                .validate()
                .unwrap_err()
                .contains("empty")
        );
        let err = Pattern::regex("(leav").validate().unwrap_err();
        assert!(
            err.starts_with("invalid regex\n") && err.contains("unclosed group"),
            "{err}"
        );
        let err = Pattern::phrase("x").lang("de").validate().unwrap_err();
        assert!(err.contains("unknown language"), "{err}");
    }
}
