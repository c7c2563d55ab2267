//! The options of a protected route, Flask's `@jwt_required(...)` keyword arguments, and the
//! route's own list of token locations.

use crate::foundation::config::{JwtConfig, TokenLocation};

/// The options of `@jwt_required(...)` / `verify_jwt_in_request(...)`, same names and defaults.
///
/// ```
/// use actix_jwt_extended_runtime::{TokenLocation, VerifyOptions};
/// let options = VerifyOptions::new().fresh().locations(&[TokenLocation::Cookies]);
/// assert!(options.fresh && options.verify_type);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    /// Let requests without any token through (the handler sees no claims).
    pub optional: bool,
    /// Require a fresh access token.
    pub fresh: bool,
    /// Require a refresh token instead of an access token.
    pub refresh: bool,
    /// Where to look; `None` = `JWT_TOKEN_LOCATION`.
    pub locations: Option<LocationList>,
    /// Check the token's type (access vs refresh).
    pub verify_type: bool,
    /// Do not ask the blocklist whether the token is revoked.
    pub skip_revocation_check: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl VerifyOptions {
    /// Flask's defaults: a required, non-fresh access token from the configured locations.
    pub const fn new() -> Self {
        Self {
            optional: false,
            fresh: false,
            refresh: false,
            locations: None,
            verify_type: true,
            skip_revocation_check: false,
        }
    }

    /// Sets `optional`.
    pub const fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Sets `fresh`.
    pub const fn fresh(mut self) -> Self {
        self.fresh = true;
        self
    }

    /// Sets `refresh`.
    pub const fn refresh(mut self) -> Self {
        self.refresh = true;
        self
    }

    /// Sets the locations to search, in order (a location listed twice counts once; an empty
    /// list means `JWT_TOKEN_LOCATION`).
    pub const fn locations(mut self, locations: &[TokenLocation]) -> Self {
        self.locations = LocationList::new(locations);
        self
    }

    /// Sets `verify_type`.
    pub const fn verify_type(mut self, verify_type: bool) -> Self {
        self.verify_type = verify_type;
        self
    }

    /// Sets `skip_revocation_check`.
    pub const fn skip_revocation_check(mut self) -> Self {
        self.skip_revocation_check = true;
        self
    }

    /// The locations to search, in order: the route's own, else `JWT_TOKEN_LOCATION`.
    pub(crate) fn searched<'a>(&'a self, config: &'a JwtConfig) -> &'a [TokenLocation] {
        match &self.locations {
            Some(list) => list.as_slice(),
            None => &config.token_location,
        }
    }

    /// The options `#[jwt_required]` encodes in its hidden argument's const parameters:
    /// flag bits, and the locations packed three bits each (first in the lowest bits).
    /// Not public API: the encoding may change with the macro.
    #[doc(hidden)]
    pub const fn from_bits(flags: u8, packed_locations: u16) -> Self {
        Self {
            optional: flags & FLAG_OPTIONAL != 0,
            fresh: flags & FLAG_FRESH != 0,
            refresh: flags & FLAG_REFRESH != 0,
            locations: LocationList::from_packed(packed_locations),
            verify_type: flags & FLAG_NO_VERIFY_TYPE == 0,
            skip_revocation_check: flags & FLAG_SKIP_REVOCATION != 0,
        }
    }
}

/// Flag bit of [`VerifyOptions::from_bits`]: `optional`.
pub const FLAG_OPTIONAL: u8 = 1;
/// Flag bit: `fresh`.
pub const FLAG_FRESH: u8 = 2;
/// Flag bit: `refresh`.
pub const FLAG_REFRESH: u8 = 4;
/// Flag bit: `verify_type = false`.
pub const FLAG_NO_VERIFY_TYPE: u8 = 8;
/// Flag bit: `skip_revocation_check`.
pub const FLAG_SKIP_REVOCATION: u8 = 16;

/// A route's own list of token locations: at most the four, in order, each once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocationList {
    items: [TokenLocation; 4],
    len: u8,
}

impl LocationList {
    /// The list of `locations` without repeats; `None` when empty.
    pub const fn new(locations: &[TokenLocation]) -> Option<Self> {
        let mut list = Self {
            items: [TokenLocation::Headers; 4],
            len: 0,
        };
        let mut i = 0;
        while i < locations.len() {
            list = list.with(locations[i]);
            i += 1;
        }
        if list.len == 0 {
            None
        } else {
            Some(list)
        }
    }

    #[doc(hidden)]
    /// Unpacks three bits per location (1 headers, 2 cookies, 3 query_string, 4 json), first
    /// location in the lowest bits, until a zero; `None` when `packed` is zero.
    pub const fn from_packed(mut packed: u16) -> Option<Self> {
        let mut list = Self {
            items: [TokenLocation::Headers; 4],
            len: 0,
        };
        while packed != 0 {
            let location = match packed & 0b111 {
                0 => break,
                1 => TokenLocation::Headers,
                2 => TokenLocation::Cookies,
                3 => TokenLocation::QueryString,
                _ => TokenLocation::Json,
            };
            list = list.with(location);
            packed >>= 3;
        }
        if list.len == 0 {
            None
        } else {
            Some(list)
        }
    }

    const fn with(mut self, location: TokenLocation) -> Self {
        let mut i = 0;
        while i < self.len as usize {
            if self.items[i] as u8 == location as u8 {
                return self;
            }
            i += 1;
        }
        if (self.len as usize) < self.items.len() {
            self.items[self.len as usize] = location;
            self.len += 1;
        }
        self
    }

    /// The locations, in search order.
    pub fn as_slice(&self) -> &[TokenLocation] {
        &self.items[..self.len as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The numbers `#[jwt_required]` writes (jwt-macros/src/jwt_required/expand.rs) must mean
    // the same here.
    #[test]
    fn from_bits_reads_the_macro_encoding() {
        let options = VerifyOptions::from_bits(FLAG_OPTIONAL | FLAG_NO_VERIFY_TYPE, 1 << 3 | 4);
        assert!(options.optional && !options.verify_type);
        assert!(!options.fresh && !options.refresh && !options.skip_revocation_check);
        assert_eq!(
            options.locations.unwrap().as_slice(),
            [TokenLocation::Json, TokenLocation::Headers]
        );
        let options = VerifyOptions::from_bits(FLAG_FRESH | FLAG_SKIP_REVOCATION, 0);
        assert!(options.fresh && options.skip_revocation_check && options.verify_type);
        assert!(options.locations.is_none());
        let all = VerifyOptions::from_bits(FLAG_REFRESH, 4 << 9 | 3 << 6 | 2 << 3 | 1);
        assert_eq!(all.locations.unwrap().as_slice(), TokenLocation::ALL);
    }

    #[test]
    fn location_list_keeps_order_and_drops_repeats() {
        use TokenLocation::*;
        let list = LocationList::new(&[Cookies, Headers, Cookies]).unwrap();
        assert_eq!(list.as_slice(), [Cookies, Headers]);
        assert!(LocationList::new(&[]).is_none());
    }
}
