//! # thematic
//!
//! Qualitative documentary analysis, exact and explainable: read a corpus of policy documents,
//! cut it into passages, code the passages against a thematic codebook — every hit recorded with
//! the pattern and the span that caused it — and read code frequencies, co-occurrence and the
//! coded excerpts.
//!
//! Data flows one way:
//!
//! ```text
//! files ─▶ Document ─▶ Passage ─▶ CodedSegment ─▶ Tables ─▶ CSV / JSON Lines
//!  corpus    segment      coding (matcher)     analysis     export
//! ```
//!
//! ## The whole analysis in ten lines
//!
//! ```
//! use thematic::{Analysis, Codebook, Corpus, Unit};
//!
//! # fn main() -> thematic::Result<()> {
//! let corpus = Corpus::open("corpus")?;
//! let codebook = Codebook::from_path("codebooks/migration.toml")?;
//! let analysis = Analysis::run(corpus, codebook, Unit::Paragraph)?;
//! for f in &analysis.tables.frequencies {
//!     println!("{:<45} {:>4} passages {:>5.1}%", f.code, f.passages, 100.0 * f.share);
//! }
//! for pair in analysis.tables.strongest_pairs(3) {
//!     println!("{} × {}: {} passages", pair.code_a, pair.code_b, pair.passages);
//! }
//! # let out = tempfile::tempdir().unwrap();
//! analysis.write(out.path())?; // frequencies.csv, cooccurrence.csv, excerpts.jsonl, …
//! # assert!(analysis.tables.frequencies.iter().any(|f| f.passages > 0));
//! # Ok(()) }
//! ```
//!
//! ## Every hit explained
//!
//! ```
//! use thematic::{Codebook, Coder, Document};
//!
//! let codebook = Codebook::from_toml(r#"
//!     [codebook]
//!     name = "demo"
//!     [[code]]
//!     id = "brain_drain"
//!     label = "Brain drain"
//!     patterns = ["brain drain", { glob = "утечк* мозг*", lang = "ru" }]
//! "#, None)?;
//! let coder = Coder::new(&codebook)?;
//! let doc = Document::new("note", "Утечка мозгов усиливается.\n\nThe brain drain continues.");
//! for seg in coder.code_document(&doc).segments {
//!     for hit in &seg.hits {
//!         println!("passage {} coded {} because {:?} matched {}..{}",
//!                  seg.passage, seg.code, hit.pattern, hit.start, hit.end);
//!     }
//! }
//! # Ok::<(), thematic::Error>(())
//! ```
//!
//! ## Modules
//!
//! * [`corpus`]: documents, metadata, the `corpus.toml` manifest, loaders, normalisation.
//! * [`segment`]: passages (paragraphs, sentences) with exact offsets.
//! * [`codebook`]: codes, patterns, the TOML format and plain dictionaries.
//! * [`matcher`]: the codebook compiled into one automaton.
//! * [`coding`]: coded segments, the auto-coder, the JSON Lines record.
//! * [`embed`] (feature `embeddings`, on by default): multilingual sentence embeddings, for
//!   "find passages like this" across languages and as features of a learned model.
//! * [`learn`]: models learned from manual codings, which review the codebook's coding with a
//!   probability and the evidence for every code they give.
//! * [`analysis`]: frequencies, co-occurrence, codes by document.
//! * [`export`]: CSV and JSON Lines, written atomically.
//! * [`refi`]: REFI-QDA codebooks (`.qdc`) and projects (`.qdpx`), to and from ATLAS.ti, MAXQDA,
//!   NVivo, QualCoder and Taguette.
//! * [`report`]: the HTML report, one self-contained page with charts, tables and excerpts.
//! * `index` (feature `index`): the tantivy full-text index, search, keyword-in-context and the
//!   vector store beside it.
//!
//! ## Features
//!
//! The default, `cli`, builds the `thematic` command line with everything it offers. A program
//! that links the library takes `default-features = false` and adds what it uses: `index`
//! (tantivy), `pdf` (pdf-extract, in process or in the isolated child), `xlsx` (the workbook
//! among [`Analysis::write`]'s outputs), `lang-detect` (lingua, for Cyrillic passages no letter
//! assigns to one language; without it they are Russian) and `embeddings`. The lean build
//! compiles neither clap, anyhow, tantivy, pdf-extract, lingua nor the workbook writer, and the
//! ten lines above run unchanged on it.
//!
//! Offsets are always `[start, end)` in characters (Unicode scalar values) of a document's
//! stored text: its file's text with CRLF turned into LF, in Unicode NFC.

