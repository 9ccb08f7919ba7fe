//! The Python extension module `thematic._thematic`: the codebook, the coder and the analysis of
//! the `thematic` crate, called from Python.
//!
//! The Python package (`python/thematic/`) wraps this module: it turns the tables into pandas
//! DataFrames and adds the Spark helpers. Everything that decides a number lives in the crate;
//! this file only converts between Rust and Python, and releases the GIL around the work so that
//! other Python threads run and `code_many` uses every core.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyOSError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rayon::prelude::*;

use thematic::analysis::summary::Summary;
use thematic::analysis::{CooccurrenceUnit, OriginFilter};
use thematic::segment::Roles;
use thematic::{Analysis, CodedSegment, Corpus, Document, Unit};

create_exception!(
    _thematic,
    ThematicError,
    PyException,
    "An input thematic cannot use: a codebook, corpus, model or coding at fault, named in the \
     message with its file, line and the pattern at fault."
);

/// A library error as the Python exception a Python user expects: a missing file is
/// `FileNotFoundError`, another failure of the system `OSError`, anything at fault in the input
/// `ThematicError`; the message is the library's, which names the file, line and pattern.
fn to_py(err: thematic::Error) -> PyErr {
    let message = err.to_string();
    if let thematic::Error::Io { source, .. } = &err {
        if source.kind() == std::io::ErrorKind::NotFound {
            return PyFileNotFoundError::new_err(message);
        }
        if err.is_os_error() {
            return PyOSError::new_err(message);
        }
    }
    ThematicError::new_err(message)
}

/// A codebook: codes with their definitions and the patterns that find them.
#[pyclass(name = "Codebook", module = "thematic", frozen)]
struct PyCodebook {
    inner: Arc<thematic::Codebook>,
    /// How to make it again, so that it pickles: Spark sends it to every executor.
    recipe: Recipe,
}

/// How a codebook was made.
#[derive(Clone)]
enum Recipe {
    Shipped,
    File(PathBuf),
    Toml(String),
}

#[pymethods]
impl PyCodebook {
    /// `Codebook()` is the shipped codebook; `Codebook(path)` reads a file (see `load`).
    #[new]
    #[pyo3(signature = (path = None))]
    fn new(py: Python<'_>, path: Option<PathBuf>) -> PyResult<PyCodebook> {
        match path {
            Some(path) => PyCodebook::load(py, path),
            None => Ok(PyCodebook::shipped()),
        }
    }

    /// Reads a codebook: `.toml` in thematic's format, `.json`/`.yaml` dictionaries of code →
    /// phrases (quanteda's shape), a LIWC `.dic`, or a REFI-QDA `.qdc` (codes only).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyCodebook> {
        let codebook = py
            .detach(|| thematic::Codebook::from_path(&path))
            .map_err(to_py)?;
        Ok(PyCodebook {
            inner: Arc::new(codebook),
            recipe: Recipe::File(std::path::absolute(&path).unwrap_or(path)),
        })
    }

    /// The codebook shipped with thematic (the migration themes), built into the module.
    #[staticmethod]
    fn shipped() -> PyCodebook {
        PyCodebook {
            inner: Arc::new(thematic::Codebook::shipped()),
            recipe: Recipe::Shipped,
        }
    }

    /// Reads a codebook in thematic's TOML format from a string.
    #[staticmethod]
    fn from_toml(source: &str) -> PyResult<PyCodebook> {
        let codebook = thematic::Codebook::from_toml(source, None).map_err(to_py)?;
        Ok(PyCodebook {
            inner: Arc::new(codebook),
            recipe: Recipe::Toml(source.to_string()),
        })
    }

    /// The codebook's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Name and version, as the reports print them.
    #[getter]
    fn title(&self) -> String {
        self.inner.title()
    }

    /// The codes, in codebook order: dicts of `id`, `label`, `parent`, `description`,
    /// `include`, `exclude` and the number of `patterns`.
    #[getter]
    fn codes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for code in self.inner.codes() {
            let d = PyDict::new(py);
            d.set_item("id", &*code.id)?;
            d.set_item("label", &code.label)?;
            d.set_item("parent", code.parent())?;
            d.set_item("description", code.description.as_deref())?;
            d.set_item("include", code.include.as_deref())?;
            d.set_item("exclude", code.exclude.as_deref())?;
            d.set_item("patterns", code.patterns.len())?;
            list.append(d)?;
        }
        Ok(list)
    }

    fn __len__(&self) -> usize {
        self.inner.codes().len()
    }

    /// Pickles as the way it was made: the shipped codebook, a file read again where it is
    /// unpickled (a path every Spark executor must reach), or its TOML text.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let class = py.get_type::<PyCodebook>();
        let made = match &self.recipe {
            Recipe::Shipped => (class.getattr("shipped")?, ()).into_pyobject(py)?,
            Recipe::File(path) => (class.getattr("load")?, (path.clone(),)).into_pyobject(py)?,
            Recipe::Toml(text) => {
                (class.getattr("from_toml")?, (text.clone(),)).into_pyobject(py)?
            }
        };
        Ok(made.into_any())
    }

    fn __repr__(&self) -> String {
        format!(
            "<thematic.Codebook {:?}: {} codes>",
            self.inner.title(),
            self.inner.codes().len()
        )
    }
}

