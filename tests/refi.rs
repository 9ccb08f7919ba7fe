//! REFI-QDA: the shipped analysis exported as a codebook and a project, validated against the
//! REFI-QDA schemas with `xmllint`, checked, and read back; and the files real tools wrote
//! (`../shared/refi-qda/samples`) read.

use std::io::Read;
use std::path::Path;
use std::process::Command;

use thematic::{Analysis, Codebook, CodedSegment, Corpus, Origin, Unit, refi};

use crate::support::{self, Outside};

fn shipped_analysis() -> Analysis {
    let corpus = Corpus::open(support::corpus()).unwrap();
    let codebook = Codebook::from_path(support::codebook()).unwrap();
    Analysis::run(corpus, codebook, Unit::Paragraph).unwrap()
}

/// Validates `xml` against a schema of `../shared/refi-qda` with xmllint; without either, skips
/// that check (see [`support::outside`]).
pub(crate) fn validate(xml: &Path, schema: &str) {
    let Some(shared) = support::shared() else {
        return;
    };
    let instead = format!("does not check {} against {schema}", xml.display());
    let Some(xmllint) = support::tool(Outside::Xmllint, &instead) else {
        return;
    };
    let schema = shared.join("refi-qda").join(schema);
    let output = Command::new(xmllint)
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(xml)
        .output()
        .expect("xmllint runs");
    assert!(
        output.status.success(),
        "{} does not validate against {}:\n{}",
        xml.display(),
        schema.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Entry `name` of zip archive `archive`.
pub(crate) fn unzip(archive: &Path, name: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
    let mut bytes = Vec::new();
    zip.by_name(name).unwrap().read_to_end(&mut bytes).unwrap();
    bytes
}

/// The codes as (id, label, description, include, exclude, memo, colour), blank parts trimmed
/// away as the export does.
fn code_table(codebook: &Codebook) -> Vec<[Option<String>; 7]> {
    let trimmed = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    codebook
        .codes()
        .iter()
        .map(|c| {
            [
                Some(c.id.to_string()),
                Some(c.label.clone()),
                trimmed(&c.description),
                trimmed(&c.include),
                trimmed(&c.exclude),
                trimmed(&c.memo),
                c.colour.clone(),
            ]
        })
        .collect()
}

/// Segments as (document, start, end, code, coder, memo), sorted.
fn segment_table(
    segments: &[CodedSegment],
) -> Vec<(String, usize, usize, String, String, Option<String>)> {
    let mut rows: Vec<_> = segments
        .iter()
        .map(|s| {
            let coder = match &s.origin {
                Origin::Manual { coder } => coder.clone(),
                other => other.as_str().to_string(),
            };
            (
                s.doc.to_string(),
                s.start,
                s.end,
                s.code.to_string(),
                coder,
                s.memo.clone(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn the_shipped_codebook_exports_to_a_valid_qdc_that_reads_back_the_same() {
    let codebook = Codebook::from_path(support::codebook()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let qdc = dir.path().join("migration.qdc");
    let mut bytes = Vec::new();
    refi::write_codebook(&codebook, &mut bytes).unwrap();
    std::fs::write(&qdc, &bytes).unwrap();
    validate(&qdc, "Codebook.xsd");
    assert_eq!(refi::check(&qdc).unwrap(), Vec::<String>::new());
    let back = refi::read_codebook(&qdc).unwrap();
    assert_eq!(code_table(&back), code_table(&codebook));
    assert_eq!(back.name, "migration");
}

#[test]
fn the_shipped_analysis_exports_to_a_valid_qdpx_that_reads_back_the_same() {
    let mut analysis = shipped_analysis();
    // A manual coding with a memo, over two paragraphs, next to the automatic ones.
    let doc = analysis.corpus.documents()[1].clone();
    let added = analysis
        .coding
        .add_manual(
            &doc,
            100,
            2000,
            "brain_drain",
            "aigerim",
            Some("Check the figures."),
        )
        .unwrap();
    assert!(added >= 2);
    let dir = tempfile::tempdir().unwrap();
    let qdpx = dir.path().join("migration.qdpx");
    refi::write_project(
        &qdpx,
        &analysis.corpus,
        &analysis.codebook,
        &analysis.coding,
    )
    .unwrap();

    let qde = dir.path().join("project.qde");
    std::fs::write(&qde, unzip(&qdpx, "project.qde")).unwrap();
    validate(&qde, "Project.xsd");
    assert_eq!(refi::check(&qdpx).unwrap(), Vec::<String>::new());

    let back = refi::read_project(&qdpx).unwrap();
    assert_eq!(back.warnings, Vec::<String>::new());
    assert_eq!(back.name, "migration");
    assert_eq!(code_table(&back.codebook), code_table(&analysis.codebook));
    assert_eq!(back.documents.len(), analysis.corpus.documents().len());
    for (read, shipped) in back.documents.iter().zip(analysis.corpus.documents()) {
        assert_eq!(read.id, shipped.id);
        assert_eq!(read.text, shipped.text, "text of {}", shipped.id);
        let (m, s) = (&read.metadata, &shipped.metadata);
        assert_eq!(
            (
                &m.title,
                &m.authors,
                m.year,
                &m.kind,
                &m.languages,
                &m.doi,
                &m.licence
            ),
            (
                &s.title,
                &s.authors,
                s.year,
                &s.kind,
                &s.languages,
                &s.doi,
                &s.licence
            ),
            "metadata of {}",
            shipped.id
        );
    }
    // Every segment comes back as a manual one: automatic codings by the codebook's user.
    let automatic = format!("thematic (codebook {})", analysis.codebook.title());
    let expected: Vec<CodedSegment> = analysis
        .coding
        .segments
        .iter()
        .cloned()
        .map(|mut s| {
            if s.origin == Origin::Auto {
                s.origin = Origin::Manual {
                    coder: automatic.clone(),
                };
            }
            s
        })
        .collect();
    assert_eq!(segment_table(&back.segments), segment_table(&expected));
    assert!(back.segments.iter().all(|s| s.passage == 0));

    // The same analysis exports to the same bytes (the project is named after the file).
    let again = dir.path().join("again");
    std::fs::create_dir(&again).unwrap();
    let again = again.join("migration.qdpx");
    refi::write_project(
        &again,
        &analysis.corpus,
        &analysis.codebook,
        &analysis.coding,
    )
    .unwrap();
    assert!(std::fs::read(&qdpx).unwrap() == std::fs::read(&again).unwrap());
}

/// What the samples hold, counted in their XML: codes, text sources, and codings of
/// selections.
struct Sample {
    file: &'static str,
    codes: usize,
    documents: usize,
    segments: usize,
}

const SAMPLES: [Sample; 5] = [
    Sample {
        file: "atlasti-23.2-blank.qdpx",
        codes: 0,
        documents: 0,
        segments: 0,
    },
    Sample {
        file: "atlasti-23.2-codes.qdpx",
        codes: 3,
        documents: 0,
        segments: 0,
    },
    Sample {
        file: "nvivo-mac-15.0.qdpx",
        codes: 262,
        documents: 2,
        segments: 0,
    },
    Sample {
        file: "maxqda-24.7-project.qde",
        codes: 307,
        documents: 10,
        segments: 0,
    },
    Sample {
        file: "qualcoder-export.qdpx",
        codes: 3,
        documents: 1,
        segments: 2,
    },
];

#[test]
fn every_sample_project_imports_with_its_codes_sources_and_selections() {
    let Some(shared) = support::shared() else {
        return;
    };
    let samples = shared.join("refi-qda/samples");
    for sample in &SAMPLES {
        let path = samples.join(sample.file);
        let project = refi::read_project(&path)
            .unwrap_or_else(|e| panic!("{} does not import: {e}", sample.file));
        assert_eq!(
            (
                project.codebook.codes().len(),
                project.documents.len(),
                project.segments.len()
            ),
            (sample.codes, sample.documents, sample.segments),
            "{}",
            sample.file
        );
        let codebook = refi::read_codebook(&path).unwrap();
        assert_eq!(codebook.codes().len(), sample.codes, "{}", sample.file);
        // Imported codebooks become editable TOML codebooks.
        let toml = codebook.to_toml();
        let reread = Codebook::from_toml(&toml, None)
            .unwrap_or_else(|e| panic!("{}: the TOML does not read back: {e}", sample.file));
        assert_eq!(reread.codes(), codebook.codes(), "{}", sample.file);
    }
}

#[test]
fn qualcoder_selections_land_on_the_text_they_select() {
    let Some(shared) = support::shared() else {
        return;
    };
    let project =
        refi::read_project(shared.join("refi-qda/samples/qualcoder-export.qdpx")).unwrap();
    let doc = &project.documents[0];
    assert_eq!(&*doc.id, "doc1");
    assert!(doc.text.starts_with("Кадры уезжают 😀."), "the BOM is gone");
    let selected: Vec<(&str, String, &Origin)> = project
        .segments
        .iter()
        .map(|s| {
            let text = doc
                .text
                .chars()
                .skip(s.start)
                .take(s.end - s.start)
                .collect();
            (&*s.code, text, &s.origin)
        })
        .collect();
    let coder = Origin::Manual {
        coder: "thematic".into(),
    };
    assert_eq!(
        selected,
        [
            (
                "migration_drivers/brain_drain",
                "Brain drain".to_string(),
                &coder
            ),
            (
                "migration_drivers/education_pull",
                "Образование".to_string(),
                &coder
            ),
        ]
    );
    let education = project
        .codebook
        .code("migration_drivers/education_pull")
        .unwrap();
    assert_eq!(education.label, "education pull");
    assert_eq!(
        education.description.as_deref(),
        Some("Study abroad pull factors")
    );
    assert_eq!(education.colour.as_deref(), Some("#3d6cb3"));
    // QualCoder names a project creator it does not list among the users.
    assert_eq!(
        refi::check(shared.join("refi-qda/samples/qualcoder-export.qdpx")).unwrap(),
        [
            "project.qde, line 2, column 1: creatingUserGUID e9305814-8d3d-43f8-aabb-4f1e03afd8a3 of <Project> is not the GUID of anything in the file"
        ]
    );
}

#[test]
fn sample_codebooks_import_including_taguettes_empty_sets() {
    let Some(shared) = support::shared() else {
        return;
    };
    let samples = shared.join("refi-qda/samples");
    let ids = |file: &str| -> Vec<String> {
        refi::read_codebook(samples.join(file))
            .unwrap_or_else(|e| panic!("{file} does not import: {e}"))
            .codes()
            .iter()
            .map(|c| c.id.to_string())
            .collect()
    };
    assert_eq!(
        ids("taguette-export.qdc"),
        ["education_pull", "brain_drain"]
    );
    assert_eq!(
        ids("qualcoder-export.qdc"),
        [
            "migration_drivers",
            "migration_drivers/education_pull",
            "migration_drivers/brain_drain"
        ]
    );
    let atlas = ids("atlasti-23.2-codes.qdpx");
    assert_eq!(
        atlas,
        [
            "commits",
            "commits/2022_05_10t02_05_59z_19e4dce",
            "commits/2022_02_11t10_39_25z_cdbfd92"
        ]
    );
    // NVivo repeats names under different parents ("programming"), and once under itself.
    let nvivo = ids("nvivo-mac-15.0.qdpx");
    assert!(nvivo.contains(&"rq1_definition/competencies/programming".to_string()));
    assert!(nvivo.contains(&"rq1_definition/framings/cs_as_programming/programming".to_string()));
    assert!(nvivo.contains(
        &"rq2_curriculum_and_instruction/curriculum/graduation_requirement/graduation_requirement"
            .to_string()
    ));
}

#[test]
fn maxqda_sources_come_without_text_and_with_a_warning() {
    let Some(shared) = support::shared() else {
        return;
    };
    let project =
        refi::read_project(shared.join("refi-qda/samples/maxqda-24.7-project.qde")).unwrap();
    assert_eq!(
        project.origin.as_deref(),
        Some("MAXQDA 24 (Release 24.7.0)")
    );
    assert_eq!(&*project.documents[0].id, "ICLS 2024 3-10");
    assert!(project.documents.iter().all(|d| d.text.is_empty()));
    assert_eq!(project.warnings.len(), 1, "{:?}", project.warnings);
    assert!(project.warnings[0].starts_with("10 of 10 documents have no text"));
    let first = &project.codebook.codes()[0];
    assert_eq!(
        (&*first.id, first.colour.as_deref()),
        ("additional_themes_and_ideas", Some("#ef8256"))
    );
    assert!(
        first
            .description
            .as_deref()
            .unwrap()
            .starts_with("This category encompasses")
    );
}
