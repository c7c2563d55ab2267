//! Ports of upstream `tests/test_config.py`. Upstream reads
//! options lazily and raises at first use; here a bad value is a `ConfigError` naming the
//! `JWT_*` option, from `JwtConfig::from_lookup` (text values) or `JwtManager::new`.

use std::collections::HashMap;
use std::time::Duration;

use actix_jwt_extended::dev::is_asymmetric;
use actix_jwt_extended::{
    Algorithm, Audience, ConfigError, EncodingKey, JwtConfig, JwtManager, TokenLocation,
};
use actix_web::cookie::SameSite;
use actix_web::http::Method;

use crate::support;

/// `JwtConfig::from_lookup` over `pairs`, as if they were the only environment variables.
fn from_pairs(pairs: &[(&str, &str)]) -> Result<JwtConfig, ConfigError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    JwtConfig::from_lookup(|name| map.get(name).cloned())
}

/// The error of building a manager over `pairs` (read by `from_lookup`, then checked).
fn build_error(pairs: &[(&str, &str)]) -> ConfigError {
    match from_pairs(pairs).and_then(JwtManager::new) {
        Ok(jwt) => panic!("{pairs:?} was accepted: {jwt:?}"),
        Err(e) => e,
    }
}

fn new_error(config: JwtConfig) -> ConfigError {
    match JwtManager::new(config) {
        Ok(jwt) => panic!("config was accepted: {jwt:?}"),
        Err(e) => e,
    }
}

fn assert_names(err: &ConfigError, option: &str) {
    assert_eq!(err.option, option, "{err}");
    assert!(
        err.to_string().starts_with(&format!("invalid {option}: ")),
        "{err}"
    );
    assert!(!err.reason.is_empty());
}

// Upstream `test_default_configs`.
#[test]
fn test_default_configs() {
    let c = JwtConfig::default();
    assert_eq!(c.token_location, [TokenLocation::Headers]);
    assert_eq!(c.encode_issuer, None);
    assert_eq!(c.decode_issuer, None);
    assert_eq!(c.header_name, "Authorization");
    assert_eq!(c.header_type, "Bearer");
    assert_eq!(c.query_string_name, "jwt");
    assert_eq!(c.query_string_value_prefix, "");
    assert_eq!(c.access_cookie_name, "access_token_cookie");
    assert_eq!(c.refresh_cookie_name, "refresh_token_cookie");
    assert_eq!(c.access_cookie_path, "/");
    assert_eq!(c.refresh_cookie_path, "/");
    assert!(!c.cookie_secure);
    assert_eq!(c.cookie_domain, None);
    assert!(c.session_cookie);
    assert_eq!(c.cookie_samesite, None);
    assert_eq!(c.json_key, "access_token");
    assert_eq!(c.refresh_json_key, "refresh_token");
    assert!(c.cookie_csrf_protect);
    assert_eq!(
        c.csrf_methods,
        [Method::POST, Method::PUT, Method::PATCH, Method::DELETE]
    );
    assert!(c.csrf_in_cookies);
    assert!(!c.csrf_check_form);
    assert_eq!(c.access_csrf_cookie_name, "csrf_access_token");
    assert_eq!(c.refresh_csrf_cookie_name, "csrf_refresh_token");
    assert_eq!(c.access_csrf_cookie_path, "/");
    assert_eq!(c.refresh_csrf_cookie_path, "/");
    assert_eq!(c.access_csrf_header_name, "X-CSRF-TOKEN");
    assert_eq!(c.refresh_csrf_header_name, "X-CSRF-TOKEN");
    assert_eq!(c.access_csrf_field_name, "csrf_token");
    assert_eq!(c.refresh_csrf_field_name, "csrf_token");
    assert_eq!(c.access_token_expires, Some(Duration::from_secs(15 * 60)));
    assert_eq!(
        c.refresh_token_expires,
        Some(Duration::from_secs(30 * 24 * 3600))
    );
    assert_eq!(c.algorithm, Algorithm::HS256);
    assert_eq!(c.effective_decode_algorithms(), [Algorithm::HS256]);
    assert!(!is_asymmetric(c.algorithm));
    assert_eq!(c.cookie_max_age(), None);
    assert_eq!(c.identity_claim, "sub");
    assert_eq!(c.error_message_key, "msg");
    assert_eq!(c.decode_leeway, Duration::ZERO);
    assert!(c.encode_nbf);
    assert!(c.verify_sub);
    assert_eq!(c.decode_audience, None);
    assert_eq!(c.encode_audience, None);
    assert_eq!(c.secret_key, None);
    assert_eq!(c.private_key, None);
    assert_eq!(c.public_key, None);

    // An empty lookup is the default config.
    assert_eq!(from_pairs(&[]).unwrap(), c);
}

