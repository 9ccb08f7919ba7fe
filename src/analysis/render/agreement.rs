//! Agreement between coders as `thematic agree` prints it.

use std::io::Write;

use super::{Format, aligns, csv_error, csv_figure, figure, percent, table};
use crate::analysis::agreement::{AgreementReport, SegmentAgreement};
use crate::error::Result;
use crate::segment::Unit;

/// Agreement at the two levels `thematic agree` reports.
#[derive(Debug, Clone, Copy)]
pub struct AgreementTables<'a> {
    /// Passage level, per code and pooled ([`passage_agreement`]).
    ///
    /// [`passage_agreement`]: crate::analysis::agreement::passage_agreement
    pub passages: &'a AgreementReport,
    /// Segment level ([`segment_agreement`]), which compares two coders only.
    ///
    /// [`segment_agreement`]: crate::analysis::agreement::segment_agreement
    pub segments: Option<&'a [SegmentAgreement]>,
    /// The least overlap for two segments to agree, in percent of their union, as the user
    /// gave it: the table quotes it, the JSON has it as a share.
    pub overlap_percent: f64,
    /// The unit rated.
    pub unit: Unit,
}

/// Writes `tables` in `format`:
///
/// * [`Format::Table`]: a heading naming the coders, the passage-level table (per code, each
///   coder's count, percent agreement, kappa and alpha, then all codes pooled) and, for two
///   coders, the segment-level table;
/// * [`Format::Csv`]: the passage-level table;
/// * [`Format::Json`]: `{"min_overlap", "passage_level", "segment_level"}`.
pub fn agreement(tables: &AgreementTables<'_>, format: Format, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Json => super::write_json(
            // Through a `Value`, whose objects list their keys in order, as this output always
            // has.
            &serde_json::json!({
                "passage_level": tables.passages,
                "segment_level": tables.segments,
                "min_overlap": tables.overlap_percent / 100.0,
            }),
            out,
        ),
        Format::Csv => write_csv(tables.passages, out),
        Format::Table => write_table(tables, out),
    }
}

fn write_csv(report: &AgreementReport, out: &mut dyn Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["code".to_string(), "units".to_string()];
    header.extend(report.coders.iter().map(|c| format!("coded_by_{c}")));
    header.extend(["percent", "kappa", "alpha"].map(String::from));
    w.write_record(&header).map_err(csv_error)?;
    for a in report.codes.iter().chain(std::iter::once(&report.overall)) {
        let mut row = vec![a.code.to_string(), a.units.to_string()];
        row.extend(a.coded.iter().map(usize::to_string));
        row.extend([
            csv_figure(a.percent),
            csv_figure(a.kappa),
            csv_figure(a.alpha),
        ]);
        w.write_record(&row).map_err(csv_error)?;
    }
    w.flush()?;
    Ok(())
}

