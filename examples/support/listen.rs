//! Where an example listens: `127.0.0.1:$PORT`, 5000 by default as with `flask run`.

/// `$PORT`, or 5000; a `PORT` that is not a port number is an error naming it.
pub fn port() -> std::io::Result<u16> {
    match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("PORT={port}: {e}"),
            )
        }),
        Err(_) => Ok(5000),
    }
}