// Upstream `test_override_configs` [relativedelta variant N/A]: every option read from its `JWT_*`
// name.
#[test]
fn test_override_configs() {
    let c = from_pairs(&[
        ("JWT_TOKEN_LOCATION", "cookies, query_string, json"),
        ("JWT_HEADER_NAME", "TestHeader"),
        ("JWT_HEADER_TYPE", "TestType"),
        ("JWT_JSON_KEY", "TestKey"),
        ("JWT_REFRESH_JSON_KEY", "TestRefreshKey"),
        ("JWT_DECODE_ISSUER", "TestDecodeIssuer"),
        ("JWT_ENCODE_ISSUER", "TestEncodeIssuer"),
        ("JWT_QUERY_STRING_NAME", "banana"),
        ("JWT_QUERY_STRING_VALUE_PREFIX", "kiwi"),
        ("JWT_ACCESS_COOKIE_NAME", "new_access_cookie"),
        ("JWT_REFRESH_COOKIE_NAME", "new_refresh_cookie"),
        ("JWT_ACCESS_COOKIE_PATH", "/access/path"),
        ("JWT_REFRESH_COOKIE_PATH", "/refresh/path"),
        ("JWT_COOKIE_SECURE", "true"),
        ("JWT_COOKIE_DOMAIN", ".example.com"),
        ("JWT_SESSION_COOKIE", "false"),
        ("JWT_COOKIE_SAMESITE", "Strict"),
        ("JWT_COOKIE_CSRF_PROTECT", "true"),
        ("JWT_CSRF_METHODS", "GET"),
        ("JWT_CSRF_IN_COOKIES", "false"),
        ("JWT_CSRF_CHECK_FORM", "true"),
        ("JWT_ACCESS_CSRF_COOKIE_NAME", "access_csrf_cookie"),
        ("JWT_REFRESH_CSRF_COOKIE_NAME", "refresh_csrf_cookie"),
        ("JWT_ACCESS_CSRF_COOKIE_PATH", "/csrf/access/path"),
        ("JWT_REFRESH_CSRF_COOKIE_PATH", "/csrf/refresh/path"),
        ("JWT_ACCESS_CSRF_HEADER_NAME", "X-ACCESS-CSRF"),
        ("JWT_REFRESH_CSRF_HEADER_NAME", "X-REFRESH-CSRF"),
        ("JWT_ACCESS_CSRF_FIELD_NAME", "access_field"),
        ("JWT_REFRESH_CSRF_FIELD_NAME", "refresh_field"),
        ("JWT_ACCESS_TOKEN_EXPIRES", "300"),
        ("JWT_REFRESH_TOKEN_EXPIRES", "432000"),
        ("JWT_ALGORITHM", "HS512"),
        ("JWT_DECODE_ALGORITHMS", "HS512, HS256"),
        ("JWT_SECRET_KEY", "foobarbaz"),
        ("JWT_DECODE_AUDIENCE", "aud1, aud2"),
        ("JWT_ENCODE_AUDIENCE", "aud1"),
        ("JWT_DECODE_LEEWAY", "10"),
        ("JWT_ENCODE_NBF", "false"),
        ("JWT_IDENTITY_CLAIM", "foo"),
        ("JWT_VERIFY_SUB", "false"),
        ("JWT_ERROR_MESSAGE_KEY", "message"),
    ])
    .unwrap();

    let s = String::from;
    let expected = JwtConfig {
        token_location: vec![
            TokenLocation::Cookies,
            TokenLocation::QueryString,
            TokenLocation::Json,
        ],
        header_name: s("TestHeader"),
        header_type: s("TestType"),
        json_key: s("TestKey"),
        refresh_json_key: s("TestRefreshKey"),
        decode_issuer: Some(s("TestDecodeIssuer")),
        encode_issuer: Some(s("TestEncodeIssuer")),
        query_string_name: s("banana"),
        query_string_value_prefix: s("kiwi"),
        access_cookie_name: s("new_access_cookie"),
        refresh_cookie_name: s("new_refresh_cookie"),
        access_cookie_path: s("/access/path"),
        refresh_cookie_path: s("/refresh/path"),
        cookie_secure: true,
        cookie_domain: Some(s(".example.com")),
        session_cookie: false,
        cookie_samesite: Some(SameSite::Strict),
        cookie_csrf_protect: true,
        csrf_methods: vec![Method::GET],
        csrf_in_cookies: false,
        csrf_check_form: true,
        access_csrf_cookie_name: s("access_csrf_cookie"),
        refresh_csrf_cookie_name: s("refresh_csrf_cookie"),
        access_csrf_cookie_path: s("/csrf/access/path"),
        refresh_csrf_cookie_path: s("/csrf/refresh/path"),
        access_csrf_header_name: s("X-ACCESS-CSRF"),
        refresh_csrf_header_name: s("X-REFRESH-CSRF"),
        access_csrf_field_name: s("access_field"),
        refresh_csrf_field_name: s("refresh_field"),
        access_token_expires: Some(Duration::from_secs(5 * 60)),
        refresh_token_expires: Some(Duration::from_secs(5 * 24 * 3600)),
        algorithm: Algorithm::HS512,
        decode_algorithms: vec![Algorithm::HS512, Algorithm::HS256],
        secret_key: Some("foobarbaz".into()),
        decode_audience: Some(vec![s("aud1"), s("aud2")]),
        encode_audience: Some(Audience::One(s("aud1"))),
        decode_leeway: Duration::from_secs(10),
        encode_nbf: false,
        identity_claim: s("foo"),
        verify_sub: false,
        error_message_key: s("message"),
        ..JwtConfig::default()
    };
    assert_eq!(c, expected);
    assert_eq!(
        c.effective_decode_algorithms(),
        [Algorithm::HS512, Algorithm::HS256]
    );
    assert_eq!(c.cookie_max_age(), Some(Duration::from_secs(31_540_000)));

    // The manager accepts it and keeps it as given.
    let jwt = JwtManager::new(c.clone()).unwrap();
    assert_eq!(jwt.config(), &c);
    let token = jwt.create_access_token("username").finish().unwrap();
    // The decode issuer differs from the encode issuer...
    let err = jwt.decode_token(&token, false).unwrap_err();
    assert_eq!(err.message(), "Invalid issuer");
    // ...and once they agree, every other option is honoured.
    let jwt = JwtManager::new(JwtConfig {
        decode_issuer: Some("TestEncodeIssuer".into()),
        ..c
    })
    .unwrap();
    let claims = jwt.decode_token(&token, false).unwrap();
    assert_eq!(claims["foo"], "username");
    assert_eq!(claims["aud"], "aud1");
    assert_eq!(
        actix_jwt_extended::get_unverified_jwt_headers(&token)
            .unwrap()
            .alg(),
        Some("HS512")
    );
    assert_eq!(claims["iss"], "TestEncodeIssuer");
    assert!(!claims.contains_key("nbf"));
    assert_eq!(claims.exp(), Some(claims.iat().unwrap() + 300));
}

