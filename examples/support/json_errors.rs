//! Flask's `request.json` errors for the examples that read a JSON body.

use actix_web::error::{InternalError, JsonPayloadError};
use actix_web::{web, HttpResponse, ResponseError};
use serde_json::json;

/// As Flask's `request.json`: 415 when the body is not declared JSON, 400 when it does not parse.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().error_handler(|err, _req| {
        let (status, msg) = match &err {
            JsonPayloadError::ContentType => (
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Did not attempt to load JSON data because the request Content-Type was not 'application/json'.".to_owned(),
            ),
            other => (other.status_code(), other.to_string()),
        };
        InternalError::from_response(err, HttpResponse::build(status).json(json!({ "msg": msg })))
            .into()
    })
}