/// The codebook compiled for coding, with the unit of coding and the roles it reads.
#[pyclass(name = "Coder", module = "thematic", frozen)]
struct PyCoder {
    inner: Arc<thematic::Coder>,
    codebook: Arc<thematic::Codebook>,
    recipe: Recipe,
}

/// Parses a unit name as the command line does.
fn parse_unit(unit: &str) -> PyResult<Unit> {
    unit.parse::<Unit>()
        .map_err(|e| PyValueError::new_err(format!("unit {unit:?}: {e}")))
}

/// Parses a list of roles (`body`, `all`, `body,heading`) as the command line does.
fn parse_roles(roles: &str) -> PyResult<Roles> {
    roles
        .parse::<Roles>()
        .map_err(|e| PyValueError::new_err(format!("roles {roles:?}: {e}")))
}

/// The languages thematic detects and can be told.
fn parse_lang(lang: Option<&str>) -> PyResult<Option<&'static str>> {
    match lang {
        None => Ok(None),
        Some(l) => thematic::lang::parse(l).map(Some).ok_or_else(|| {
            PyValueError::new_err(format!(
                "lang {l:?}: thematic knows en, ru, kk and uk (or None: detected per passage)"
            ))
        }),
    }
}

/// One coded segment as the dict `thematic code` writes as a JSON Lines record: offsets in
/// characters of the text given (after CRLF → LF and NFC, as the command line stores it).
///
/// The keys are interned once per process: a corpus gives hundreds of thousands of segments,
/// and making each key anew was a third of the conversion's time.
fn segment_dict<'py>(
    py: Python<'py>,
    seg: &CodedSegment,
    doc: &Bound<'py, PyString>,
    text: &str,
    index: &thematic::text::CharIndex,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "doc"), doc)?;
    d.set_item(intern!(py, "passage"), seg.passage)?;
    d.set_item(intern!(py, "start"), seg.start)?;
    d.set_item(intern!(py, "end"), seg.end)?;
    d.set_item(intern!(py, "code"), &*seg.code)?;
    d.set_item(intern!(py, "origin"), seg.origin.as_str())?;
    let hits = PyList::empty(py);
    for hit in &seg.hits {
        let h = PyDict::new(py);
        h.set_item(intern!(py, "start"), hit.start)?;
        h.set_item(intern!(py, "end"), hit.end)?;
        h.set_item(intern!(py, "pattern"), &*hit.pattern)?;
        hits.append(h)?;
    }
    d.set_item(intern!(py, "hits"), hits)?;
    d.set_item(intern!(py, "lang"), seg.lang)?;
    d.set_item(intern!(py, "role"), seg.role.as_str())?;
    d.set_item(intern!(py, "text"), index.slice(text, seg.start, seg.end))?;
    Ok(d)
}

