use actix_jwt_extended::{user_lookup_loader, Claims, CurrentUser, Jwt, JwtHeader, OptionalJwt};

type Verified = Jwt;

#[user_lookup_loader]
async fn load_user(
    _header: &JwtHeader,
    _claims: &Claims,
    _jwt: Jwt,
    _maybe: Option<OptionalJwt>,
    _user: CurrentUser<String>,
    _aliased: Verified,
) -> Option<String> {
    None
}

fn main() {}
