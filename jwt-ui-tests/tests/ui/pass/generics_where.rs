// Generics, a where clause, argument patterns and a tuple extractor survive the rewrite.
#![deny(warnings)]

use std::collections::HashMap;
use std::fmt::Display;

use actix_jwt_extended::jwt_required;
use actix_web::{web, App, HttpResponse};

#[jwt_required(refresh)]
async fn greet<T, const N: usize>(
    greeting: web::Data<T>,
    (name, web::Query(params)): (web::Path<String>, web::Query<HashMap<String, String>>),
    mut suffix: String,
) -> HttpResponse
where
    T: Display + 'static,
{
    suffix.push('!');
    HttpResponse::Ok().body(format!(
        "{} {name}{suffix} {}",
        greeting.get_ref(),
        params.len() + N
    ))
}

fn main() {
    let _app = App::new()
        .app_data(web::Data::new(String::from("hello")))
        .route("/greet/{name}", web::get().to(greet::<String, 1>));
}
