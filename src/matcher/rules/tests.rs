use crate::codebook::{Code, Codebook, ConceptSet, Pattern};
use crate::matcher::{Matcher, Scratch};

fn sets() -> Vec<ConceptSet> {
    vec![
        ConceptSet::new("attract")
            .term("ru", "привлечение")
            .term("ru", "привлека*")
            .term("en", "attract")
            .term("kk", "тарт-"),
        ConceptSet::new("specialists")
            .term("ru", "специалист")
            .term("ru", "IT-специалист")
            .term("en", "specialist")
            .term("kk", "маман"),
        ConceptSet::new("returning")
            .term("ru", "возвра*")
            .term("ru", "вернуть")
            .term("en", "return")
            .term("kk", "қайтар-"),
        ConceptSet::new("scientists")
            .term("ru", "учёный")
            .term("en", "scientist")
            .term("kk", "ғалым"),
        ConceptSet::new("skilled")
            .term("ru", "квалифицированный")
            .term("ru", "специалист")
            .term("en", "skilled"),
        ConceptSet::new("leaving")
            .term("ru", "уехавш*")
            .term("ru", "покину*")
            .term("en", "emigrat*"),
    ]
}

fn codebook(codes: Vec<Code>) -> Codebook {
    let b = sets()
        .into_iter()
        .fold(Codebook::builder("t"), |b, s| b.set(s));
    codes.into_iter().fold(b, |b, c| b.code(c)).build().unwrap()
}

/// The spans coded for the first code, or `None` when it does not apply.
fn coded(m: &Matcher, text: &str) -> Option<Vec<String>> {
    let mut s = Scratch::default();
    m.find(text, &mut s)
        .into_iter()
        .find(|c| c.code == 0)
        .map(|c| {
            c.hits
                .iter()
                .map(|h| text[h.start..h.end].to_string())
                .collect()
        })
}

#[test]
fn near_finds_terms_with_words_between_in_either_order() {
    let m = Matcher::new(&codebook(vec![
        Code::new("ta", "ta").pattern(Pattern::near(["attract", "specialists"], Some(5))),
    ]))
    .unwrap();
    // A real sentence of the Concept's press coverage: four words between the terms.
    assert_eq!(
        coded(
            &m,
            "Предусмотрено привлечение в Казахстан 500 лучших специалистов."
        )
        .unwrap(),
        ["привлечение в Казахстан 500 лучших специалистов"]
    );
    assert!(coded(&m, "Специалистов из-за рубежа будут привлекать по квотам.").is_some());
    assert!(coded(&m, "IT-специалистов стали активнее привлекать в страну.").is_some());
    let tight = Matcher::new(&codebook(vec![
        Code::new("ta", "ta").pattern(Pattern::near(["attract", "specialists"], Some(2))),
    ]))
    .unwrap();
    assert!(
        coded(
            &tight,
            "Предусмотрено привлечение в Казахстан 500 лучших специалистов."
        )
        .is_none()
    );
}

#[test]
fn near_stays_inside_one_sentence() {
    let m = Matcher::new(&codebook(vec![
        Code::new("rp", "rp").pattern(Pattern::near(["returning", "scientists"], None)),
    ]))
    .unwrap();
    assert!(coded(&m, "Многие учёные уехали. Теперь их хотят вернуть.").is_none());
    assert!(
        coded(
            &m,
            "Правительство планирует вернуть казахстанских учёных из-за рубежа."
        )
        .is_some()
    );
    // Kazakh, with suffixes: «ғалымдарды Отанына қайтару».
    assert!(
        coded(
            &m,
            "Үкімет шетелдегі ғалымдарды Отанына қайтаруды жоспарлап отыр."
        )
        .is_some()
    );
    assert!(
        coded(
            &m,
            "Qazaqstan shetelde júrgen ǵalymdardy elge qaıtarýdy josparlap otyr."
        )
        .is_some()
    );
}

#[test]
fn context_keeps_or_drops_a_hit() {
    let m = Matcher::new(&codebook(vec![
        Code::new("rp", "rp").pattern(
            Pattern::glob("соотечественник*")
                .with_set("skilled")
                .without_set("leaving"),
        ),
    ]))
    .unwrap();
    assert!(
        coded(
            &m,
            "Программа направлена на привлечение квалифицированных соотечественников."
        )
        .is_some()
    );
    assert!(
        coded(
            &m,
            "Соотечественники, уехавшие за рубеж, часто работают специалистами."
        )
        .is_none(),
        "a compatriot who emigrates is not a returnee"
    );
    assert!(coded(&m, "Соотечественники получили гражданство.").is_none());
}

