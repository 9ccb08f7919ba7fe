//! Snowball stemming for the languages that have a stemmer: English, Russian, Ukrainian.
//!
//! One stemmer (frostem, which tracks Snowball upstream) serves both the search index and the
//! matcher, so a word stems the same way wherever it is compared. Kazakh has no Snowball
//! stemmer, and the Russian one mangles it: Kazakh stems are matched with their suffixes
//! instead, in Cyrillic and Latin script ([`kazakh`]).

pub mod kazakh;

use std::borrow::Cow;

use frostem::{Algorithm, Stemmer as Snowball};

/// A stemmer for one language.
#[derive(Clone, Copy)]
pub struct Stemmer {
    inner: Snowball,
    lang: &'static str,
}

impl std::fmt::Debug for Stemmer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Stemmer({})", self.lang)
    }
}

/// The languages with a stemmer.
pub const STEMMED_LANGUAGES: [&str; 3] = ["en", "ru", "uk"];

impl Stemmer {
    /// The stemmer for an ISO 639-1 code, if the language has one.
    ///
    /// ```
    /// use thematic::stem::Stemmer;
    /// let ru = Stemmer::for_lang("ru").unwrap();
    /// assert_eq!(ru.stem("миграции"), ru.stem("миграция"));
    /// let uk = Stemmer::for_lang("uk").unwrap();
    /// assert_eq!(uk.stem("міграції"), uk.stem("міграція"));
    /// assert!(Stemmer::for_lang("kk").is_none());
    /// ```
    pub fn for_lang(lang: &str) -> Option<Stemmer> {
        let (algorithm, lang) = match lang {
            "en" => (Algorithm::English, "en"),
            "ru" => (Algorithm::Russian, "ru"),
            "uk" => (Algorithm::Ukrainian, "uk"),
            _ => return None,
        };
        Some(Stemmer {
            inner: Snowball::new(algorithm),
            lang,
        })
    }

    /// The language.
    pub fn lang(&self) -> &'static str {
        self.lang
    }

    /// The stem of a lowercase word.
    pub fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        self.inner.stem(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflected_forms_share_a_stem() {
        let en = Stemmer::for_lang("en").unwrap();
        assert_eq!(en.stem("migrations"), en.stem("migration"));
        let ru = Stemmer::for_lang("ru").unwrap();
        for w in ["мигрантов", "мигранты", "мигрант"] {
            assert_eq!(ru.stem(w), ru.stem("мигрантами"), "{w}");
        }
        let uk = Stemmer::for_lang("uk").unwrap();
        assert_eq!(uk.stem("мізків"), uk.stem("мізки"));
    }
}
