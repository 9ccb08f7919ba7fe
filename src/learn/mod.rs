//! Learning from the researcher's own coding: a classifier per code, trained on manual codings,
//! that proposes codes with a probability and the features that weighed most.

mod logistic;
