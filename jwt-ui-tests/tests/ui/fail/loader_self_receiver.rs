use actix_jwt_extended::unauthorized_loader;
use actix_web::HttpResponse;

struct Responses;

impl Responses {
    #[unauthorized_loader]
    fn unauthorized(&self, message: &str) -> HttpResponse {
        HttpResponse::Unauthorized().body(message.to_owned())
    }
}

fn main() {}