/// The ids of `texts`: those given, one per text, or their positions.
fn ids_for(texts: &[String], ids: Option<Vec<String>>) -> PyResult<Vec<String>> {
    match ids {
        Some(ids) if ids.len() != texts.len() => Err(PyValueError::new_err(format!(
            "{} ids for {} texts: give one id per text",
            ids.len(),
            texts.len()
        ))),
        Some(ids) => Ok(ids),
        None => Ok((0..texts.len()).map(|i| i.to_string()).collect()),
    }
}

/// The Python strings of the few values that repeat across segments (codes, origins,
/// languages, roles, pattern names), made once per call and shared.
#[derive(Default)]
struct Names<'py> {
    made: std::collections::HashMap<String, Bound<'py, PyString>>,
}

impl<'py> Names<'py> {
    fn get(&mut self, py: Python<'py>, name: &str) -> Bound<'py, PyAny> {
        if let Some(made) = self.made.get(name) {
            return made.clone().into_any();
        }
        let made = PyString::new(py, name);
        self.made.insert(name.to_owned(), made.clone());
        made.into_any()
    }
}

/// The fields of `code_columns`, in the order of `thematic code`'s records.
const COLUMNS: [&str; 10] = [
    "doc", "passage", "start", "end", "code", "origin", "lang", "role", "text", "hits",
];

/// One text's segments as columns (one vector per name of [`COLUMNS`]).
struct Columns<'py>([Vec<Bound<'py, PyAny>>; COLUMNS.len()]);

impl<'py> Columns<'py> {
    fn of(py: Python<'py>, coded: &Coded, names: &mut Names<'py>) -> PyResult<Columns<'py>> {
        let segments = &coded.coding.segments;
        let mut columns: [Vec<Bound<'py, PyAny>>; COLUMNS.len()] =
            std::array::from_fn(|_| Vec::with_capacity(segments.len()));
        let index = thematic::text::CharIndex::new(&coded.doc.text);
        let doc = PyString::new(py, &coded.doc.id).into_any();
        for seg in segments {
            let hits = PyList::empty(py);
            for hit in &seg.hits {
                let h = PyDict::new(py);
                h.set_item(intern!(py, "start"), hit.start)?;
                h.set_item(intern!(py, "end"), hit.end)?;
                h.set_item(intern!(py, "pattern"), names.get(py, &hit.pattern))?;
                hits.append(h)?;
            }
            let row = [
                doc.clone(),
                seg.passage.into_pyobject(py)?.into_any(),
                seg.start.into_pyobject(py)?.into_any(),
                seg.end.into_pyobject(py)?.into_any(),
                names.get(py, &seg.code),
                names.get(py, seg.origin.as_str()),
                match seg.lang {
                    Some(lang) => names.get(py, lang),
                    None => py.None().into_bound(py),
                },
                names.get(py, seg.role.as_str()),
                PyString::new(py, index.slice(&coded.doc.text, seg.start, seg.end)).into_any(),
                hits.into_any(),
            ];
            for (column, value) in columns.iter_mut().zip(row) {
                column.push(value);
            }
        }
        Ok(Columns(columns))
    }

    /// The texts' columns one after the other, as a dict of lists.
    fn concat(py: Python<'py>, chunks: Vec<Columns<'py>>) -> PyResult<Bound<'py, PyDict>> {
        let table = PyDict::new(py);
        for (i, name) in COLUMNS.iter().enumerate() {
            let values = chunks.iter().flat_map(|chunk| chunk.0[i].iter());
            table.set_item(*name, PyList::new(py, values)?)?;
        }
        Ok(table)
    }
}

/// The segments of one text coded in Rust, ready to become Python dicts.
struct Coded {
    doc: Document,
    coding: thematic::coding::DocumentCoding,
}

