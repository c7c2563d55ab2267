//! Collects every problem of one macro call, so a single build reports them all.

use std::fmt::Display;

use proc_macro2::Span;

/// Accumulated compile errors; [`Errors::finish`] turns them into one combined `syn::Error`.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Keeps `other`'s errors, if any, and returns its value otherwise.
    pub(crate) fn take<T>(&mut self, other: syn::Result<T>) -> Option<T> {
        other.map_err(|error| self.push(error)).ok()
    }

    /// `value` when nothing went wrong, else all errors in the order they were found.
    pub(crate) fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(error) => Err(error),
            None => Ok(value),
        }
    }
}