// The list form of JWT_ENCODE_AUDIENCE, and case-insensitive SameSite values.
#[test]
fn test_override_configs_list_values() {
    let c = from_pairs(&[
        ("JWT_ENCODE_AUDIENCE", "a,b"),
        ("JWT_COOKIE_SAMESITE", "lax"),
        ("JWT_CSRF_METHODS", "post, put"),
    ])
    .unwrap();
    assert_eq!(
        c.encode_audience,
        Some(Audience::Many(vec!["a".into(), "b".into()]))
    );
    assert_eq!(c.cookie_samesite, Some(SameSite::Lax));
    assert_eq!(c.csrf_methods, [Method::POST, Method::PUT]);
    let c = from_pairs(&[("JWT_COOKIE_SAMESITE", "NONE")]).unwrap();
    assert_eq!(c.cookie_samesite, Some(SameSite::None));
}

// Upstream `test_tokens_never_expire`.
#[test]
fn test_tokens_never_expire() {
    let c = from_pairs(&[
        ("JWT_ACCESS_TOKEN_EXPIRES", "false"),
        ("JWT_REFRESH_TOKEN_EXPIRES", "False"),
        ("JWT_SECRET_KEY", "foobarbaz"),
    ])
    .unwrap();
    assert_eq!(c.access_token_expires, None);
    assert_eq!(c.refresh_token_expires, None);

    let jwt = JwtManager::new(c).unwrap();
    for token in [
        jwt.create_access_token("username").finish().unwrap(),
        jwt.create_refresh_token("username").finish().unwrap(),
    ] {
        assert_eq!(jwt.decode_token(&token, false).unwrap().exp(), None);
    }
}

// Upstream `test_tokens_with_int_values`.
#[test]
fn test_tokens_with_int_values() {
    let c = from_pairs(&[
        ("JWT_ACCESS_TOKEN_EXPIRES", "300"),
        ("JWT_REFRESH_TOKEN_EXPIRES", "432000"),
    ])
    .unwrap();
    assert_eq!(c.access_token_expires, Some(Duration::from_secs(5 * 60)));
    assert_eq!(
        c.refresh_token_expires,
        Some(Duration::from_secs(5 * 24 * 3600))
    );
}

// Upstream `test_symmetric_secret_key` [adapt: start-up `ConfigError`; Flask's SECRET_KEY fallback
// is not ported].
#[test]
fn test_symmetric_secret_key() {
    assert!(!is_asymmetric(Algorithm::HS256));

    let err = new_error(JwtConfig::default());
    assert_names(&err, "JWT_SECRET_KEY");
    assert!(err.reason.contains("HS256"), "{err}");

    // One key loader is not enough: both signing and verifying need a key.
    let err = JwtManager::builder(JwtConfig::default())
        .encode_key_loader(|_| EncodingKey::from_secret(b"k").unwrap())
        .build()
        .unwrap_err();
    assert_names(&err, "JWT_SECRET_KEY");

    // Both loaders replace the secret.
    let jwt = JwtManager::builder(JwtConfig::default())
        .encode_key_loader(|_| EncodingKey::from_secret(b"k").unwrap())
        .decode_key_loader(|_, _| actix_jwt_extended::DecodingKey::from_secret(b"k").unwrap())
        .build()
        .unwrap();
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(jwt.decode_token(&token, false).unwrap()["sub"], "username");

    // The secret signs and verifies.
    let jwt = JwtManager::new(support::config()).unwrap();
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(jwt.decode_token(&token, false).unwrap()["sub"], "username");
    let other = support::sign_raw(&serde_json::json!({"sub": "username"}), support::SECRET);
    jwt.decode_token(&other, false).unwrap();
}

// An empty secret is no secret (Python treats "" as unset).
#[test]
fn test_empty_secret_key() {
    let err = new_error(JwtConfig {
        secret_key: Some("".into()),
        ..JwtConfig::default()
    });
    assert_names(&err, "JWT_SECRET_KEY");
    assert_names(&build_error(&[("JWT_SECRET_KEY", "")]), "JWT_SECRET_KEY");
}