impl PyCoder {
    fn code_text(&self, id: &str, text: &str, lang: Option<&'static str>) -> Coded {
        let doc = Document::new(id, text);
        let coding = match lang {
            Some(lang) => self.inner.code_document_in(&doc, lang),
            None => self.inner.code_document(&doc),
        };
        Coded { doc, coding }
    }

    /// Codes `texts` on rayon's workers while this thread, holding the GIL, converts each
    /// finished text with `convert`: the conversion overlaps the coding instead of following
    /// it. The results come back in the order of `texts`.
    fn code_in_parallel<'py, T>(
        &self,
        py: Python<'py>,
        texts: &[String],
        ids: &[String],
        lang: Option<&'static str>,
        mut convert: impl FnMut(&Coded) -> PyResult<T>,
    ) -> PyResult<Vec<T>> {
        let (sender, finished) = mpsc::channel::<(usize, Coded)>();
        let mut slots: Vec<Option<T>> = std::iter::repeat_with(|| None).take(texts.len()).collect();
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| -> PyResult<()> {
            scope.spawn(|| {
                texts
                    .par_iter()
                    .zip(ids.par_iter())
                    .enumerate()
                    .for_each_with(sender, |sender, (i, (text, id))| {
                        if !stop.load(Ordering::Relaxed) {
                            // The receiver is gone only once conversion has failed.
                            let _ = sender.send((i, self.code_text(id, text, lang)));
                        }
                    });
            });
            // Drain until every worker is done, so that the scope's join does not wait holding
            // the GIL; after a failed conversion the workers skip what is left.
            let mut converted = Ok(());
            let mut finished = finished;
            loop {
                // A receiver is not `Sync`: it goes into the GIL-free closure and back.
                let (next, receiver) = py.detach(move || (finished.recv(), finished));
                finished = receiver;
                let Ok((i, coded)) = next else { break };
                if converted.is_ok() {
                    match convert(&coded) {
                        Ok(value) => slots[i] = Some(value),
                        Err(err) => {
                            stop.store(true, Ordering::Relaxed);
                            converted = Err(err);
                        }
                    }
                }
            }
            converted
        })?;
        Ok(slots
            .into_iter()
            .map(|slot| slot.expect("every text was coded and converted"))
            .collect())
    }

    fn to_list<'py>(py: Python<'py>, coded: &Coded) -> PyResult<Bound<'py, PyList>> {
        let index = thematic::text::CharIndex::new(&coded.doc.text);
        let doc = PyString::new(py, &coded.doc.id);
        let list = PyList::empty(py);
        for seg in &coded.coding.segments {
            list.append(segment_dict(py, seg, &doc, &coded.doc.text, &index)?)?;
        }
        Ok(list)
    }
}

#[pymethods]
impl PyCoder {
    /// A coder for `codebook` (the shipped one by default), coding passages of `unit`
    /// (`paragraph`, `sentence` or `block`) whose role is among `roles` (`body` by default:
    /// headings, keyword lines, references and the like are not coded).
    #[new]
    #[pyo3(signature = (codebook = None, *, unit = "paragraph", roles = "body"))]
    fn new(
        py: Python<'_>,
        codebook: Option<&PyCodebook>,
        unit: &str,
        roles: &str,
    ) -> PyResult<PyCoder> {
        let (codebook, recipe) = codebook.map_or_else(
            || (Arc::new(thematic::Codebook::shipped()), Recipe::Shipped),
            |c| (c.inner.clone(), c.recipe.clone()),
        );
        let (unit, roles) = (parse_unit(unit)?, parse_roles(roles)?);
        let coder = py
            .detach(|| thematic::Coder::new(&codebook))
            .map_err(to_py)?
            .unit(unit)
            .roles(roles);
        Ok(PyCoder {
            inner: Arc::new(coder),
            codebook,
            recipe,
        })
    }

