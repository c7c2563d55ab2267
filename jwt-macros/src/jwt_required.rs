//! `#[jwt_required]`: parse the options ([`args`]), check them and the handler ([`options`]),
//! then rewrite the handler ([`expand`]).

mod args;
mod expand;
mod options;

use proc_macro2::TokenStream;
use syn::{Item, ItemFn};

use crate::errors::Errors;
use options::{Handler, Options};

/// The whole macro. On any error it returns the errors and the item untouched, so IDEs keep
/// working and no follow-on errors pile up.
pub(crate) fn jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let options = errors.take(args::parse(args).and_then(Options::check));
    let handler = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => errors.take(Handler::check(function)),
        Err(_) if syn::parse2::<Item>(item.clone()).is_ok() => {
            errors.at(
                crate::syntax::item_start(&item),
                "`#[jwt_required]` applies only to an `async fn` handler",
            );
            None
        }
        // Not even an item: rustc reports the syntax error when it parses the untouched tokens.
        Err(_) => None,
    };
    match (errors.finish(()), options, handler) {
        (Ok(()), Some(options), Some(handler)) => expand::expand(&options, &handler),
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
