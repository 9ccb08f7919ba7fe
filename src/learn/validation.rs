//! A model's cross-validated figures as `thematic learn` prints them.

use std::io::Write;

use super::{CodeValidation, Figures, Model};
use crate::analysis::render::{Format, aligns, csv_error, csv_figure, figure, table, write_json};
use crate::error::Result;

/// Writes the cross-validation of `model` in `format`: per code, the model's precision,
/// recall, F1 and kappa at its threshold beside the codebook's alone on the same passages.
///
/// * [`Format::Table`]: a heading naming the `folds` (the number asked of the [`Learner`]:
///   fewer than two count as two, as there) and the passages, then a row per code and their
///   macro average;
/// * [`Format::Csv`]: two rows per code, `coder` `model` and `codebook`, with every figure
///   and the exact threshold;
/// * [`Format::Json`]: [`Model::cross_validation`] as it is.
///
/// [`Learner`]: super::Learner
pub fn write_validation(
    model: &Model,
    folds: usize,
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Json => write_json(&model.cross_validation, out),
        Format::Csv => write_csv(&model.cross_validation, out),
        Format::Table => {
            writeln!(
                out,
                "{}-fold cross-validation by document ({} passages): the model against the codebook alone on the same passages\n",
                folds.max(2),
                model.training.passages
            )?;
            write!(out, "{}", validation_table(&model.cross_validation))?;
            Ok(())
        }
    }
}

fn write_csv(cv: &[CodeValidation], out: &mut dyn Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "code",
        "positives",
        "threshold",
        "coder",
        "precision",
        "recall",
        "f1",
        "kappa",
    ])
    .map_err(csv_error)?;
    for v in cv {
        for (who, f) in [("model", &v.model), ("codebook", &v.codebook)] {
            w.write_record([
                v.code.clone(),
                v.positives.to_string(),
                format!("{}", v.threshold),
                who.to_string(),
                csv_figure(f.precision),
                csv_figure(f.recall),
                csv_figure(f.f1),
                csv_figure(f.kappa),
            ])
            .map_err(csv_error)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// The aligned table: a row per code, then the macro average.
fn validation_table(cv: &[CodeValidation]) -> String {
    let row = |name: String, positives: String, threshold: String, m: &Figures, c: &Figures| {
        vec![
            name,
            positives,
            threshold,
            figure(m.precision),
            figure(m.recall),
            figure(m.f1),
            figure(m.kappa),
            figure(c.precision),
            figure(c.recall),
            figure(c.kappa),
        ]
    };
    let mut rows: Vec<Vec<String>> = cv
        .iter()
        .map(|v| {
            row(
                v.code.clone(),
                v.positives.to_string(),
                format!("{:.2}", v.threshold),
                &v.model,
                &v.codebook,
            )
        })
        .collect();
    rows.push(vec![
        "(macro average)".to_string(),
        String::new(),
        String::new(),
        figure(mean(cv.iter().map(|v| v.model.precision))),
        figure(mean(cv.iter().map(|v| v.model.recall))),
        figure(mean(cv.iter().map(|v| v.model.f1))),
        figure(mean(cv.iter().map(|v| v.model.kappa))),
        figure(mean(cv.iter().map(|v| v.codebook.precision))),
        figure(mean(cv.iter().map(|v| v.codebook.recall))),
        figure(mean(cv.iter().map(|v| v.codebook.kappa))),
    ]);
    table(
        &[
            "code",
            "coded",
            "threshold",
            "precision",
            "recall",
            "F1",
            "kappa",
            "codebook P",
            "codebook R",
            "codebook κ",
        ],
        &aligns("lrrrrrrrrr"),
        &rows,
    )
}

/// The mean of the defined values: a code whose figure is undefined does not count.
fn mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = values.flatten().collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validations() -> Vec<CodeValidation> {
        let with = |precision, kappa| Figures {
            true_positives: 3,
            false_positives: 1,
            false_negatives: 1,
            true_negatives: 5,
            precision,
            recall: Some(0.75),
            f1: precision.map(|_| 0.75),
            kappa,
        };
        vec![
            CodeValidation {
                code: "bd".into(),
                positives: 4,
                threshold: 0.4,
                model: with(Some(0.75), Some(0.5)),
                codebook: with(Some(0.5), None),
            },
            CodeValidation {
                code: "rp".into(),
                positives: 2,
                threshold: 0.5,
                model: with(None, Some(0.25)),
                codebook: with(Some(1.0), Some(0.1)),
            },
        ]
    }

    #[test]
    fn the_table_averages_defined_figures_only() {
        let shown = validation_table(&validations());
        let lines: Vec<&str> = shown.lines().collect();
        assert!(
            lines[0].ends_with("F1  kappa  codebook P  codebook R  codebook κ"),
            "{shown}"
        );
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>(),
            [
                "bd", "4", "0.40", "0.750", "0.750", "0.750", "0.500", "0.500", "0.750", "–"
            ]
        );
        // Precision averages bd's alone; the codebook's kappa, rp's alone.
        assert_eq!(
            lines[3].split_whitespace().collect::<Vec<_>>(),
            [
                "(macro", "average)", "0.750", "0.750", "0.750", "0.375", "0.750", "0.750", "0.100"
            ]
        );
    }

    #[test]
    fn csv_has_a_row_per_code_and_coder() {
        let mut out = Vec::new();
        write_csv(&validations(), &mut out).unwrap();
        let csv = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 5, "{csv}");
        assert_eq!(
            lines[1],
            "bd,4,0.4,model,0.750000,0.750000,0.750000,0.500000"
        );
        assert_eq!(
            lines[4],
            "rp,2,0.5,codebook,1.000000,0.750000,0.750000,0.100000"
        );
        assert_eq!(mean(std::iter::empty()), None);
    }
}