    /// The codebook this coder codes with.
    #[getter]
    fn codebook(&self) -> PyCodebook {
        PyCodebook {
            inner: self.codebook.clone(),
            recipe: self.recipe.clone(),
        }
    }

    /// Codes one text: a list of dicts, one per coded passage and code (`doc`, `passage`,
    /// `start`, `end`, `code`, `origin`, `hits` with their `start`, `end` and `pattern`, `lang`,
    /// `role`, `text`). Offsets count characters, as Python's `str` indexes them, in the text
    /// as thematic stores it (line ends CRLF → LF, Unicode NFC). `lang` ("en", "ru", "kk", "uk")
    /// says the text's language instead of detecting it per passage.
    #[pyo3(signature = (text, lang = None, *, doc = "text"))]
    fn code<'py>(
        &self,
        py: Python<'py>,
        text: &str,
        lang: Option<&str>,
        doc: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let lang = parse_lang(lang)?;
        let coded = py.detach(|| self.code_text(doc, text, lang));
        PyCoder::to_list(py, &coded)
    }

    /// Codes many texts in parallel on every core, the GIL released: a list (one per text, in
    /// order) of lists of segment dicts as `code` returns them. `ids` names the texts (their
    /// position by default); `lang` is one language for all of them.
    #[pyo3(signature = (texts, ids = None, lang = None))]
    fn code_many<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        ids: Option<Vec<String>>,
        lang: Option<&str>,
    ) -> PyResult<Bound<'py, PyList>> {
        let lang = parse_lang(lang)?;
        let ids = ids_for(&texts, ids)?;
        let lists =
            self.code_in_parallel(py, &texts, &ids, lang, |coded| PyCoder::to_list(py, coded))?;
        PyList::new(py, lists)
    }

    /// Codes many texts as `code_many` does, into columns rather than dicts: a dict from each
    /// field of a segment (`doc`, `passage`, `start`, `end`, `code`, `origin`, `lang`, `role`,
    /// `text`, `hits`) to the list of its values, one per segment, the texts in order —
    /// what `pandas.DataFrame` takes, and several times cheaper to build than a dict per segment.
    #[pyo3(signature = (texts, ids = None, lang = None))]
    fn code_columns<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        ids: Option<Vec<String>>,
        lang: Option<&str>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let lang = parse_lang(lang)?;
        let ids = ids_for(&texts, ids)?;
        let mut names = Names::default();
        let chunks = self.code_in_parallel(py, &texts, &ids, lang, |coded| {
            Columns::of(py, coded, &mut names)
        })?;
        Columns::concat(py, chunks)
    }

    /// Codes many texts (as `code_many`) into a mergeable summary of their frequencies and
    /// co-occurrence, as JSON (the format of `thematic code --format summary`): summaries of
    /// separate batches merge (`merge_summaries`) into exactly the tables of one run over all.
    /// A document must not be split between batches.
    #[pyo3(signature = (texts, ids = None, lang = None))]
    fn summarize(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        ids: Option<Vec<String>>,
        lang: Option<&str>,
    ) -> PyResult<String> {
        let lang = parse_lang(lang)?;
        let ids = ids_for(&texts, ids)?;
        py.detach(|| {
            let empty = || Summary::new(&self.codebook, self.inner.current_unit());
            let summary = texts
                .par_iter()
                .zip(ids.par_iter())
                .fold(empty, |mut summary, (text, id)| {
                    let coded = self.code_text(id, text, lang);
                    summary.add(&coded.doc, &coded.coding);
                    summary
                })
                .map(Ok::<Summary, thematic::Error>)
                .try_reduce(empty, |mut a, b| a.merge(&b).map(|()| a))
                .map_err(to_py)?;
            serde_json::to_string(&summary).map_err(|e| PyValueError::new_err(e.to_string()))
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<thematic.Coder {:?}, {} passages of {} role(s)>",
            self.codebook.title(),
            self.inner.current_unit(),
            self.inner.current_roles()
        )
    }
}

