//! Agreement statistics against the reference implementations (scikit-learn's
//! `cohen_kappa_score`, the `krippendorff` package), from `tests/oracles/agreement_expected.json`
//! as written by `tests/oracles/agreement.py`.

use thematic::analysis::agreement::Ratings;

const TOLERANCE: f64 = 1e-9;

#[test]
fn statistics_equal_the_reference_implementations() {
    let path = crate::support::root().join("tests/oracles/agreement_expected.json");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let fixtures = expected["fixtures"].as_array().unwrap();
    assert!(fixtures.len() >= 7);
    for f in fixtures {
        let name = f["name"].as_str().unwrap();
        let rows: Vec<Vec<Option<u32>>> = f["ratings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                row.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().map(|x| x as u32))
                    .collect()
            })
            .collect();
        let coders = rows.len();
        let units = (0..rows[0].len())
            .map(|u| rows.iter().map(|r| r[u]).collect())
            .collect();
        let ratings = Ratings::from_units(coders, units);

        let alpha = ratings.krippendorff_alpha().unwrap();
        assert!(
            (alpha - f["alpha"].as_f64().unwrap()).abs() < TOLERANCE,
            "{name}: alpha {alpha}"
        );
        let percent = ratings.percent_agreement().unwrap();
        assert!(
            (percent - f["percent"].as_f64().unwrap()).abs() < TOLERANCE,
            "{name}: percent {percent}"
        );
        for (pair, kappa) in f["kappa"].as_object().unwrap() {
            let (a, b) = pair.split_once(',').unwrap();
            let ours = ratings.cohen_kappa(a.parse().unwrap(), b.parse().unwrap());
            match kappa.as_f64() {
                Some(k) => assert!(
                    (ours.unwrap() - k).abs() < TOLERANCE,
                    "{name}: kappa {pair} {ours:?} vs {k}"
                ),
                None => assert_eq!(ours, None, "{name}: kappa {pair} undefined"),
            }
        }
    }
}