// Upstream `test_default_with_asymmetric_secret_key` [adapt: no PEM keys are generated; a value
// that is not PEM is a ConfigError].
#[test]
fn test_default_with_asymmetric_secret_key() {
    let rs256 = JwtConfig {
        algorithm: Algorithm::RS256,
        ..JwtConfig::default()
    };
    assert!(is_asymmetric(rs256.algorithm));

    // No key: an error.
    assert_names(&new_error(rs256.clone()), "JWT_PRIVATE_KEY");

    // The secret key is never used for asymmetric algorithms.
    let with_secret = JwtConfig {
        secret_key: Some("foobarbaz".into()),
        ..rs256.clone()
    };
    let err = new_error(with_secret.clone());
    assert_names(&err, "JWT_PRIVATE_KEY");
    assert!(err.reason.contains("RS256"), "{err}");

    // Upstream's placeholder keys are not PEM: refused at start-up, naming the key.
    let placeholders = JwtConfig {
        public_key: Some("foo2".into()),
        private_key: Some("bar2".into()),
        ..with_secret.clone()
    };
    assert_names(&new_error(placeholders), "JWT_PRIVATE_KEY");
    assert_names(
        &build_error(&[
            ("JWT_ALGORITHM", "RS256"),
            ("JWT_PUBLIC_KEY", "foo2"),
            ("JWT_PRIVATE_KEY", "bar2"),
        ]),
        "JWT_PRIVATE_KEY",
    );

    // With the signing key supplied by a loader, the public key is checked on its own.
    let with_encode_loader = |config: JwtConfig| {
        JwtManager::builder(config)
            .encode_key_loader(|_| EncodingKey::from_secret(b"unused").unwrap())
            .build()
            .unwrap_err()
    };
    assert_names(&with_encode_loader(with_secret.clone()), "JWT_PUBLIC_KEY");
    assert_names(
        &with_encode_loader(JwtConfig {
            public_key: Some("foo2".into()),
            ..with_secret
        }),
        "JWT_PUBLIC_KEY",
    );
}

// Upstream `test_invalid_config_options` [adapt: every invalid value is a ConfigError naming its
// option].
#[test]
fn test_invalid_config_options() {
    // Token locations: empty, unknown names, repeats.
    let err = new_error(JwtConfig {
        token_location: vec![],
        ..support::config()
    });
    assert_names(&err, "JWT_TOKEN_LOCATION");
    assert!(err.reason.contains("at least one"), "{err}");
    for value in [
        "",
        " , ",
        "banana",
        "1",
        "headers,cookies,banana",
        "query-string",
    ] {
        let err = build_error(&[("JWT_SECRET_KEY", "k"), ("JWT_TOKEN_LOCATION", value)]);
        assert_names(&err, "JWT_TOKEN_LOCATION");
    }
    let err = from_pairs(&[("JWT_TOKEN_LOCATION", "banana")]).unwrap_err();
    assert!(err.reason.contains("banana"), "{err}");
    assert_names(
        &new_error(JwtConfig {
            token_location: vec![TokenLocation::Headers, TokenLocation::Headers],
            ..support::config()
        }),
        "JWT_TOKEN_LOCATION",
    );

    // Header name: empty or not a header name.
    for name in ["", "Bad Header", "Bad:Header"] {
        let err = new_error(JwtConfig {
            header_name: name.into(),
            ..support::config()
        });
        assert_names(&err, "JWT_HEADER_NAME");
    }

    // Lifetimes: not a number of seconds (`true` is not `false`).
    for option in ["JWT_ACCESS_TOKEN_EXPIRES", "JWT_REFRESH_TOKEN_EXPIRES"] {
        for value in ["banana", "true", "True", "-5", "1.5", ""] {
            let err = from_pairs(&[(option, value)]).unwrap_err();
            assert_names(&err, option);
        }
    }

    // An empty decode audience would reject every token.
    let err = new_error(JwtConfig {
        decode_audience: Some(vec![]),
        ..support::config()
    });
    assert_names(&err, "JWT_DECODE_AUDIENCE");
    let err = build_error(&[("JWT_SECRET_KEY", "k"), ("JWT_DECODE_AUDIENCE", " ")]);
    assert_names(&err, "JWT_DECODE_AUDIENCE");

    // SameSite, booleans, algorithms, leeway, CSRF methods.
    assert_names(
        &from_pairs(&[("JWT_COOKIE_SAMESITE", "banana")]).unwrap_err(),
        "JWT_COOKIE_SAMESITE",
    );
    for option in [
        "JWT_COOKIE_SECURE",
        "JWT_SESSION_COOKIE",
        "JWT_COOKIE_CSRF_PROTECT",
        "JWT_CSRF_IN_COOKIES",
        "JWT_CSRF_CHECK_FORM",
        "JWT_ENCODE_NBF",
        "JWT_VERIFY_SUB",
    ] {
        assert_names(&from_pairs(&[(option, "maybe")]).unwrap_err(), option);
    }
    assert_names(
        &from_pairs(&[("JWT_ALGORITHM", "HS999")]).unwrap_err(),
        "JWT_ALGORITHM",
    );
    assert_names(
        &from_pairs(&[("JWT_DECODE_ALGORITHMS", "HS256, banana")]).unwrap_err(),
        "JWT_DECODE_ALGORITHMS",
    );
    assert_names(
        &from_pairs(&[("JWT_DECODE_LEEWAY", "soon")]).unwrap_err(),
        "JWT_DECODE_LEEWAY",
    );
    assert_names(
        &from_pairs(&[("JWT_CSRF_METHODS", "POST, NOT A METHOD")]).unwrap_err(),
        "JWT_CSRF_METHODS",
    );

    // Names that cannot be empty.
    for option in [
        "JWT_IDENTITY_CLAIM",
        "JWT_ERROR_MESSAGE_KEY",
        "JWT_ACCESS_COOKIE_NAME",
        "JWT_REFRESH_COOKIE_NAME",
        "JWT_QUERY_STRING_NAME",
        "JWT_JSON_KEY",
        "JWT_REFRESH_JSON_KEY",
    ] {
        let err = build_error(&[("JWT_SECRET_KEY", "k"), (option, "")]);
        assert_names(&err, option);
    }

    // Key files that cannot be read.
    for option in ["JWT_PRIVATE_KEY_FILE", "JWT_PUBLIC_KEY_FILE"] {
        let err = from_pairs(&[(option, "/nonexistent/key.pem")]).unwrap_err();
        assert_names(&err, option);
        let source = std::error::Error::source(&err).expect("the I/O error is the source");
        assert!(
            source.downcast_ref::<std::io::Error>().is_some(),
            "{source:?}"
        );
    }
}