/// What `analyze` hands to the Python side: each table as the CSV text the command line writes
/// (so the DataFrames hold the very numbers of `frequencies.csv` and the rest), and the problems
/// met reading the corpus.
#[pyclass(name = "AnalysisTables", module = "thematic", frozen, get_all)]
struct PyTables {
    /// `frequencies.csv`.
    frequencies: String,
    /// `cooccurrence.csv`.
    cooccurrence: String,
    /// `cooccurrence_matrix.csv`.
    cooccurrence_matrix: String,
    /// `code_by_document.csv`.
    code_by_document: String,
    /// `excerpts.csv`.
    excerpts: String,
    /// One `crosstab_FIELD.csv` per field asked for, as `(field, csv)`.
    crosstabs: Vec<(String, String)>,
    /// Documents that could not be read, as `(path, reason)`.
    skipped: Vec<(String, String)>,
    /// Documents and passages counted.
    documents: usize,
    /// Passages counted.
    passages: usize,
    /// The codebook's title.
    codebook: String,
}

/// Where the documents of an analysis come from.
enum Source {
    Folder(PathBuf),
    Texts(Vec<(String, String)>),
}

impl Source {
    fn extract(source: &Bound<'_, PyAny>, ids: Option<Vec<String>>) -> PyResult<Source> {
        if let Ok(path) = source.extract::<PathBuf>() {
            return Ok(Source::Folder(path));
        }
        if let Ok(texts) = source.cast::<PyDict>() {
            let pairs: Vec<(String, String)> = texts.items().extract().map_err(|_| {
                PyValueError::new_err(
                    "source: a dict of texts maps each id (str) to its text (str)",
                )
            })?;
            return Ok(Source::Texts(pairs));
        }
        let texts: Vec<String> = source.extract().map_err(|_| {
            PyValueError::new_err(
                "source: a folder or file path, a list of texts, or a dict of id → text",
            )
        })?;
        let ids = ids_for(&texts, ids)?;
        Ok(Source::Texts(ids.into_iter().zip(texts).collect()))
    }

    fn read(self) -> thematic::Result<Corpus> {
        match self {
            Source::Folder(path) => Corpus::open(path),
            Source::Texts(pairs) => Ok(Corpus::from_documents(
                pairs.into_iter().map(|(id, text)| Document::new(id, text)),
            )),
        }
    }
}

