//! The loader attributes (`#[user_lookup_loader]`, `#[expired_token_loader]`, ...): parse the
//! options ([`args`]), check them and the function against the loader's [`kinds`] entry
//! ([`options`]), then keep the function and register an adapter of it ([`expand`]).

mod args;
mod expand;
pub(crate) mod kinds;
mod options;

use proc_macro2::TokenStream;
use syn::{Item, ItemFn};

use crate::errors::Errors;
use kinds::Kind;
use options::{LoaderFn, Options};

/// The whole macro for the loader `kind`. On any error it returns the errors and the item
/// untouched, so IDEs keep working and no follow-on errors pile up.
pub(crate) fn loader(kind: &'static Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let options = errors.take(args::parse(args).and_then(Options::check));
    let function = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => errors.take(LoaderFn::check(kind, function)),
        Err(_) if syn::parse2::<Item>(item.clone()).is_ok() => {
            errors.at(
                crate::syntax::item_start(&item),
                format_args!(
                    "`#[{}]` applies only to a function, `{}`",
                    kind.name,
                    kind.signature()
                ),
            );
            None
        }
        // Not even an item: rustc reports the syntax error when it parses the untouched tokens.
        Err(_) => None,
    };
    match (errors.finish(()), options, function) {
        (Ok(()), Some(options), Some(function)) => {
            let mut tokens = item;
            tokens.extend(expand::expand(kind, &options, &function));
            tokens
        }
        (Err(error), ..) => {
            let mut tokens = error.into_compile_error();
            tokens.extend(item);
            tokens
        }
        (Ok(()), ..) => item,
    }
}

#[cfg(test)]
mod tests;
