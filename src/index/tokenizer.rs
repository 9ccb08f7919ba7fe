//! The tokenizer registered with tantivy.
//!
//! tantivy's `SimpleTokenizer` cuts `об’єднання` and `don't` at the apostrophe and leaves
//! ligatures and soft hyphens from PDF extraction in the words. This one takes words as
//! Unicode word segmentation (UAX #29) does for the scripts of our corpora — runs of letters,
//! marks and digits, keeping an apostrophe between letters and a point or comma between digits
//! — folds each with NFKC, drops soft hyphens, lowercases, and, for a stemmed field, stems with
//! the field's language. Token offsets stay those of the original text, so snippets highlight
//! the right characters.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::stem::Stemmer;
use crate::text::words::{normalize_word, words};

/// Words, NFKC, lowercase; stemmed when built with a stemmer.
#[derive(Clone, Debug, Default)]
pub struct WordTokenizer {
    stemmer: Option<Stemmer>,
    tokens: Vec<Token>,
}

impl WordTokenizer {
    /// A tokenizer without stemming.
    pub fn plain() -> WordTokenizer {
        WordTokenizer::default()
    }

    /// A tokenizer stemming with `stemmer`.
    pub fn stemmed(stemmer: Stemmer) -> WordTokenizer {
        WordTokenizer {
            stemmer: Some(stemmer),
            tokens: Vec::new(),
        }
    }
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokens<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokens<'a> {
        self.tokens.clear();
        for (position, (start, word)) in words(text).enumerate() {
            let mut normal = normalize_word(word);
            if let Some(stemmer) = &self.stemmer
                && let std::borrow::Cow::Owned(stem) = stemmer.stem(&normal)
            {
                normal = stem;
            }
            self.tokens.push(Token {
                offset_from: start,
                offset_to: start + word.len(),
                position,
                text: normal,
                position_length: 1,
            });
        }
        WordTokens {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

/// The tokens of one text.
pub struct WordTokens<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl TokenStream for WordTokens<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(t: &mut WordTokenizer, text: &str) -> Vec<(String, usize, usize)> {
        let mut stream = t.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let tok = stream.token();
            out.push((tok.text.clone(), tok.offset_from, tok.offset_to));
        }
        out
    }

    #[test]
    fn apostrophes_ligatures_and_soft_hyphens() {
        let mut t = WordTokenizer::plain();
        let words: Vec<String> = tokens(
            &mut t,
            "Об’єднання don't ﬁnance mi\u{ad}gration, brain-drain!",
        )
        .into_iter()
        .map(|(w, _, _)| w)
        .collect();
        assert_eq!(
            words,
            [
                "об’єднання",
                "don't",
                "finance",
                "migration",
                "brain",
                "drain"
            ]
        );
    }

    #[test]
    fn words_join_apostrophes_and_numbers_only_inside() {
        let w: Vec<&str> = words("'quoted' 3.14, 1,000 and 2023-2027 — don’t.")
            .map(|(_, w)| w)
            .collect();
        assert_eq!(
            w,
            ["quoted", "3.14", "1,000", "and", "2023", "2027", "don’t"]
        );
        let w: Vec<&str> = words("қазақ-орыс é\u{301}t\u{e9}")
            .map(|(_, w)| w)
            .collect();
        assert_eq!(w, ["қазақ", "орыс", "é\u{301}t\u{e9}"]);
    }

    #[test]
    fn offsets_index_the_original_text() {
        let mut t = WordTokenizer::plain();
        let text = "Утечка  мозгов";
        let toks = tokens(&mut t, text);
        assert_eq!(&text[toks[1].1..toks[1].2], "мозгов");
    }

    #[test]
    fn stemmed_tokens() {
        let mut t = WordTokenizer::stemmed(Stemmer::for_lang("ru").unwrap());
        let a = tokens(&mut t, "миграции");
        let b = tokens(&mut t, "Миграция");
        assert_eq!(a[0].0, b[0].0);
    }
}
