//! Phrases matched by the stems of their words.
//!
//! Russian, Ukrainian and English inflect: `утечка мозгов` is also `утечки мозгов`,
//! `утечку мозгов`, `утечкой мозгов`. A phrase marked `stem = true` matches every sequence of
//! words whose Snowball stems (in the pattern's language) are the phrase's. The automaton
//! looks for the part of the first word that its inflections keep (its stem, cut to what the
//! word and the stem share); each occurrence is then checked word by word.

use crate::codebook::Pattern;
use crate::stem::Stemmer;
use crate::text::{char_at, char_before, is_word_char};

use super::fold::fold_str;

/// The shortest literal the automaton may wait for.
const MIN_ANCHOR_CHARS: usize = 3;

/// A stemmed phrase, ready to check candidates.
#[derive(Debug, Clone)]
pub struct StemmedPhrase {
    stemmer: Stemmer,
    stems: Vec<String>,
    anchor: String,
}

/// The end of the word starting at `at`: word characters, joined by a hyphen or apostrophe
/// between two of them (`ақыл-ой`, `don't`).
pub(crate) fn word_end(s: &str, at: usize) -> usize {
    let mut end = at;
    let mut chars = s[at..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if is_word_char(c) {
            end = at + i + c.len_utf8();
            continue;
        }
        let joins = matches!(c, '-' | '\'' | '’') && end == at + i && end > at;
        if joins && chars.peek().is_some_and(|&(_, next)| is_word_char(next)) {
            continue;
        }
        break;
    }
    end
}

impl StemmedPhrase {
    /// Prepares a `stem = true` phrase pattern; the error says what is wrong with it.
    pub fn new(pattern: &Pattern) -> Result<StemmedPhrase, String> {
        let lang = pattern.lang.as_deref().unwrap_or("");
        let stemmer =
            Stemmer::for_lang(lang).ok_or_else(|| format!("no stemmer for language {lang:?}"))?;
        let folded = fold_str(&pattern.text);
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            return Err("empty phrase".to_string());
        }
        for w in &words {
            if word_end(w, 0) != w.len() {
                return Err(format!(
                    "stem = true: {w:?} is not a single word (each word of a stemmed phrase is stemmed whole)"
                ));
            }
        }
        let stems: Vec<String> = words.iter().map(|w| stemmer.stem(w).into_owned()).collect();
        let anchor: String = words[0]
            .chars()
            .zip(stems[0].chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect();
        if anchor.chars().count() < MIN_ANCHOR_CHARS {
            return Err(format!(
                "stem = true: the stem of {:?} shares fewer than {MIN_ANCHOR_CHARS} letters with the word, too few to search for",
                words[0]
            ));
        }
        Ok(StemmedPhrase {
            stemmer,
            stems,
            anchor,
        })
    }

    /// What the automaton looks for: the start every inflection of the first word shares.
    pub fn anchor(&self) -> &str {
        &self.anchor
    }

    /// If the words of `folded` from byte `start` (the start of a word) stem as the phrase's
    /// do, the end of the match.
    pub fn match_at(&self, folded: &str, start: usize) -> Option<usize> {
        if char_before(folded, start).is_some_and(is_word_char) {
            return None;
        }
        let mut at = start;
        for (k, stem) in self.stems.iter().enumerate() {
            if k > 0 {
                // Folded text has one space for any run of whitespace.
                if char_at(folded, at) != Some(' ') {
                    return None;
                }
                at += 1;
            }
            let end = word_end(folded, at);
            if end == at || self.stemmer.stem(&folded[at..end]) != stem.as_str() {
                return None;
            }
            at = end;
        }
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrase(text: &str, lang: &str) -> StemmedPhrase {
        StemmedPhrase::new(&Pattern::phrase(text).lang(lang).stem(true)).unwrap()
    }

    fn matches(p: &StemmedPhrase, text: &str) -> Option<String> {
        let folded = fold_str(text);
        let start = folded.find(p.anchor())?;
        p.match_at(&folded, start)
            .map(|end| folded[start..end].to_string())
    }

    #[test]
    fn russian_case_forms_of_the_seeds() {
        // From the seeds: «утечку умов», «утечки мозгов», «интеллектуальной миграции».
        let p = phrase("утечка мозгов", "ru");
        for form in [
            "утечка мозгов",
            "Утечки мозгов",
            "утечку мозгов",
            "утечкой  мозгов",
        ] {
            assert!(matches(&p, form).is_some(), "{form}");
        }
        assert!(matches(&p, "утечка умов").is_none());
        let p = phrase("интеллектуальная миграция", "ru");
        assert_eq!(
            matches(&p, "проблемы интеллектуальной миграции.").as_deref(),
            Some("интеллектуальной миграции")
        );
        let p = phrase("образовательная миграция", "ru");
        assert!(matches(&p, "причины и факторы образовательной миграции").is_some());
    }

    #[test]
    fn ukrainian_and_english_forms() {
        // From seed 001's Ukrainian abstract: «освітня міграція», «освітньої міграції».
        let p = phrase("освітня міграція", "uk");
        assert_eq!(
            matches(&p, "вивчення інтелектуальної та освітньої міграції").as_deref(),
            Some("освітньої міграції")
        );
        assert!(
            matches(&p, "освітня та трудова міграція").is_none(),
            "a word between"
        );
        assert!(matches(&p, "Ключові слова: освітня міграція").is_some());
        let p = phrase("return migrant", "en");
        assert_eq!(
            matches(&p, "Returning migrants.").as_deref(),
            Some("returning migrants")
        );
        assert!(matches(&p, "return migration").is_none());
    }

    #[test]
    fn whole_words_only() {
        let p = phrase("brain drain", "en");
        assert!(matches(&p, "the brain drains").is_some());
        assert!(matches(&p, "nobrain drain").is_none());
    }

    #[test]
    fn what_cannot_be_stemmed_is_refused() {
        assert!(
            StemmedPhrase::new(&Pattern::phrase("post-graduation").lang("en").stem(true)).is_ok()
        );
        let err = Pattern::phrase("ақыл-ой кетуі")
            .lang("kk")
            .stem(true)
            .validate()
            .unwrap_err();
        assert!(err.contains("Kazakh has no stemmer"), "{err}");
        let err = Pattern::phrase("drain").stem(true).validate().unwrap_err();
        assert!(err.contains("needs the language"), "{err}");
        let err = Pattern::glob("drain*")
            .lang("en")
            .stem(true)
            .validate()
            .unwrap_err();
        assert!(err.contains("phrases only"), "{err}");
        let err = Pattern::phrase("ab cd")
            .lang("en")
            .stem(true)
            .validate()
            .unwrap_err();
        assert!(err.contains("too few"), "{err}");
    }
}
