//! Phrases matched by the stems of their words.
//!
//! Russian, Ukrainian and English inflect: `утечка мозгов` is also `утечки мозгов`,
//! `утечку мозгов`, `утечкой мозгов`. A phrase marked `stem = true` matches every sequence of
//! words whose Snowball stems (in the pattern's language) are the phrase's. The automaton
//! looks for the part of the first word that its inflections keep (its stem, cut to what the
//! word and the stem share); each occurrence is then checked word by word.
//!
//! Kazakh has no Snowball stemmer: its words match when they are the phrase's word followed by
//! Kazakh suffixes, in Cyrillic or Latin letters (see [`crate::stem::kazakh`]); the automaton
//! looks for the word's start in every alphabet.

use crate::stem::Stemmer;
use crate::stem::kazakh::KazakhStem;
use crate::text::{char_at, char_before, is_word_char};

use super::fold::fold_str;

/// The shortest literal the automaton may wait for.
const MIN_ANCHOR_CHARS: usize = 3;

/// How the words of a stemmed phrase are compared.
#[derive(Debug, Clone)]
enum Words {
    /// By their Snowball stems.
    Snowball {
        stemmer: Stemmer,
        stems: Vec<String>,
    },
    /// As Kazakh stems followed by suffixes.
    Kazakh(Vec<KazakhStem>),
    /// As English words or their inflected forms: each word's forms.
    English(Vec<Vec<String>>),
}

/// The inflected forms of a lowercase English word: plural and third person (`-s`, `-es`,
/// `-ies`), past and participles (`-ed`, `-d`, `-ied`, a doubled final consonant), the
/// possessive. Derivations (`attract` → `attractive`) are other words.
fn english_forms(word: &str) -> Vec<String> {
    let mut forms = vec![word.to_string()];
    let mut add = |f: String| {
        if !forms.contains(&f) {
            forms.push(f);
        }
    };
    let chars: Vec<char> = word.chars().collect();
    let last = chars.last().copied().unwrap_or(' ');
    let before = chars.len().checked_sub(2).map(|i| chars[i]);
    let vowel = |c: char| "aeiou".contains(c);
    add(format!("{word}'s"));
    add(format!("{word}’s"));
    if word.ends_with('s') || word.ends_with('x') || word.ends_with("ch") || word.ends_with("sh") {
        add(format!("{word}es"));
        add(format!("{word}'"));
    } else if last == 'y' && before.is_some_and(|c| !vowel(c)) {
        let stem = &word[..word.len() - 1];
        add(format!("{stem}ies"));
        add(format!("{stem}ied"));
        add(format!("{word}ing"));
    } else {
        add(format!("{word}s"));
    }
    if last == 'e' {
        add(format!("{word}d"));
        add(format!("{}ing", &word[..word.len() - 1]));
    } else if last.is_alphabetic() && last != 'y' {
        add(format!("{word}ed"));
        add(format!("{word}ing"));
        // A short final syllable doubles its consonant: admit → admitted.
        if !vowel(last)
            && !"wx".contains(last)
            && before.is_some_and(vowel)
            && chars.len() >= 3
            && !vowel(chars[chars.len() - 3])
            && chars.len() <= 6
        {
            add(format!("{word}{last}ed"));
            add(format!("{word}{last}ing"));
        }
    }
    forms
}

/// A stemmed phrase, ready to check candidates.
#[derive(Debug, Clone)]
pub struct StemmedPhrase {
    words: Words,
    anchors: Vec<String>,
}

/// The end of the word starting at `at`: word characters, joined by a hyphen or apostrophe
/// between two of them (`ақыл-ой`, `don't`).
pub(crate) fn word_end(s: &str, at: usize) -> usize {
    let bytes = s.as_bytes();
    let mut end = at;
    let mut i = at;
    while i < bytes.len() {
        // Matching and word counting call this for every word they look at: ASCII, most
        // text, is classified from its byte without decoding.
        let b = bytes[i];
        let (c, len) = if b < 0x80 {
            if b.is_ascii_alphanumeric() || b == b'_' {
                i += 1;
                end = i;
                continue;
            }
            (b as char, 1)
        } else {
            let c = char_at(s, i).expect("a character starts here");
            (c, c.len_utf8())
        };
        if is_word_char(c) {
            i += len;
            end = i;
            continue;
        }
        let joins = matches!(c, '-' | '\'' | '’') && end == i && end > at;
        if joins && char_at(s, i + len).is_some_and(is_word_char) {
            i += len;
            continue;
        }
        break;
    }
    end
}