// Upstream `test_jwt_token_locations_config` [tuple/list/set variants N/A: one Vec, order kept].
#[test]
fn test_jwt_token_locations_config() {
    for location in TokenLocation::ALL {
        let c = from_pairs(&[("JWT_TOKEN_LOCATION", location.as_str())]).unwrap();
        assert_eq!(c.token_location, [location]);
        let jwt = JwtManager::new(JwtConfig {
            token_location: vec![location],
            ..support::config()
        })
        .unwrap();
        assert_eq!(jwt.config().token_location, [location]);
    }
    for n in 1..=TokenLocation::ALL.len() {
        let prefix = &TokenLocation::ALL[..n];
        let value = prefix
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let c = from_pairs(&[("JWT_TOKEN_LOCATION", &value), ("JWT_SECRET_KEY", "k")]).unwrap();
        assert_eq!(c.token_location, prefix);
        let jwt = JwtManager::new(c).unwrap();
        assert_eq!(jwt.config().token_location, prefix);
    }
    // Order is kept as given.
    let c = from_pairs(&[("JWT_TOKEN_LOCATION", "json, headers")]).unwrap();
    assert_eq!(
        c.token_location,
        [TokenLocation::Json, TokenLocation::Headers]
    );
}

// Upstream `test_csrf_protect_config`.
#[test]
fn test_csrf_protect_config() {
    for (value, expected) in [("true", true), ("false", false)] {
        let c = from_pairs(&[("JWT_COOKIE_CSRF_PROTECT", value)]).unwrap();
        assert_eq!(c.cookie_csrf_protect, expected);
        let jwt = JwtManager::new(JwtConfig {
            cookie_csrf_protect: expected,
            ..support::config()
        })
        .unwrap();
        assert_eq!(jwt.config().cookie_csrf_protect, expected);
        let token = jwt.create_access_token("username").finish().unwrap();
        let claims = jwt.decode_token(&token, false).unwrap();
        assert_eq!(claims.contains_key("csrf"), expected);
    }
}

// Upstream `test_missing_algorithm_in_decode_algorithms`.
#[test]
fn test_missing_algorithm_in_decode_algorithms() {
    let c = JwtConfig {
        algorithm: Algorithm::RS256,
        decode_algorithms: vec![Algorithm::HS512],
        ..JwtConfig::default()
    };
    assert_eq!(
        c.effective_decode_algorithms(),
        [Algorithm::HS512, Algorithm::RS256]
    );
    let c = from_pairs(&[
        ("JWT_ALGORITHM", "RS256"),
        ("JWT_DECODE_ALGORITHMS", "HS512"),
    ])
    .unwrap();
    assert_eq!(
        c.effective_decode_algorithms(),
        [Algorithm::HS512, Algorithm::RS256]
    );
    // Already listed: not added twice.
    let c = JwtConfig {
        decode_algorithms: vec![Algorithm::HS256, Algorithm::HS512],
        ..JwtConfig::default()
    };
    assert_eq!(
        c.effective_decode_algorithms(),
        [Algorithm::HS256, Algorithm::HS512]
    );
}

/// 100 years of 365.25 days: the longest lifetime or leeway a config may hold.
const CENTURY: Duration = Duration::from_secs(3_155_760_000);

