//! Nothing to see here: the UI tests of the attributes live in `tests/`.

#![forbid(unsafe_code)]