#[test]
fn evidence_thresholds_and_strong_patterns() {
    let m = Matcher::new(&codebook(vec![
        Code::new("ta", "ta")
            .min_hits(2)
            .pattern(Pattern::phrase("attract talent"))
            .pattern(Pattern::phrase("retain talent"))
            .pattern(Pattern::phrase("valuable skills visa").strong(true)),
    ]))
    .unwrap();
    assert!(
        coded(&m, "The goal is to attract talent.").is_none(),
        "a lone goal"
    );
    assert!(coded(&m, "It aims to attract talent and to retain talent.").is_some());
    assert!(coded(&m, "A valuable skills visa was introduced.").is_some());
}

#[test]
fn muted_sentences_carry_no_evidence() {
    let cb = sets()
        .into_iter()
        .fold(Codebook::builder("t"), |b, s| b.set(s))
        .mute(Pattern::regex(
            r"\bthis (?:article|study) (?:examines|explores)\b",
        ))
        .code(Code::new("bd", "bd").pattern(Pattern::phrase("brain drain")))
        .build()
        .unwrap();
    let m = Matcher::new(&cb).unwrap();
    assert!(coded(&m, "This article examines brain drain in Kazakhstan.").is_none());
    assert_eq!(
        coded(
            &m,
            "Brain drain cost the country 11,400 specialists. This study explores why."
        )
        .unwrap(),
        ["Brain drain"]
    );
}

#[test]
fn sentences_end_where_a_capital_follows() {
    let text = "Многие учёные\nуехали. Теперь, т.е. в 2023 г. в Астане, их хотят вернуть! «Да» — сказал он.\nВторая строка.";
    let ends: Vec<usize> = super::sentence_ends(text).collect();
    let parts: Vec<&str> = std::iter::once(0)
        .chain(ends.iter().copied())
        .zip(ends.iter().copied().chain(std::iter::once(text.len())))
        .map(|(a, b)| text[a..b].trim())
        .collect();
    assert_eq!(
        parts,
        [
            "Многие учёные\nуехали.",
            "Теперь, т.е. в 2023 г. в Астане, их хотят вернуть!",
            "«Да» — сказал он.",
            "Вторая строка."
        ]
    );
}

#[test]
fn evidence_of_its_own_wins_a_tie_with_a_document_condition() {
    // Regression: a set term needing the document hid the strong phrase at the same span,
    // and the sentence went uncoded.
    let cb = Codebook::builder("t")
        .set(ConceptSet::new("investors").term("ru", "цифров* кочевник*"))
        .code(
            Code::new("ta", "ta")
                .pattern(Pattern::set("investors").in_documents_with(2))
                .pattern(Pattern::glob("цифров* кочевник*").strong(true)),
        )
        .build()
        .unwrap();
    let m = Matcher::new(&cb).unwrap();
    assert!(
        coded(
            &m,
            "Власти Казахстана ввели особый тип виз для \"цифровых кочевников\"."
        )
        .is_some()
    );
}

#[test]
fn set_patterns_and_vetoes() {
    let m = Matcher::new(&codebook(vec![
        Code::new("rc", "rc")
            .pattern(Pattern::set("scientists"))
            .negative(Pattern::phrase("nobel")),
    ]))
    .unwrap();
    assert_eq!(
        coded(&m, "Scientists and учёные met.").unwrap(),
        ["Scientists", "учёные"]
    );
    assert!(coded(&m, "Scientists won the Nobel prize.").is_none());
}

