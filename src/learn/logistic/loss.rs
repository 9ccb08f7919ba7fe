//! The logistic function and the loss's pieces, computed so that neither overflow nor
//! cancellation spoils them: near the optimum the objective's decrease is below its own rounding
//! error, and the line search must still see it.

/// log(1 + exp(−(m + δ))) − log(1 + exp(−m)): the change of a row's loss when its margin m
/// moves by δ.
///
/// For small moves the two logs nearly cancel, and near the optimum the objective's whole
/// decrease is smaller than its rounding error; the identity
/// `log1p(σ(−m)·expm1(−δ))` gives the difference to full relative precision. Large moves
/// change the loss by at least a noticeable amount, and expm1 could overflow, so they subtract.
pub(super) fn loss_change(margin: f64, shift: f64) -> f64 {
    if shift.abs() < 1.0 {
        (sigmoid(-margin) * (-shift).exp_m1()).ln_1p()
    } else {
        log1p_exp(-(margin + shift)) - log1p_exp(-margin)
    }
}

/// log(1 + exp(t)) without overflow for large t or loss of precision for very negative t.
pub(super) fn log1p_exp(t: f64) -> f64 {
    if t > 0.0 {
        t + (-t).exp().ln_1p()
    } else {
        t.exp().ln_1p()
    }
}

/// 1 / (1 + exp(−t)), never exp of a large positive number.
pub(crate) fn sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_change_matches_the_plain_difference() {
        for margin in [-40.0, -3.0, 0.0, 0.5, 30.0] {
            for shift in [-5.0, -0.7, -1e-9, 0.0, 1e-6, 0.3, 4.0] {
                let plain = log1p_exp(-(margin + shift)) - log1p_exp(-margin);
                let change = loss_change(margin, shift);
                assert!(
                    (change - plain).abs() <= 1e-12 * (1.0 + plain.abs()),
                    "{margin} {shift}: {change} vs {plain}"
                );
            }
        }
    }
}