/// Writes one table into a string with one of the crate's CSV writers.
fn csv_of(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> PyResult<String> {
    let mut buffer = Vec::new();
    write(&mut buffer).map_err(|e| PyOSError::new_err(e.to_string()))?;
    String::from_utf8(buffer).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Codes a corpus and computes its tables, as `thematic analyze` does (see the Python
/// `thematic.analyze`, which turns them into DataFrames).
#[pyfunction]
#[pyo3(signature = (
    source, codebook = None, *, ids = None, unit = "paragraph", roles = "body",
    cooccur = "passage", roll_up = false, origin = "any", lang = None, by = Vec::new(),
    model = None
))]
#[allow(clippy::too_many_arguments)]
fn analyze_tables(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    codebook: Option<&PyCodebook>,
    ids: Option<Vec<String>>,
    unit: &str,
    roles: &str,
    cooccur: &str,
    roll_up: bool,
    origin: &str,
    lang: Option<&str>,
    by: Vec<String>,
    model: Option<PathBuf>,
) -> PyResult<PyTables> {
    let source = Source::extract(source, ids)?;
    let codebook = codebook.map_or_else(thematic::Codebook::shipped, |c| (*c.inner).clone());
    let unit = parse_unit(unit)?;
    let roles = parse_roles(roles)?;
    let cooccur: CooccurrenceUnit = cooccur
        .parse()
        .map_err(|e| PyValueError::new_err(format!("cooccur {cooccur:?}: {e}")))?;
    let origin = match origin {
        "any" => OriginFilter::Any,
        "auto" => OriginFilter::Auto,
        "manual" => OriginFilter::Manual,
        other => {
            return Err(PyValueError::new_err(format!(
                "origin {other:?}: any, auto or manual"
            )));
        }
    };
    let lang = parse_lang(lang)?;
    py.detach(move || -> PyResult<PyTables> {
        let corpus = source.read().map_err(to_py)?;
        let skipped = corpus
            .skipped()
            .iter()
            .map(|s| (s.path.display().to_string(), s.error.to_string()))
            .collect();
        let model = match model {
            Some(path) => {
                let model = thematic::learn::Model::load(&path).map_err(to_py)?;
                model.check_codebook(&codebook, &path).map_err(to_py)?;
                Some(Arc::new(model))
            }
            None => None,
        };
        let mut builder = Analysis::builder(corpus, codebook)
            .unit(unit)
            .roles(roles)
            .cooccurrence(cooccur)
            .roll_up(roll_up)
            .origin(origin)
            .lang(lang)
            .model(model);
        for field in &by {
            builder = builder.crosstab(field);
        }
        let a = builder.run().map_err(to_py)?;
        let t = &a.tables;
        Ok(PyTables {
            frequencies: csv_of(|w| thematic::export::write_frequencies_csv(t, w))?,
            cooccurrence: csv_of(|w| thematic::export::write_cooccurrence_csv(t, w))?,
            cooccurrence_matrix: csv_of(|w| thematic::export::write_cooccurrence_matrix_csv(t, w))?,
            code_by_document: csv_of(|w| thematic::export::write_by_document_csv(t, &a.coding, w))?,
            excerpts: csv_of(|w| {
                thematic::export::write_excerpts_csv(&a.coding, &a.corpus, &a.codebook, w)
            })?,
            crosstabs: a
                .crosstabs
                .iter()
                .map(|c| {
                    csv_of(|w| thematic::export::write_crosstab_csv(c, w))
                        .map(|csv| (c.field.clone(), csv))
                })
                .collect::<PyResult<_>>()?,
            skipped,
            documents: t.documents,
            passages: t.passages,
            codebook: a.codebook.title(),
        })
    })
}

/// Merges summaries (JSON, from `Coder.summarize` or `thematic code --format summary`) into one
/// and its tables: `(summary, frequencies_csv, cooccurrence_csv, documents, passages)`.
#[pyfunction]
fn merge_summaries(
    py: Python<'_>,
    parts: Vec<String>,
) -> PyResult<(String, String, String, u64, u64)> {
    py.detach(|| {
        let mut merged: Option<Summary> = None;
        for (i, part) in parts.iter().enumerate() {
            let part: Summary = serde_json::from_str(part).map_err(|e| {
                ThematicError::new_err(format!(
                    "summary {i}: not a summary written by Coder.summarize or `thematic code --format summary`: {e}"
                ))
            })?;
            match &mut merged {
                None => merged = Some(part),
                Some(m) => m.merge(&part).map_err(to_py)?,
            }
        }
        let merged = merged.ok_or_else(|| PyValueError::new_err("no summaries to merge"))?;
        let tables = merged.tables();
        Ok((
            serde_json::to_string(&merged).map_err(|e| PyValueError::new_err(e.to_string()))?,
            csv_of(|w| thematic::export::write_frequencies_csv(&tables, w))?,
            csv_of(|w| thematic::export::write_cooccurrence_csv(&tables, w))?,
            merged.documents_total,
            merged.passages_total,
        ))
    })
}

/// The extension module: `thematic._thematic`.
#[pymodule]
fn _thematic(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCodebook>()?;
    m.add_class::<PyCoder>()?;
    m.add_class::<PyTables>()?;
    m.add_function(wrap_pyfunction!(analyze_tables, m)?)?;
    m.add_function(wrap_pyfunction!(merge_summaries, m)?)?;
    m.add("ThematicError", m.py().get_type::<ThematicError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
