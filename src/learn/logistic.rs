//! L2-regularised logistic regression on sparse rows.
