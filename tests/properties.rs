//! Property tests: segmentation, offsets and matching invariants on generated text.

use proptest::prelude::*;
use thematic::segment::{Unit, segment};
use thematic::{Code, Codebook, Coder, Document, Pattern};

use crate::support::{fold_words, is_word_char};

/// Text mixing Latin, Cyrillic and Kazakh words, case, punctuation, and every kind of
/// whitespace that matters: spaces, tabs, no-break spaces, line feeds, blank lines, CRLF.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "brain", "Drain", "DRAIN", "drains", "brain-drain", "утечка", "Мозгов", "мозгов",
            "миграция", "Эмиграция", "ақыл-ой", "кетуі", "İstanbul", "visa", "visa_free", "x²",
        ]).prop_map(str::to_string),
        2 => prop::sample::select(vec![" ", "  ", "\t", "\u{a0}", "\n", "\n\n", " \n \n", "\r\n", "\r\n\r\n"])
            .prop_map(str::to_string),
        1 => prop::sample::select(vec![".", ",", "(", ")", "’", "—", "*", "1"]).prop_map(str::to_string),
        1 => "[a-zA-Zа-яА-ЯёәқңөұүһіЁ ]{0,6}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

fn is_blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Paragraphs and blocks tile the text: in order, no overlap, whitespace-only gaps that
    /// contain every blank line, no whitespace at either end; char and byte offsets agree. A
    /// block has no blank line inside; a paragraph only where it joins a sentence cut in two
    /// (its first part does not end a sentence, its last begins in lowercase).
    #[test]
    fn paragraphs_tile_the_text(raw in text(), joined in any::<bool>()) {
        let doc = Document::new("p", raw);
        let text = &doc.text;
        let unit = if joined { Unit::Paragraph } else { Unit::Block };
        let passages = segment(text, unit);
        let mut last = 0;
        for (i, p) in passages.iter().enumerate() {
            prop_assert_eq!(p.index, i);
            prop_assert!(p.byte_start >= last && p.byte_start < p.byte_end);
            let gap = &text[last..p.byte_start];
            prop_assert!(is_blank(gap));
            if i > 0 {
                prop_assert!(gap.matches('\n').count() >= 2, "passages are separated by a blank line: {:?}", gap);
            }
            let body = p.text(text);
            prop_assert!(!body.starts_with(char::is_whitespace) && !body.ends_with(char::is_whitespace));
            let blocks = segment(body, Unit::Block);
            let parts: Vec<&str> = blocks.iter().map(|p| p.text(body)).collect();
            if !joined || parts.len() == 1 {
                prop_assert!(!body.split('\n').any(is_blank), "no blank line inside {:?}", body);
            } else {
                let last = *parts.last().unwrap();
                prop_assert!(
                    last.starts_with(char::is_lowercase)
                        && !parts[0].trim_end().ends_with(['.', '!', '?', ';', ':']),
                    "a joined paragraph continues a sentence: {:?}",
                    body
                );
            }
            prop_assert_eq!(p.start, text[..p.byte_start].chars().count());
            prop_assert_eq!(p.end, text[..p.byte_end].chars().count());
            last = p.byte_end;
        }
        prop_assert!(is_blank(&text[last..]));
    }

    /// Sentences lie inside paragraphs, in order, with whitespace-only gaps between them inside
    /// a paragraph, and cover every non-blank character.
    #[test]
    fn sentences_tile_their_paragraphs(raw in text()) {
        let doc = Document::new("s", raw);
        let text = &doc.text;
        let paragraphs = segment(text, Unit::Paragraph);
        let sentences = segment(text, Unit::Sentence);
        let mut s = sentences.iter().peekable();
        for para in &paragraphs {
            let mut cursor = para.byte_start;
            while let Some(sent) = s.next_if(|x| x.byte_start < para.byte_end) {
                prop_assert!(sent.byte_start >= cursor && sent.byte_end <= para.byte_end);
                prop_assert!(is_blank(&text[cursor..sent.byte_start]));
                prop_assert_eq!(sent.start, text[..sent.byte_start].chars().count());
                cursor = sent.byte_end;
            }
            prop_assert!(is_blank(&text[cursor..para.byte_end]));
        }
        prop_assert!(s.next().is_none());
    }

    /// Every hit slices the stored text to a whole-word occurrence of its phrase, inside its
    /// passage, and hits of one code never overlap.
    #[test]
    fn hits_slice_to_their_phrase(raw in text()) {
        let codebook = Codebook::builder("p")
            .code(Code::new("bd", "bd")
                .pattern(Pattern::phrase("brain drain"))
                .pattern(Pattern::phrase("drain"))
                .pattern(Pattern::phrase("утечка мозгов")))
            .code(Code::new("mig", "mig").pattern(Pattern::glob("*мигра*")).pattern(Pattern::phrase("ақыл-ой кетуі")))
            .build()
            .unwrap();
        let coder = Coder::new(&codebook).unwrap();
        let doc = Document::new("h", raw);
        let chars: Vec<char> = doc.text.chars().collect();
        for seg in coder.code_document(&doc).segments {
            let mut last_end = 0;
            for hit in &seg.hits {
                prop_assert!(seg.start <= hit.start && hit.end <= seg.end);
                prop_assert!(hit.start >= last_end);
                last_end = hit.end;
                let found: String = chars[hit.start..hit.end].iter().collect();
                let before = hit.start.checked_sub(1).map(|i| chars[i]);
                let after = chars.get(hit.end).copied();
                prop_assert!(!before.is_some_and(is_word_char) && !after.is_some_and(is_word_char),
                    "{:?} stands as whole words", found);
                if hit.pattern.contains('*') {
                    prop_assert!(found.to_lowercase().contains("мигра"));
                } else {
                    prop_assert_eq!(fold_words(&found), fold_words(&hit.pattern));
                }
            }
        }
    }

    /// Counting and full coding agree, and coding the text in one piece or as separate
    /// documents per paragraph gives the same hits: matching never crosses a passage.
    #[test]
    fn counts_agree_with_segments(raw in text()) {
        let codebook = Codebook::from_json_dictionary(
            r#"{"bd": ["brain drain", "drain", "утечка мозгов"], "k": ["ақыл-ой", "visa"]}"#, None).unwrap();
        let coder = Coder::new(&codebook).unwrap();
        let doc = Document::new("c", raw);
        let coded = coder.code_document(&doc);
        let mut counts = thematic::coding::Counts::new(2);
        coder.count_document(&doc, &mut counts, &mut Default::default());
        for (i, code) in ["bd", "k"].iter().enumerate() {
            let segs: Vec<_> = coded.segments.iter().filter(|s| &*s.code == *code).collect();
            prop_assert_eq!(counts.passages[i] as usize, segs.len());
            prop_assert_eq!(counts.hits[i] as usize, segs.iter().map(|s| s.hits.len()).sum::<usize>());
        }
        let mut piecewise = 0;
        for p in &coded.passages {
            let part = Document::new("part", p.text(&doc.text));
            piecewise += coder.code_document(&part).segments.iter().map(|s| s.hits.len()).sum::<usize>();
        }
        prop_assert_eq!(piecewise, coded.segments.iter().map(|s| s.hits.len()).sum::<usize>());
    }
}
