//! Keeping credentials out of messages: URLs of stores and identity providers may carry a
//! user and password, which must not reach errors, `Debug` output or logs.

/// Where the userinfo (`user:password`) of `url` lies: between the scheme's `://` (or the
/// start) and the last `@`. The last `@`, not the end of the authority, so that a password
/// with an unencoded `/`, `?` or `#` (which also makes the URL unparseable) is covered too.
fn userinfo(url: &str) -> Option<std::ops::Range<usize>> {
    let start = url.find("://").map_or(0, |i| i + 3);
    url[start..].rfind('@').map(|at| start..start + at)
}

/// `url` with its userinfo (`user:password@`) replaced by `***`, fit for errors and logs. Any
/// text is accepted, URL or not; when in doubt it hides more than the userinfo (an `@` in the
/// path or query hides what precedes it).
pub(crate) fn redact_url(url: &str) -> String {
    match userinfo(url) {
        Some(range) => format!("{}***{}", &url[..range.start], &url[range.end..]),
        None => url.to_owned(),
    }
}

/// `text` with the userinfo of `url` replaced by `***` wherever it is quoted as in the URL,
/// followed by its `@` (a bare search for a short user name would garble the text).
pub(crate) fn hide_userinfo(url: &str, text: &str) -> String {
    match userinfo(url) {
        Some(range) if !range.is_empty() => text.replace(&url[range.start..=range.end], "***@"),
        _ => text.to_owned(),
    }
}

/// An error about the service at `url`, as `<url>: <what it said>`, without the password in
/// either part (drivers quote the URL in their messages).
#[cfg(any(feature = "redis", feature = "sqlx-postgres"))]
pub(crate) fn url_error_text(url: &str, error: impl std::fmt::Display) -> String {
    let said = hide_userinfo(url, &error.to_string());
    format!("{}: {said}", redact_url(url))
}

#[cfg(test)]
mod tests {
    use super::{hide_userinfo, redact_url};

    #[test]
    fn redact_url_hides_the_userinfo() {
        for (url, shown) in [
            (
                "https://idp.example/jwks.json",
                "https://idp.example/jwks.json",
            ),
            (
                "https://user:pw@idp.example/jwks.json",
                "https://***@idp.example/jwks.json",
            ),
            (
                "https://token@idp.example:8443/",
                "https://***@idp.example:8443/",
            ),
            ("https://@idp.example/", "https://***@idp.example/"),
            // Unencoded delimiters in the password: the URL does not parse, the error quotes it.
            (
                "https://user:p/a?s#s@word@idp.example/jwks.json",
                "https://***@idp.example/jwks.json",
            ),
            ("user:pw@idp.example/jwks.json", "***@idp.example/jwks.json"),
            (
                "https://ü:pässwörd@idp.example/",
                "https://***@idp.example/",
            ),
            // An `@` past the authority: more is hidden, never less.
            ("https://idp.example/jwks?owner=a@b", "https://***@b"),
            ("", ""),
            ("not a url", "not a url"),
            ("://@", "://***@"),
            ("@", "***@"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn hide_userinfo_scrubs_every_quoted_url() {
        let url = "https://user:pw@idp.example/jwks.json";
        assert_eq!(
            hide_userinfo(
                url,
                "cannot reach user:pw@idp.example, nor user:pw@idp.example"
            ),
            "cannot reach ***@idp.example, nor ***@idp.example"
        );
        assert_eq!(
            hide_userinfo("https://idp.example/", "connection refused"),
            "connection refused"
        );
        // A one-letter user name does not garble the text.
        assert_eq!(
            hide_userinfo(
                "https://a@idp.example/",
                "HTTP status 503 Service Unavailable"
            ),
            "HTTP status 503 Service Unavailable"
        );
        assert_eq!(hide_userinfo("https://@idp.example/", "a@b"), "a@b");
    }
}