impl StemmedPhrase {
    /// Prepares phrase `text` to match its words' inflected forms in language `lang`: English
    /// words take their inflections only (plural, past, participles, possessive: see
    /// [`StemmedPhrase::in_language`] for Snowball's stems, which also conflate derivations), the other
    /// languages as in [`StemmedPhrase::in_language`]. Concept-set terms are matched so.
    pub fn inflected(text: &str, lang: &str) -> Result<StemmedPhrase, String> {
        if lang != "en" {
            return StemmedPhrase::in_language(text, lang);
        }
        let folded = fold_str(text);
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            return Err("empty phrase".to_string());
        }
        let forms: Vec<Vec<String>> = words.iter().map(|w| english_forms(w)).collect();
        // The automaton looks for what every form of the first word starts with (and, after a
        // short first word, the start of the second).
        let shared = |k: usize| -> String {
            let first = &forms[k][0];
            let mut n = first.len();
            for f in &forms[k] {
                n = n.min(
                    f.bytes()
                        .zip(first.bytes())
                        .take_while(|(a, b)| a == b)
                        .count(),
                );
            }
            while !first.is_char_boundary(n) {
                n -= 1;
            }
            first[..n].to_string()
        };
        let mut anchor = shared(0);
        let mut k = 0;
        while anchor.chars().count() < MIN_ANCHOR_CHARS && k + 1 < words.len() {
            if anchor != words[k] {
                break;
            }
            k += 1;
            anchor.push(' ');
            anchor.push_str(&shared(k));
        }
        if anchor.trim().chars().count() < 2 {
            return Err(format!(
                "{:?} is too short to search for (two letters at least)",
                words[0]
            ));
        }
        Ok(StemmedPhrase {
            words: Words::English(forms),
            anchors: vec![anchor],
        })
    }

    /// Prepares phrase `text` to match by the stems of language `lang` (`en`, `ru`, `uk`, `kk`).
    pub fn in_language(text: &str, lang: &str) -> Result<StemmedPhrase, String> {
        let folded = fold_str(text);
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            return Err("empty phrase".to_string());
        }
        for w in &words {
            // A Kazakh verb root ends with a hyphen (`қайтар-`).
            let body = if lang == "kk" {
                w.strip_suffix('-').unwrap_or(w)
            } else {
                w
            };
            if body.is_empty() || word_end(body, 0) != body.len() {
                return Err(format!(
                    "stem = true: {w:?} is not a single word (each word of a stemmed phrase is stemmed whole)"
                ));
            }
        }
        let min_anchor = if lang == "kk" && words.len() > 1 {
            // Short Kazakh words (`ел`, "country") are common heads of phrases; the words
            // after them confirm the match.
            2
        } else {
            MIN_ANCHOR_CHARS
        };
        if lang == "kk" {
            let stems = words
                .iter()
                .map(|w| KazakhStem::new(w))
                .collect::<Result<Vec<_>, _>>()?;
            let anchors = stems[0].prefixes();
            if anchors[0].chars().count() < min_anchor {
                return Err(format!(
                    "stem = true: {:?} is too short to search for ({min_anchor} letters before a final к, қ or п at least)",
                    words[0]
                ));
            }
            return Ok(StemmedPhrase {
                words: Words::Kazakh(stems),
                anchors,
            });
        }
        let stemmer =
            Stemmer::for_lang(lang).ok_or_else(|| format!("no stemmer for language {lang:?}"))?;
        let stems: Vec<String> = words.iter().map(|w| stemmer.stem(w).into_owned()).collect();
        let shared = |k: usize| -> String {
            words[k]
                .chars()
                .zip(stems[k].chars())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect()
        };
        let mut anchor = shared(0);
        // A short word that does not inflect ("in demand", "go abroad") anchors with the start
        // of the word after it.
        let mut k = 0;
        while anchor.chars().count() < min_anchor && words[k] == stems[k] && k + 1 < words.len() {
            k += 1;
            anchor.push(' ');
            anchor.push_str(&shared(k));
        }
        if anchor.chars().count() < min_anchor {
            return Err(format!(
                "stem = true: the stem of {:?} shares fewer than {min_anchor} letters with the word, too few to search for",
                words[0]
            ));
        }
        Ok(StemmedPhrase {
            words: Words::Snowball { stemmer, stems },
            anchors: vec![anchor],
        })
    }

    /// What the automaton looks for: the starts every inflection of the first word shares (in
    /// each alphabet, for Kazakh).
    pub fn anchors(&self) -> &[String] {
        &self.anchors
    }

    /// If the words of `folded` from byte `start` (the start of a word) match the phrase's, the
    /// end of the match.
    pub fn match_at(&self, folded: &str, start: usize) -> Option<usize> {
        if char_before(folded, start).is_some_and(is_word_char) {
            return None;
        }
        let count = match &self.words {
            Words::Snowball { stems, .. } => stems.len(),
            Words::Kazakh(stems) => stems.len(),
            Words::English(forms) => forms.len(),
        };
        let mut at = start;
        for k in 0..count {
            if k > 0 {
                // Folded text has one space for any run of whitespace.
                if char_at(folded, at) != Some(' ') {
                    return None;
                }
                at += 1;
            }
            let end = word_end(folded, at);
            if end == at {
                return None;
            }
            let word = &folded[at..end];
            let same = match &self.words {
                Words::Snowball { stemmer, stems } => stemmer.stem(word) == stems[k].as_str(),
                // Folded text is lowercase already.
                Words::Kazakh(stems) => stems[k].matches_lowercase(word),
                Words::English(forms) => forms[k].iter().any(|f| f == word),
            };
            if !same {
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
    use crate::codebook::Pattern;

    fn phrase(text: &str, lang: &str) -> StemmedPhrase {
        StemmedPhrase::in_language(text, lang).unwrap()
    }

    fn matches(p: &StemmedPhrase, text: &str) -> Option<String> {
        let folded = fold_str(text);
        let start = p
            .anchors()
            .iter()
            .filter_map(|a| folded.find(a.as_str()))
            .min()?;
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
    fn kazakh_phrases_match_with_their_suffixes_in_both_scripts() {
        // From Kazakh press: «білікті мамандардың шетелге кетуі», «ғалымдарды Отанына қайтару».
        let p = phrase("білікті маман", "kk");
        assert_eq!(
            matches(&p, "Білікті мамандардың жыраққа кетуі").as_deref(),
            Some("білікті мамандардың")
        );
        let p = phrase("ғалым отан қайтар-", "kk");
        assert!(matches(&p, "ғалымдарды Отанына қайтару жоспарлануда").is_some());
        let p = phrase("болашақ", "kk");
        assert!(matches(&p, "Bolashaq baǵdarlamasy").is_some());
        assert!(matches(&p, "«Болашақ» бағдарламасының").is_some());
        assert!(
            StemmedPhrase::in_language("ел", "kk").is_err(),
            "too short alone"
        );
    }

    #[test]
    fn english_set_terms_take_inflections_not_derivations() {
        let p = StemmedPhrase::inflected("attract", "en").unwrap();
        let m = |text: &str| {
            let folded = fold_str(text);
            let start = p
                .anchors()
                .iter()
                .filter_map(|a| folded.find(a.as_str()))
                .min()?;
            p.match_at(&folded, start)
                .map(|end| folded[start..end].to_string())
        };
        for form in ["attract", "attracts", "attracted", "attracting"] {
            assert_eq!(m(form).as_deref(), Some(form), "{form}");
        }
        assert!(m("attractive destinations").is_none());
        let p = StemmedPhrase::inflected("university", "en").unwrap();
        let folded = fold_str("three universities");
        let at = folded.find(p.anchors()[0].as_str()).unwrap();
        assert!(p.match_at(&folded, at).is_some());
        let p = StemmedPhrase::inflected("skilled migrant", "en").unwrap();
        let folded = fold_str("highly skilled migrants");
        let at = folded.find(p.anchors()[0].as_str()).unwrap();
        assert!(p.match_at(&folded, at).is_some());
        let folded = fold_str("new skills");
        assert!(
            folded
                .find(p.anchors()[0].as_str())
                .is_none_or(|at| p.match_at(&folded, at).is_none())
        );
        assert!(english_forms("relocate").contains(&"relocating".to_string()));
        assert!(english_forms("admit").contains(&"admitted".to_string()));
        assert!(english_forms("study").contains(&"studies".to_string()));
    }

    #[test]
    fn whole_words_only() {
        let p = phrase("brain drain", "en");
        assert!(matches(&p, "the brain drains").is_some());
        assert!(matches(&p, "nobrain drain").is_none());
    }

    #[test]
    fn what_cannot_be_stemmed_is_refused() {
        assert!(StemmedPhrase::in_language("post-graduation", "en").is_ok());
        assert!(
            Pattern::phrase("ақыл-ой кету")
                .lang("kk")
                .stem(true)
                .validate()
                .is_ok()
        );
        let err = Pattern::phrase("drain").stem(true).validate().unwrap_err();
        assert!(err.contains("needs the language"), "{err}");
        let err = Pattern::glob("drain*")
            .lang("en")
            .stem(true)
            .validate()
            .unwrap_err();
        assert!(err.contains("phrases only"), "{err}");
        let err = Pattern::phrase("going abroad")
            .lang("en")
            .stem(true)
            .validate()
            .unwrap_err();
        assert!(err.contains("too few"), "{err}");
        // A short word that does not inflect anchors with the word after it.
        let p = StemmedPhrase::in_language("in demand", "en").unwrap();
        assert_eq!(p.anchors(), ["in demand"]);
    }
}