// Security review (issue 12, item 6): no lifetime or leeway may overflow the time arithmetic
// later (`SystemTime + Duration`, Unix seconds in an i64), so anything beyond a century is
// refused at start-up, from the struct or from the environment.
#[test]
fn lifetimes_and_leeway_beyond_a_century_are_config_errors() {
    let too_long = [CENTURY + Duration::from_secs(1), Duration::MAX];
    for duration in too_long {
        let err = new_error(JwtConfig {
            access_token_expires: Some(duration),
            ..support::config()
        });
        assert_names(&err, "JWT_ACCESS_TOKEN_EXPIRES");
        let err = new_error(JwtConfig {
            refresh_token_expires: Some(duration),
            ..support::config()
        });
        assert_names(&err, "JWT_REFRESH_TOKEN_EXPIRES");
        let err = new_error(JwtConfig {
            decode_leeway: duration,
            ..support::config()
        });
        assert_names(&err, "JWT_DECODE_LEEWAY");
    }
    let secret = ("JWT_SECRET_KEY", "k");
    let max = u64::MAX.to_string();
    for option in [
        "JWT_ACCESS_TOKEN_EXPIRES",
        "JWT_REFRESH_TOKEN_EXPIRES",
        "JWT_DECODE_LEEWAY",
    ] {
        assert_names(&build_error(&[secret, (option, &max)]), option);
    }

    // A century itself works, and a token made with it decodes.
    let jwt = JwtManager::new(JwtConfig {
        access_token_expires: Some(CENTURY),
        refresh_token_expires: Some(CENTURY),
        decode_leeway: CENTURY,
        ..support::config()
    })
    .unwrap();
    let token = jwt.create_access_token("ann").finish().unwrap();
    assert_eq!(jwt.decode_token(&token, false).unwrap().sub(), Some("ann"));
    assert_eq!(JwtConfig::MAX_LIFETIME, CENTURY);
}

// Security review (issue 12, item 7): browsers drop a `SameSite=None` cookie that is not
// `Secure`, so that pair would make every cookie login fail silently.
#[test]
fn samesite_none_needs_secure_cookies() {
    let insecure = JwtConfig {
        cookie_samesite: Some(SameSite::None),
        ..support::config()
    };
    assert_names(&new_error(insecure.clone()), "JWT_COOKIE_SAMESITE");
    let err = new_error(JwtConfig {
        token_location: vec![TokenLocation::Cookies],
        ..insecure.clone()
    });
    assert_names(&err, "JWT_COOKIE_SAMESITE");
    assert!(err.reason.contains("JWT_COOKIE_SECURE"), "{err}");
    let err = build_error(&[("JWT_SECRET_KEY", "k"), ("JWT_COOKIE_SAMESITE", "None")]);
    assert_names(&err, "JWT_COOKIE_SAMESITE");

    JwtManager::new(JwtConfig {
        cookie_secure: true,
        ..insecure
    })
    .expect("SameSite=None with Secure");
    for samesite in [None, Some(SameSite::Lax), Some(SameSite::Strict)] {
        JwtManager::new(JwtConfig {
            cookie_samesite: samesite,
            ..support::config()
        })
        .expect("any other SameSite without Secure");
    }
}

// ---- A config file: `JwtConfig` deserialized from Flask's option names ----

fn from_json(json: serde_json::Value) -> Result<JwtConfig, serde_json::Error> {
    serde_json::from_value(json)
}

/// The message of deserializing `json`, which must fail.
fn json_error(json: serde_json::Value) -> String {
    match from_json(json.clone()) {
        Ok(config) => panic!("{json} was accepted: {config:?}"),
        Err(e) => e.to_string(),
    }
}

// A file in Flask's format gives the config the same options give through the environment;
// lists and typed values in the file, comma-separated text in the environment.
#[test]
fn deserialized_json_is_the_config_of_the_same_environment() {
    let file = from_json(serde_json::json!({
        "JWT_SECRET_KEY": "foobarbaz",
        "JWT_ALGORITHM": "HS512",
        "JWT_DECODE_ALGORITHMS": ["HS512", "HS256"],
        "JWT_ACCESS_TOKEN_EXPIRES": 300,
        "JWT_REFRESH_TOKEN_EXPIRES": 432000,
        "JWT_DECODE_LEEWAY": 10,
        "JWT_TOKEN_LOCATION": ["cookies", "query_string", "json"],
        "JWT_COOKIE_SECURE": true,
        "JWT_SESSION_COOKIE": false,
        "JWT_COOKIE_SAMESITE": "Strict",
        "JWT_COOKIE_DOMAIN": ".example.com",
        "JWT_CSRF_METHODS": ["GET", "post"],
        "JWT_DECODE_AUDIENCE": ["aud1", "aud2"],
        "JWT_ENCODE_AUDIENCE": "aud1",
        "JWT_DECODE_ISSUER": "TestDecodeIssuer",
        "JWT_HEADER_TYPE": "",
        "JWT_IDENTITY_CLAIM": "foo",
        "JWT_VERIFY_SUB": false,
    }))
    .unwrap();
    let env = from_pairs(&[
        ("JWT_SECRET_KEY", "foobarbaz"),
        ("JWT_ALGORITHM", "HS512"),
        ("JWT_DECODE_ALGORITHMS", "HS512, HS256"),
        ("JWT_ACCESS_TOKEN_EXPIRES", "300"),
        ("JWT_REFRESH_TOKEN_EXPIRES", "432000"),
        ("JWT_DECODE_LEEWAY", "10"),
        ("JWT_TOKEN_LOCATION", "cookies, query_string, json"),
        ("JWT_COOKIE_SECURE", "true"),
        ("JWT_SESSION_COOKIE", "false"),
        ("JWT_COOKIE_SAMESITE", "Strict"),
        ("JWT_COOKIE_DOMAIN", ".example.com"),
        ("JWT_CSRF_METHODS", "GET, post"),
        ("JWT_DECODE_AUDIENCE", "aud1, aud2"),
        ("JWT_ENCODE_AUDIENCE", "aud1"),
        ("JWT_DECODE_ISSUER", "TestDecodeIssuer"),
        ("JWT_HEADER_TYPE", ""),
        ("JWT_IDENTITY_CLAIM", "foo"),
        ("JWT_VERIFY_SUB", "false"),
    ])
    .unwrap();
    assert_eq!(file, env);
    assert_eq!(file.csrf_methods, [Method::GET, Method::POST]);
    assert_eq!(file.decode_leeway, Duration::from_secs(10));
    JwtManager::new(file).expect("a working config");

    // The environment's text forms are accepted in a file too (config crates hand environment
    // overrides over as strings), and one string is a list of one.
    let text = from_json(serde_json::json!({
        "JWT_ACCESS_TOKEN_EXPIRES": "300",
        "JWT_COOKIE_SECURE": "yes",
        "JWT_TOKEN_LOCATION": "headers, cookies",
        "JWT_DECODE_ALGORITHMS": "HS512",
    }))
    .unwrap();
    assert_eq!(text.access_token_expires, Some(Duration::from_secs(300)));
    assert!(text.cookie_secure);
    assert_eq!(
        text.token_location,
        [TokenLocation::Headers, TokenLocation::Cookies]
    );
    assert_eq!(text.decode_algorithms, [Algorithm::HS512]);
    let one = from_json(serde_json::json!({ "JWT_TOKEN_LOCATION": "cookies" })).unwrap();
    assert_eq!(one.token_location, [TokenLocation::Cookies]);
}

