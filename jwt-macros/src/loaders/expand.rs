//! Stage 3: the registration of a checked loader function. No checks here: the type checks
//! are trait bounds of the runtime's `__private::loader::<name>` helpers, spanned at the
//! user's types so that rustc reports them there with the runtime's messages.
//!
//! The function itself is left as written; after it comes, e.g. for `#[user_lookup_loader]`:
//!
//! ```text
//! #cfg_attrs
//! const _: () = {
//!     const __JWT_FUNCTION: &str = concat!(module_path!(), "::", "load_user");
//!     fn __jwt_loader(req: &HttpRequest, header: &JwtHeader, claims: &Claims) -> user_lookup_loader::Adapted {
//!         let (req, header, claims) = (req.clone(), header.clone(), claims.clone());
//!         boxed(async move {
//!             let arg2: web::Data<Db> = user_lookup_loader::extract(&req, __JWT_FUNCTION, "web::Data<Db>").await?;
//!             user_lookup_loader::returned(
//!                 load_user(user_lookup_loader::header(&header), user_lookup_loader::claims(&claims), arg2).await,
//!             )
//!         })
//!     }
//!     inventory::submit! {
//!         RegisteredLoader { function: __JWT_FUNCTION, loader: user_lookup_loader::register(__jwt_loader) }
//!     }
//! };
//! ```
//!
//! (every path through `#krate::__private`, the checks through `__private::loader::<name>`).

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::kinds::{Input, Kind};
use super::options::{LoaderFn, Options};

pub(crate) fn expand(kind: &Kind, options: &Options, function: &LoaderFn) -> TokenStream {
    let LoaderFn {
        ident,
        cfg_attrs,
        fixed,
        extractors,
        return_span,
    } = function;
    let krate = &options.krate;
    let private = quote!(#krate::__private);
    let helpers = quote!(#private::loader);
    let module = Ident::new(kind.name, Span::call_site());
    let checks = quote!(#helpers::#module);
    let name = Literal::string(ident.to_string().trim_start_matches("r#"));

    let mixed = |name: &str| Ident::new(name, Span::mixed_site());
    let req = mixed("__jwt_req");
    let identity = mixed("__jwt_identity");
    let header = mixed("__jwt_header");
    let claims = mixed("__jwt_claims");
    let message = mixed("__jwt_message");
    let function_path = Ident::new("__JWT_FUNCTION", Span::call_site());
    let loader = Ident::new("__jwt_loader", Span::call_site());

    // In async loaders the inputs are owned clones living in the future: pass references to them.
    let borrow = kind.is_async().then(|| quote!(&));
    let fixed_args = fixed.iter().map(|arg| {
        let (helper, value) = match (arg.input, arg.by_ref) {
            (Input::Identity, true) => (quote!(identity_ref), &identity),
            (Input::Identity, false) => (quote!(identity_value), &identity),
            (Input::Header, _) => (quote!(header), &header),
            (Input::Claims, _) => (quote!(claims), &claims),
            (Input::Message, _) => (quote!(message), &message),
        };
        let fallible = (arg.input == Input::Identity && !arg.by_ref).then(|| quote!(?));
        // `::<_>` at the user's type: rustc reports an unsatisfied bound of an inferred
        // parameter there.
        let call = quote_spanned!(arg.span=> #checks::#helper::<_>);
        quote!(#call(#borrow #value) #fallible)
    });
    let extracted: Vec<Ident> = (0..extractors.len())
        .map(|i| format_ident!("__jwt_arg{}", fixed.len() + i, span = Span::mixed_site()))
        .collect();
    let extractions = extractors.iter().zip(&extracted).map(|(arg, local)| {
        let ty = &arg.ty;
        let written = Literal::string(&arg.written);
        let call = quote_spanned!(arg.span=> #checks::extract::<_>);
        let probe = quote_spanned!(arg.span=> (&#helpers::Probe::<#ty>::new()).verdict());
        let not_a_door = quote_spanned!(arg.span=> #helpers::not_a_door);
        quote! {
            #not_a_door(#probe);
            let #local: #ty = #call(&#req, #function_path, #written).await?;
        }
    });
    let await_ = kind.is_async().then(|| quote!(.await));
    let returned = quote_spanned!(*return_span=> #checks::returned::<_>);
    let call = quote!(#returned(#ident(#(#fixed_args,)* #(#extracted,)*) #await_));

    // The runtime's checks module knows the adapter's return type and how to register it.
    let adapter_output = quote!(#checks::Adapted);
    let adapter = if kind.is_async() {
        let clone = quote!(::core::clone::Clone::clone);
        quote! {
            fn #loader(
                #req: &#helpers::HttpRequest,
                #header: &#helpers::JwtHeader,
                #claims: &#helpers::Claims,
            ) -> #adapter_output {
                let #req = #clone(#req);
                let #header = #clone(#header);
                let #claims = #clone(#claims);
                #helpers::boxed(async move {
                    #[allow(unused_imports)]
                    use #helpers::{AnyProbe as _, DoorProbe as _};
                    #(#extractions)*
                    #call
                })
            }
        }
    } else {
        let params = match kind.inputs {
            [Input::Identity] => quote!(#identity: &#helpers::Json),
            [Input::Message] => quote!(#message: &str),
            _ => quote!(#header: &#helpers::JwtHeader, #claims: &#helpers::Claims),
        };
        quote! {
            fn #loader(#params) -> #adapter_output {
                #call
            }
        }
    };

    quote! {
        #cfg_attrs
        const _: () = {
            const #function_path: &str = ::core::concat!(::core::module_path!(), "::", #name);
            #adapter
            #private::inventory::submit! {
                #private::RegisteredLoader {
                    function: #function_path,
                    loader: #checks::register(#loader),
                }
            }
        };
    }
}