#![warn(missing_docs)]

pub mod analysis;
pub mod codebook;
pub mod coding;
pub mod corpus;
#[cfg(feature = "embeddings")]
pub mod embed;
pub mod error;
pub mod export;
mod fingerprint;
#[cfg(feature = "index")]
pub mod index;
pub mod lang;
pub mod learn;
pub mod matcher;
pub mod refi;
pub mod report;
pub mod segment;
pub mod stem;
pub mod text;

use std::path::{Path, PathBuf};

pub use analysis::Tables;
pub use codebook::{Code, Codebook, Pattern, PatternKind};
pub use coding::{CodedSegment, Coder, Coding, Hit, Origin};
pub use corpus::{Corpus, CorpusReader, Document, Metadata};
pub use error::{Error, Result};
pub use matcher::Matcher;
pub use segment::{Passage, Unit};

/// A finished analysis: the corpus, the codebook, the coding, and its tables.
#[derive(Debug)]
pub struct Analysis {
    /// The documents analysed (with those skipped).
    pub corpus: Corpus,
    /// The codebook they were coded with.
    pub codebook: Codebook,
    /// Every coded segment, automatic and manual.
    pub coding: Coding,
    /// Frequencies, co-occurrence, codes by document.
    pub tables: Tables,
    /// Crosstabs by the metadata fields asked for.
    pub crosstabs: Vec<analysis::crosstab::Crosstab>,
}

impl Analysis {
    /// Codes `corpus` with `codebook` in passages of `unit`, and computes the tables with the
    /// default options. [`Analysis::builder`] offers the rest.
    pub fn run(corpus: Corpus, codebook: Codebook, unit: Unit) -> Result<Analysis> {
        Analysis::builder(corpus, codebook).unit(unit).run()
    }

    /// An analysis to configure: unit, co-occurrence unit, roll-up, manual codings, crosstabs.
    pub fn builder(corpus: Corpus, codebook: Codebook) -> AnalysisBuilder {
        AnalysisBuilder {
            corpus,
            codebook,
            unit: Unit::Paragraph,
            roles: segment::Roles::BODY,
            options: analysis::TableOptions::default(),
            manual: Vec::new(),
            crosstabs: Vec::new(),
            model: None,
        }
    }

    /// Writes the outputs into the results folder `dir`, all at once or not at all:
    /// [`export::OUTPUT_FILES`], the co-occurrence matrix, one crosstab per field asked for, the
    /// workbook `results.xlsx` (a sheet per table, see `export::xlsx`; feature `xlsx`), the HTML report
    /// `report.html` (see [`report`]) and every table as JSON (`tables.json`).
    ///
    /// The folder is replaced as a whole ([`export::OutputFolder`]): a killed run or a full disk
    /// leaves the previous results untouched, and no file of an older run stays beside the new
    /// ones. An output that cannot be made from the data (not the disk) does not stop the
    /// others: it is listed in [`Written::failed`].
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<Written> {
        self.write_with(dir, |_| Ok(Vec::new()))
    }

    /// Like [`Analysis::write`], with outputs of one's own in the same set: `extra` writes them
    /// into the folder it is given (the staging folder, see [`export::OutputFolder`]) and
    /// returns their paths there.
    pub fn write_with(
        &self,
        dir: impl AsRef<Path>,
        extra: impl FnOnce(&Path) -> Result<Vec<PathBuf>>,
    ) -> Result<Written> {
        let folder = export::OutputFolder::create(dir)?;
        let (staging, target) = (folder.path().to_path_buf(), folder.target().to_path_buf());
        let mut written = self.write_into(&staging)?;
        written.files.extend(extra(&staging)?);
        folder.commit(&written.files)?;
        Ok(written.moved(&staging, &target))
    }