#[test]
fn deserialized_missing_keys_take_flask_defaults() {
    assert_eq!(
        from_json(serde_json::json!({})).unwrap(),
        JwtConfig::default()
    );
    let c = from_json(serde_json::json!({ "JWT_SECRET_KEY": "k" })).unwrap();
    assert_eq!(
        c,
        JwtConfig {
            secret_key: Some("k".into()),
            ..JwtConfig::default()
        }
    );
}

// Upstream `test_tokens_never_expire`, from a file: Flask's `False` is JSON's `false`.
#[test]
fn deserialized_false_never_expires() {
    let c = from_json(serde_json::json!({
        "JWT_ACCESS_TOKEN_EXPIRES": false,
        "JWT_REFRESH_TOKEN_EXPIRES": "False",
        "JWT_SECRET_KEY": "foobarbaz",
    }))
    .unwrap();
    assert_eq!(c.access_token_expires, None);
    assert_eq!(c.refresh_token_expires, None);
    let jwt = JwtManager::new(c).unwrap();
    for token in [
        jwt.create_access_token("username").finish().unwrap(),
        jwt.create_refresh_token("username").finish().unwrap(),
    ] {
        assert_eq!(jwt.decode_token(&token, false).unwrap().exp(), None);
    }

    // `true` and null are not `false`: an empty YAML value must not make tokens immortal.
    for value in [serde_json::json!(true), serde_json::Value::Null] {
        let err = json_error(serde_json::json!({ "JWT_ACCESS_TOKEN_EXPIRES": value }));
        assert!(
            err.starts_with("invalid JWT_ACCESS_TOKEN_EXPIRES: "),
            "{err}"
        );
    }
}

#[test]
fn deserialized_unknown_jwt_key_is_an_error_naming_it() {
    let err = json_error(serde_json::json!({ "JWT_COOKIE_SECUR": true }));
    assert!(
        err.contains("unknown option `JWT_COOKIE_SECUR` (did you mean `JWT_COOKIE_SECURE`?)"),
        "{err}"
    );
    let err = json_error(serde_json::json!({ "jwt_secrt_key": "k" }));
    assert!(err.contains("`jwt_secrt_key`"), "{err}");
    assert!(err.contains("`JWT_SECRET_KEY`"), "{err}");
    // Removed in Flask-JWT-Extended 4: accepting it would suggest revocation is on.
    let err = json_error(serde_json::json!({ "JWT_BLACKLIST_ENABLED": true }));
    assert!(
        err.contains("unknown option `JWT_BLACKLIST_ENABLED`"),
        "{err}"
    );
    assert!(!err.contains("did you mean"), "{err}");
}