#[test]
fn exceptions_cancel_a_set_term_only_inside_their_match() {
    let leaving = ConceptSet::new("kk_leaving")
        .term("kk", "кет-")
        .except("kk", "айта кет-")
        .except("kk", "атап кет-");
    let codebook = Codebook::builder("t")
        .set(leaving)
        .code(Code::new("bd", "bd").pattern(Pattern::set("kk_leaving")))
        .build()
        .unwrap();
    let m = Matcher::new(&codebook).unwrap();
    assert_eq!(
        coded(&m, "Соңғы жылдары мыңдаған маман шетелге кетті.").unwrap(),
        ["кетті"]
    );
    // The auxiliary "айта кет-" / "атап кет-" ("mention"), in any of its forms.
    assert!(
        coded(
            &m,
            "Бұл ретте мына жайтты айта кетейік: бағдарлама жаңартылды."
        )
        .is_none()
    );
    assert!(coded(&m, "Министр жобаның жетістіктерін атап кетті.").is_none());
    // An exception cancels the hit inside it, not the set's other hits in the passage.
    assert_eq!(
        coded(&m, "Айта кету керек, мамандар елден кетуде.").unwrap(),
        ["кетуде"]
    );
}

mod invariants {
    use super::super::{RuleScratch, count_words, next_sentence_at, sentence_ends, words_between};
    use crate::matcher::stemmed::word_end;
    use crate::text::is_word_char;
    use proptest::prelude::*;

    /// Sentence ends as the first, byte-by-byte reading found them: the oracle for the
    /// vectorised search of terminals (what follows one is read as the search reads it).
    fn sentence_ends_byte_by_byte(text: &str) -> Vec<usize> {
        let bytes = text.as_bytes();
        let mut ends = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let (terminal, len) = match bytes[at] {
                b'.' | b'!' | b'?' => (true, 1),
                0xE2 if bytes.get(at + 1) == Some(&0x80) && bytes.get(at + 2) == Some(&0xA6) => {
                    (true, 3)
                }
                _ => (false, 1),
            };
            at += len;
            if !terminal {
                continue;
            }
            if let Some(k) = next_sentence_at(&text[at..]) {
                at += k;
                ends.push(at);
            }
        }
        ends
    }

    /// Words counted character by character: the oracle for the byte-classified count.
    fn count_words_char_by_char(text: &str) -> usize {
        let mut count = 0;
        let mut at = 0;
        while let Some((i, _)) = text[at..].char_indices().find(|&(_, c)| is_word_char(c)) {
            count += 1;
            at = word_end(text, at + i).max(at + i + 1);
            while !text.is_char_boundary(at) {
                at += 1;
            }
        }
        count
    }

    const PIECES: &[&str] = &[
        "Brain",
        "drain",
        "ақыл-ой",
        "don't",
        "it’s",
        "т.е.",
        "2023",
        "г.",
        "e.g.",
        "x_y",
        "Учёные",
        "vs",
        "-",
        "'",
        "’",
        ".",
        "!",
        "?",
        "…",
        "...",
        "»",
        ")",
        "«",
        "“",
        "\"",
        " ",
        "  ",
        "\n",
        "\u{a0}",
        ", ",
        "; ",
        " — ",
        "(",
        "•",
        "é",
        "\u{301}",
        "ǵ",
    ];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(0..PIECES.len(), 0..240)
            .prop_map(|parts| parts.into_iter().map(|k| PIECES[k]).collect())
    }

    proptest! {
        #[test]
        fn sentence_ends_agree_with_a_byte_by_byte_reading(text in text()) {
            prop_assert_eq!(
                sentence_ends(&text).collect::<Vec<_>>(),
                sentence_ends_byte_by_byte(&text)
            );
        }

        #[test]
        fn word_counts_agree_with_a_char_by_char_reading(text in text()) {
            prop_assert_eq!(count_words(&text), count_words_char_by_char(&text));
        }

        /// The passage's words indexed once count the words between any two spans as a
        /// count of the text between them does.
        #[test]
        fn indexed_word_counts_agree_with_counting_between(
            text in text(),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 4),
        ) {
            let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let mut at: Vec<usize> = cuts.iter().map(|c| bounds[c.index(bounds.len())]).collect();
            at.sort_unstable();
            let (a, b) = ((at[0], at[1]), (at[2], at[3]));
            let mut scratch = RuleScratch::default();
            scratch.index_words(&text);
            prop_assert_eq!(
                scratch.words_between(&text, a, b),
                words_between(&text, a, b),
                "{:?} {:?} {:?}", text, a, b
            );
            prop_assert_eq!(
                scratch.words_between(&text, b, a),
                words_between(&text, b, a)
            );
        }
    }
}