    /// Writes the outputs of [`Analysis::write`] straight into `dir`, each file atomically.
    fn write_into(&self, dir: &Path) -> Result<Written> {
        type Outcome = (&'static str, Result<Vec<PathBuf>>);
        // The workbook and the report are written by one thread while the others write the
        // excerpt files, the largest part.
        let (mut outcomes, readable): (Vec<Outcome>, Vec<Outcome>) = rayon::join(
            || {
                let tables = (
                    "the tables and excerpts",
                    export::write_outputs(
                        dir,
                        &self.corpus,
                        &self.codebook,
                        &self.coding,
                        &self.tables,
                    ),
                );
                let matrix = dir.join("cooccurrence_matrix.csv");
                let matrix = (
                    "cooccurrence_matrix.csv",
                    export::write_atomic(&matrix, |w| {
                        export::write_cooccurrence_matrix_csv(&self.tables, w)
                    })
                    .map(|()| vec![matrix]),
                );
                let mut outcomes = vec![tables, matrix];
                for crosstab in &self.crosstabs {
                    let path = dir.join(format!(
                        "crosstab_{}.csv",
                        export::file_safe(&crosstab.field)
                    ));
                    let result =
                        export::write_atomic(&path, |w| export::write_crosstab_csv(crosstab, w));
                    outcomes.push(("a crosstab", result.map(|()| vec![path])));
                }
                outcomes.push(("tables.json", self.write_json(dir)));
                outcomes
            },
            || {
                let mut outcomes = Vec::new();
                #[cfg(feature = "xlsx")]
                {
                    let workbook = dir.join("results.xlsx");
                    let written =
                        export::write_atomic(&workbook, |w| export::xlsx::write_workbook(self, w));
                    outcomes.push(("results.xlsx", written.map(|()| vec![workbook])));
                }
                let html = dir.join("report.html");
                let written = export::write_atomic(&html, |w| report::write_report(self, w));
                outcomes.push(("report.html", written.map(|()| vec![html])));
                outcomes
            },
        );
        outcomes.extend(readable);
        let mut written = Written::default();
        for (name, outcome) in outcomes {
            match outcome {
                Ok(files) => written.files.extend(files),
                // The disk itself failing (full, read-only, gone) fails the whole set.
                Err(err) if err.is_os_error() => return Err(err),
                Err(err) => written.failed.push((name.to_string(), err)),
            }
        }
        Ok(written)
    }

    /// Every table as JSON: `tables.json`.
    fn write_json(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let json = dir.join("tables.json");
        export::write_atomic(&json, |w| {
            let value = serde_json::json!({
                "unit": self.coding.unit,
                "cooccurrence_unit": self.tables.options.unit,
                "roll_up": self.tables.options.roll_up,
                "codebook": self.codebook.title(),
                "tables": self.tables,
                "crosstabs": self.crosstabs,
            });
            serde_json::to_writer_pretty(&mut *w, &value)?;
            w.write_all(b"\n")
        })?;
        Ok(vec![json])
    }
}

/// What [`Analysis::write`] wrote, and the outputs it could not make.
#[derive(Debug, Default)]
pub struct Written {
    /// The files written, in the results folder.
    pub files: Vec<PathBuf>,
    /// The outputs that could not be made from the data (named as a user knows them), and why;
    /// the other outputs were written all the same.
    pub failed: Vec<(String, Error)>,
}

impl Written {
    /// The same files, at their place in `to` rather than `from`.
    fn moved(mut self, from: &Path, to: &Path) -> Written {
        for file in &mut self.files {
            if let Ok(inside) = file.strip_prefix(from) {
                *file = to.join(inside);
            }
        }
        self
    }
}

/// Configures an [`Analysis`].
#[derive(Debug)]
pub struct AnalysisBuilder {
    corpus: Corpus,
    codebook: Codebook,
    unit: Unit,
    roles: segment::Roles,
    options: analysis::TableOptions,
    manual: Vec<(Vec<coding::Record>, Option<PathBuf>)>,
    crosstabs: Vec<String>,
    model: Option<std::sync::Arc<dyn coding::CodingModel>>,
}

impl AnalysisBuilder {
    /// The unit of coding (default: paragraphs).
    pub fn unit(mut self, unit: Unit) -> AnalysisBuilder {
        self.unit = unit;
        self
    }