fn write_table(tables: &AgreementTables<'_>, out: &mut dyn Write) -> Result<()> {
    let (report, unit) = (tables.passages, tables.unit);
    let coders = &report.coders;
    writeln!(
        out,
        "Agreement of {} at the {unit} level ({} {unit}s rated by two or more coders):\n",
        coders.join(", "),
        // Every code rates the same passages: the pooled count is that many per code.
        report.overall.units / report.codes.len().max(1)
    )?;
    let mut headers = vec!["code".to_string()];
    headers.extend(coders.iter().map(|c| format!("{c} coded")));
    headers.extend(["agreement", "kappa", "alpha"].map(String::from));
    let rows: Vec<Vec<String>> = report
        .codes
        .iter()
        .chain(std::iter::once(&report.overall))
        .map(|a| {
            let mut row = vec![a.code.to_string()];
            row.extend(a.coded.iter().map(usize::to_string));
            row.extend([
                a.percent.map_or("–".into(), percent),
                figure(a.kappa),
                figure(a.alpha),
            ]);
            row
        })
        .collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let align = aligns(&format!("l{}", "r".repeat(headers.len() - 1)));
    write!(out, "{}", table(&header_refs, &align, &rows))?;
    let (Some(segments), [first, second, ..]) = (tables.segments, coders.as_slice()) else {
        return Ok(());
    };
    writeln!(
        out,
        "\nSegment level (segments agree when they overlap by at least {}% of their union):\n",
        tables.overlap_percent
    )?;
    let rows: Vec<Vec<String>> = segments
        .iter()
        .map(|s| {
            vec![
                s.code.to_string(),
                format!("{}/{}", s.agreeing[0], s.segments[0]),
                format!("{}/{}", s.agreeing[1], s.segments[1]),
                s.percent.map_or("–".into(), percent),
            ]
        })
        .collect();
    let h0 = format!("{first} agreeing");
    let h1 = format!("{second} agreeing");
    write!(
        out,
        "{}",
        table(&["code", &h0, &h1, "agreement"], &aligns("lrrr"), &rows)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::agreement::CodeAgreement;

    fn report() -> (AgreementReport, Vec<SegmentAgreement>) {
        let code = |name: &str, units, coded: [usize; 2], percent, kappa| CodeAgreement {
            code: name.into(),
            units,
            coded: coded.to_vec(),
            percent,
            kappa,
            alpha: kappa,
        };
        let report = AgreementReport {
            coders: vec!["ana".into(), "boris".into()],
            codes: vec![
                code("bd", 6, [2, 2], Some(4.0 / 6.0), Some(0.25)),
                code("rp", 6, [0, 0], Some(1.0), None),
            ],
            overall: code("(all codes)", 12, [2, 2], Some(10.0 / 12.0), Some(0.4)),
        };
        let segments = vec![SegmentAgreement {
            code: "bd".into(),
            segments: [2, 3],
            agreeing: [1, 2],
            percent: Some(0.6),
        }];
        (report, segments)
    }

    fn render(segments: Option<&[SegmentAgreement]>, format: Format) -> String {
        let (report, _) = report();
        let tables = AgreementTables {
            passages: &report,
            segments,
            overlap_percent: 90.0,
            unit: Unit::Paragraph,
        };
        let mut out = Vec::new();
        agreement(&tables, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_table_has_both_levels() {
        let (_, segments) = report();
        let shown = render(Some(&segments), Format::Table);
        assert!(
            shown.starts_with(
                "Agreement of ana, boris at the paragraph level (6 paragraphs rated by two or more coders):\n\n"
            ),
            "{shown}"
        );
        assert!(
            shown.contains("code         ana coded  boris coded  agreement  kappa  alpha\n"),
            "{shown}"
        );
        assert!(
            shown.contains("\nrp                   0            0     100.0%      –      –\n"),
            "{shown}"
        );
        assert!(shown.contains("at least 90% of their union"), "{shown}");
        assert!(
            shown.ends_with("code  ana agreeing  boris agreeing  agreement\nbd             1/2             2/3      60.0%\n"),
            "{shown}"
        );
        let passages_only = render(None, Format::Table);
        assert!(!passages_only.contains("Segment level"), "{passages_only}");
    }

    #[test]
    fn csv_is_the_passage_level() {
        let csv = render(None, Format::Csv);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines,
            [
                "code,units,coded_by_ana,coded_by_boris,percent,kappa,alpha",
                "bd,6,2,2,0.666667,0.250000,0.250000",
                "rp,6,0,0,1.000000,,",
                "(all codes),12,2,2,0.833333,0.400000,0.400000",
            ]
        );
    }

    #[test]
    fn json_has_both_levels_and_the_overlap_as_a_share() {
        let (_, segments) = report();
        let json = render(Some(&segments), Format::Json);
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["min_overlap"], 0.9);
        assert_eq!(back["passage_level"]["coders"][1], "boris");
        assert_eq!(back["segment_level"][0]["agreeing"][1], 2);
        let keys: Vec<&str> = json
            .lines()
            .filter(|l| l.starts_with("  \""))
            .map(|l| l.trim().split('"').nth(1).unwrap())
            .collect();
        assert_eq!(keys, ["min_overlap", "passage_level", "segment_level"]);
        assert!(render(None, Format::Json).contains("\"segment_level\": null"));
    }
}
