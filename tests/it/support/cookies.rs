//! A minimal browser for the cookie tests: replies with their `Set-Cookie` lines, and a
//! cookie jar.

use std::collections::BTreeMap;

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{COOKIE, SET_COOKIE};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use serde_json::Value;

/// A response: status, JSON body and `Set-Cookie` lines.
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    /// Each `Set-Cookie` line, as sent.
    pub set_cookies: Vec<String>,
}

impl Reply {
    /// The attributes of the `Set-Cookie` line for `name` (as upstream's
    /// `_get_cookie_from_response`): keys lower-cased, the cookie's own name maps to its value,
    /// flags such as `httponly` map to `""`.
    pub fn cookie(&self, name: &str) -> Option<BTreeMap<String, String>> {
        self.set_cookies.iter().find_map(|line| {
            let mut parts = line.split(';').map(str::trim);
            let (first_name, first_value) = parts.next()?.split_once('=')?;
            if first_name != name {
                return None;
            }
            let mut attributes = BTreeMap::from([(name.to_owned(), first_value.to_owned())]);
            for part in parts {
                let (key, value) = part.split_once('=').unwrap_or((part, ""));
                attributes.insert(key.to_ascii_lowercase(), value.to_owned());
            }
            Some(attributes)
        })
    }

    /// The value the response sets for cookie `name`.
    pub fn cookie_value(&self, name: &str) -> String {
        let attributes = self
            .cookie(name)
            .unwrap_or_else(|| panic!("no Set-Cookie for {name}: {:?}", self.set_cookies));
        attributes[name].clone()
    }

    /// Every `Set-Cookie`, parsed.
    pub fn parsed_cookies(&self) -> Vec<Cookie<'static>> {
        self.set_cookies
            .iter()
            .map(|line| Cookie::parse(line.clone()).expect("valid Set-Cookie"))
            .collect()
    }

    /// The `Set-Cookie` for `name`, parsed.
    pub fn set_cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.parsed_cookies().into_iter().find(|c| c.name() == name)
    }
}

/// Sends `req` and returns the [`Reply`]; the body must be JSON.
pub async fn send<S, R, B>(app: &S, req: R) -> Reply
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, req).await;
    let set_cookies = res
        .headers()
        .get_all(SET_COOKIE)
        .map(|v| v.to_str().expect("ASCII Set-Cookie").to_owned())
        .collect();
    let (status, body) = super::reply(res).await;
    Reply {
        status,
        body,
        set_cookies,
    }
}

/// [`send`] of a `TestRequest` (`call!(app, req)`): actix's request type, which `to_request`
/// makes, cannot be named outside actix.
macro_rules! call {
    ($app:expr, $req:expr) => {
        $crate::support::cookies::send(&$app, $req.to_request()).await
    };
}
pub(crate) use call;

/// The cookies a browser would hold (paths and domains ignored, as upstream's test client does
/// for these routes).
#[derive(Default)]
pub struct Jar(pub BTreeMap<String, String>);

impl Jar {
    /// Keeps the cookies `reply` sets and forgets those it deletes.
    pub fn store(&mut self, reply: &Reply) {
        for cookie in reply.parsed_cookies() {
            let removed = cookie.value().is_empty()
                || cookie.max_age().is_some_and(|age| age.is_zero())
                || cookie
                    .expires_datetime()
                    .is_some_and(|at| at <= actix_web::cookie::time::OffsetDateTime::now_utc());
            if removed {
                self.0.remove(cookie.name());
            } else {
                self.0
                    .insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
        }
    }

    /// `req` with the jar's `Cookie` header, if it holds any cookie.
    pub fn attach(&self, req: TestRequest) -> TestRequest {
        if self.0.is_empty() {
            return req;
        }
        let header = self
            .0
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        req.insert_header((COOKIE, header))
    }
}