    /// Which passages are auto-coded, by role (default: body text; see [`Coder::roles`]).
    pub fn roles(mut self, roles: segment::Roles) -> AnalysisBuilder {
        self.roles = roles;
        self
    }

    /// A model that reviews the codebook's coding (see [`Coder::model`]); `None` for none.
    pub fn model<M: coding::CodingModel + 'static>(
        mut self,
        model: Option<std::sync::Arc<M>>,
    ) -> AnalysisBuilder {
        self.model = model.map(|m| m as std::sync::Arc<dyn coding::CodingModel>);
        self
    }

    /// What counts as co-occurring (default: the same passage).
    pub fn cooccurrence(mut self, unit: analysis::CooccurrenceUnit) -> AnalysisBuilder {
        self.options.unit = unit;
        self
    }

    /// Count sub-codes' passages for their ancestors too.
    pub fn roll_up(mut self, yes: bool) -> AnalysisBuilder {
        self.options.roll_up = yes;
        self
    }

    /// Which codings the tables count (default: automatic and manual).
    pub fn origin(mut self, origin: analysis::OriginFilter) -> AnalysisBuilder {
        self.options.origin = origin;
        self
    }

    /// Count only passages in this language (`en`, `ru`, `kk`, `uk`); other values count
    /// nothing.
    pub fn lang(mut self, lang: Option<&str>) -> AnalysisBuilder {
        self.options.lang = lang.map(|l| {
            codebook::LANGUAGES
                .iter()
                .find(|known| **known == l)
                .copied()
                .unwrap_or("?")
        });
        self
    }

    /// Adds codings read from JSON Lines (manual ones, typically), merged with the automatic
    /// coding; `path` is named in errors.
    pub fn codings(
        mut self,
        records: Vec<coding::Record>,
        path: Option<PathBuf>,
    ) -> AnalysisBuilder {
        self.manual.push((records, path));
        self
    }

    /// Adds a crosstab by a metadata field (`year`, `kind`, `languages`, `authors`, …).
    pub fn crosstab(mut self, field: impl Into<String>) -> AnalysisBuilder {
        self.crosstabs.push(field.into());
        self
    }

    /// Codes the corpus and computes the tables.
    pub fn run(self) -> Result<Analysis> {
        self.run_with(&|_| {})
    }

    /// Like [`AnalysisBuilder::run`], calling `progress` with each document once it is coded
    /// (from any thread, in no set order).
    pub fn run_with(self, progress: &(dyn Fn(&Document) + Sync)) -> Result<Analysis> {
        let mut coder = Coder::new(&self.codebook)?
            .unit(self.unit)
            .roles(self.roles);
        if let Some(model) = self.model {
            coder = coder.model(model);
        }
        let mut coding = coder.code_corpus_with(&self.corpus, progress);
        for (records, path) in self.manual {
            coding.add_records(records, &self.corpus, path.as_deref())?;
        }
        let tables = Tables::compute_in(&coding, &self.codebook, self.options, Some(&self.corpus));
        let crosstabs = self
            .crosstabs
            .iter()
            .map(|field| analysis::crosstab::crosstab(&coding, &self.codebook, field, self.options))
            .collect();
        Ok(Analysis {
            corpus: self.corpus,
            codebook: self.codebook,
            coding,
            tables,
            crosstabs,
        })
    }
}

/// The README's code blocks, compiled and run as doctests so the quick start stays true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
