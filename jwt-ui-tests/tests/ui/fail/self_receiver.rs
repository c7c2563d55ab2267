use actix_jwt_extended::jwt_required;
use actix_web::HttpResponse;

struct Api;

impl Api {
    #[jwt_required]
    async fn handler(&self) -> HttpResponse {
        HttpResponse::Ok().finish()
    }
}

fn main() {}
