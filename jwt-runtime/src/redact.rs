//! Keeping credentials out of messages: URLs of stores and identity providers may carry a
//! user and password, which must not reach errors, `Debug` output or logs.

use std::borrow::Cow;

/// `url` with the userinfo of its authority (`user:password@`) replaced by `***@`; any other
/// text unchanged.
///
/// ```text
/// redis://:hunter2@cache:6379/0  →  redis://***@cache:6379/0
/// ```
pub(crate) fn redact_url(url: &str) -> Cow<'_, str> {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return Cow::Borrowed(url);
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => Cow::Owned(format!("{}***{}", &url[..scheme_end], &rest[at..])),
        None => Cow::Borrowed(url),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn userinfo_is_redacted_and_nothing_else() {
        let cases = [
            ("redis://:hunter2@cache:6379/0", "redis://***@cache:6379/0"),
            ("rediss://user:pw@host", "rediss://***@host"),
            (
                "https://ann:p%40ss@idp.example/jwks?x=a@b",
                "https://***@idp.example/jwks?x=a@b",
            ),
            ("https://idp.example/a@b", "https://idp.example/a@b"),
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
            ("not a url", "not a url"),
            ("unix:///tmp/redis.sock", "unix:///tmp/redis.sock"),
        ];
        for (url, redacted) in cases {
            assert_eq!(redact_url(url), redacted, "{url}");
        }
    }
}