// Each bad value is refused with `from_env`'s words for the same text, or names what the option
// takes; always `invalid JWT_...: `, the option first.
#[test]
fn deserialized_bad_value_is_an_error_naming_the_option() {
    for (option, text) in [
        ("JWT_ACCESS_TOKEN_EXPIRES", "soon"),
        ("JWT_DECODE_LEEWAY", "-5"),
        ("JWT_ALGORITHM", "HS999"),
        ("JWT_DECODE_ALGORITHMS", "HS256, banana"),
        ("JWT_TOKEN_LOCATION", "headers, cookie"),
        ("JWT_COOKIE_SAMESITE", "banana"),
        ("JWT_COOKIE_SECURE", "maybe"),
        ("JWT_CSRF_METHODS", "POST, NOT A METHOD"),
        ("JWT_PUBLIC_KEY_FILE", "/nonexistent/key.pem"),
    ] {
        let env = from_pairs(&[(option, text)]).unwrap_err();
        let file = json_error(serde_json::json!({ option: text }));
        assert!(file.starts_with(&env.to_string()), "{file} / {env}");
    }
    for (option, value) in [
        ("JWT_ACCESS_TOKEN_EXPIRES", serde_json::json!(-5)),
        ("JWT_REFRESH_TOKEN_EXPIRES", serde_json::json!(1.5)),
        ("JWT_DECODE_LEEWAY", serde_json::json!(false)),
        ("JWT_COOKIE_SECURE", serde_json::json!(2)),
        ("JWT_COOKIE_SECURE", serde_json::Value::Null),
        (
            "JWT_TOKEN_LOCATION",
            serde_json::json!(["headers", "cookie"]),
        ),
        ("JWT_TOKEN_LOCATION", serde_json::json!({ "headers": true })),
        ("JWT_DECODE_AUDIENCE", serde_json::json!(["aud", 7])),
        ("JWT_ALGORITHM", serde_json::json!(256)),
        ("JWT_HEADER_NAME", serde_json::json!(["Authorization"])),
        ("JWT_COOKIE_SAMESITE", serde_json::json!(false)),
    ] {
        let err = json_error(serde_json::json!({ option: value }));
        assert!(err.starts_with(&format!("invalid {option}: ")), "{err}");
    }
    // A secret of the wrong shape is named by its shape, never quoted.
    let err = json_error(serde_json::json!({ "JWT_SECRET_KEY": 31337 }));
    assert!(err.starts_with("invalid JWT_SECRET_KEY: "), "{err}");
    assert!(!err.contains("31337"), "{err}");
}

// The app's whole config file can be handed over: its own keys, in any shape, are not ours.
#[test]
fn deserialized_non_jwt_keys_are_ignored() {
    let c = from_json(serde_json::json!({
        "SECRET_KEY": "the session secret",
        "secret_key": "the session secret",
        "DATABASE_URL": "postgres://localhost/app",
        "jwt": { "secret_key": "nested" },
        "WORKERS": [1, 2],
        "DEBUG": null,
        "JWT_SECRET_KEY": "token secret",
    }))
    .unwrap();
    assert_eq!(
        c,
        JwtConfig {
            secret_key: Some("token secret".into()),
            ..JwtConfig::default()
        }
    );
}

// Config crates lowercase keys (`config`, figment's `Env`), so case is ignored; then one
// option can be spelt twice, which is refused rather than one silently winning.
#[test]
fn deserialized_keys_ignore_ascii_case_and_may_not_repeat() {
    let c = from_json(serde_json::json!({
        "jwt_secret_key": "k",
        "Jwt_Cookie_Secure": true,
    }))
    .unwrap();
    assert_eq!(c.secret_key, Some("k".into()));
    assert!(c.cookie_secure);
    let err = json_error(serde_json::json!({ "JWT_SECRET_KEY": "a", "jwt_secret_key": "b" }));
    assert!(
        err.contains("option `JWT_SECRET_KEY` is given twice"),
        "{err}"
    );
}

// Null is "none" for the options that may be none; SameSite's "None" is the attribute value.
#[test]
fn deserialized_nulls_strings_and_lists() {
    let c = from_json(serde_json::json!({
        "JWT_COOKIE_SAMESITE": null,
        "JWT_DECODE_AUDIENCE": null,
        "JWT_COOKIE_DOMAIN": null,
        "JWT_SECRET_KEY": null,
    }))
    .unwrap();
    assert_eq!(c, JwtConfig::default());
    let c = from_json(serde_json::json!({
        "JWT_COOKIE_SAMESITE": "None",
        "JWT_DECODE_AUDIENCE": "aud",
        "JWT_ENCODE_AUDIENCE": ["aud"],
    }))
    .unwrap();
    assert_eq!(c.cookie_samesite, Some(SameSite::None));
    assert_eq!(c.decode_audience, Some(vec!["aud".to_owned()]));
    // A list stays a list in the token, as Flask writes what it is given.
    assert_eq!(c.encode_audience, Some(Audience::Many(vec!["aud".into()])));
    let c = from_json(serde_json::json!({ "JWT_ENCODE_AUDIENCE": "aud" })).unwrap();
    assert_eq!(c.encode_audience, Some(Audience::One("aud".into())));
}

// The secret is a `Secret`, redacted as from the environment.
#[test]
fn deserialized_secret_stays_redacted() {
    let c = from_json(serde_json::json!({
        "JWT_SECRET_KEY": "hunter2-hunter2",
        "JWT_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----",
    }))
    .unwrap();
    assert_eq!(c.secret_key.as_ref().unwrap().expose(), b"hunter2-hunter2");
    let debug = format!("{c:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(!debug.contains("BEGIN PRIVATE KEY"), "{debug}");
}

// A key file wins over the inline key wherever the keys are in the file, as in `from_env`.
#[test]
fn deserialized_key_file_wins_over_the_inline_key() {
    let path = std::env::temp_dir().join(format!("jwt-config-{}.pem", std::process::id()));
    std::fs::write(&path, "from the file").unwrap();
    let path = path.to_str().unwrap().to_owned();
    let c = from_json(serde_json::json!({
        "JWT_PUBLIC_KEY_FILE": path,
        "JWT_PUBLIC_KEY": "inline",
    }));
    std::fs::remove_file(&path).unwrap();
    assert_eq!(c.unwrap().public_key.as_deref(), Some("from the file"));
}
