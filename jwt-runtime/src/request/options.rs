//! The options of a protected route, Flask's `@jwt_required(...)` keyword arguments, and the
//! route's own list of token locations.

use crate::foundation::config::{JwtConfig, TokenLocation};

/// The options of `@jwt_required(...)` / `verify_jwt_in_request(...)`, same names and defaults.
///
/// Built with its methods, each named after Flask's keyword argument; read back with the
/// `is_` methods.
///
/// ```
/// use actix_jwt_extended::{TokenLocation, VerifyOptions};
/// let options = VerifyOptions::new().fresh().locations(&[TokenLocation::Cookies]);
/// assert!(options.is_fresh() && options.is_type_verified());
/// assert_eq!(options.route_locations(), Some(&[TokenLocation::Cookies][..]));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    /// Let requests without any token through (the handler sees no claims).
    pub(crate) optional: bool,
    /// Require a fresh access token.
    pub(crate) fresh: bool,
    /// Require a refresh token instead of an access token.
    pub(crate) refresh: bool,
    /// Where to look; `None` = `JWT_TOKEN_LOCATION`.
    pub(crate) locations: Option<LocationList>,
    /// Check the token's type (access vs refresh).
    pub(crate) verify_type: bool,
    /// Do not ask the blocklist whether the token is revoked.
    pub(crate) skip_revocation_check: bool,
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

    /// Lets a request without any token through (`optional=True`): the handler then sees no
    /// claims. An invalid token is still refused.
    pub const fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Requires a fresh access token (`fresh=True`).
    pub const fn fresh(mut self) -> Self {
        self.fresh = true;
        self
    }

    /// Requires a refresh token instead of an access token (`refresh=True`).
    pub const fn refresh(mut self) -> Self {
        self.refresh = true;
        self
    }

    /// Searches these locations, in order, instead of `JWT_TOKEN_LOCATION` (a location listed
    /// twice counts once; an empty list means `JWT_TOKEN_LOCATION`).
    pub const fn locations(mut self, locations: &[TokenLocation]) -> Self {
        self.locations = LocationList::new(locations);
        self
    }

    /// Whether the token's type is checked (`verify_type`, on by default): off, an access or a
    /// refresh token passes alike.
    pub const fn verify_type(mut self, verify_type: bool) -> Self {
        self.verify_type = verify_type;
        self
    }

    /// Does not ask the blocklist whether the token is revoked (`skip_revocation_check=True`).
    pub const fn skip_revocation_check(mut self) -> Self {
        self.skip_revocation_check = true;
        self
    }

    /// Whether a request without any token is let through (`optional`).
    pub const fn is_optional(&self) -> bool {
        self.optional
    }

    /// Whether a fresh access token is required (`fresh`).
    pub const fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// Whether a refresh token is required instead of an access token (`refresh`).
    pub const fn is_refresh(&self) -> bool {
        self.refresh
    }

    /// Whether the token's type is checked (`verify_type`).
    pub const fn is_type_verified(&self) -> bool {
        self.verify_type
    }

    /// Whether the blocklist is skipped (`skip_revocation_check`).
    pub const fn is_revocation_check_skipped(&self) -> bool {
        self.skip_revocation_check
    }

    /// The route's own locations, in order; `None` when `JWT_TOKEN_LOCATION` applies.
    pub fn route_locations(&self) -> Option<&[TokenLocation]> {
        self.locations.as_ref().map(LocationList::as_slice)
    }

    /// The locations to search, in order: the route's own, else `JWT_TOKEN_LOCATION`.
    pub(crate) fn searched<'a>(&'a self, config: &'a JwtConfig) -> &'a [TokenLocation] {
        match &self.locations {
            Some(list) => list.as_slice(),
            None => &config.token_location,
        }
    }
}

/// A route's own list of token locations: at most the four, in order, each once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LocationList {
    items: [TokenLocation; 4],
    len: u8,
}

impl LocationList {
    const EMPTY: Self = Self {
        items: [TokenLocation::Headers; 4],
        len: 0,
    };

    /// The list of `locations` without repeats; `None` when empty.
    pub const fn new(locations: &[TokenLocation]) -> Option<Self> {
        let mut list = Self::EMPTY;
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

/// The options as one number: what `#[jwt_required]` gives its hidden argument as a const
/// parameter, since a const parameter cannot be a struct. The macro writes the options as
/// [`VerifyOptions`] method calls and leaves the numbers to this pair of functions.
///
/// Bits 0 to 4 are the flags `optional`, `fresh`, `refresh`, `verify_type = false` and
/// `skip_revocation_check`; from bit 8, three bits per location of the route's own list,
/// first location lowest, each its place in [`TokenLocation::ALL`] plus one; 0 ends the list.
pub const fn options_to_bits(options: VerifyOptions) -> u32 {
    let flags = options.optional as u32
        | (options.fresh as u32) << 1
        | (options.refresh as u32) << 2
        | (!options.verify_type as u32) << 3
        | (options.skip_revocation_check as u32) << 4;
    let mut locations = 0;
    if let Some(list) = options.locations {
        let mut i = list.len as usize;
        while i > 0 {
            i -= 1;
            locations = locations << LOCATION_BITS | (list.items[i] as u32 + 1);
        }
    }
    flags | locations << LOCATIONS_FROM
}

/// The options [`options_to_bits`] made `bits` of.
pub const fn options_from_bits(bits: u32) -> VerifyOptions {
    let mut list = LocationList::EMPTY;
    let mut packed = bits >> LOCATIONS_FROM;
    while packed != 0 {
        let code = (packed & ((1 << LOCATION_BITS) - 1)) as usize;
        if code == 0 || code > TokenLocation::ALL.len() {
            break;
        }
        list = list.with(TokenLocation::ALL[code - 1]);
        packed >>= LOCATION_BITS;
    }
    VerifyOptions {
        optional: bits & 1 != 0,
        fresh: bits & 1 << 1 != 0,
        refresh: bits & 1 << 2 != 0,
        verify_type: bits & 1 << 3 == 0,
        skip_revocation_check: bits & 1 << 4 != 0,
        locations: if list.len == 0 { None } else { Some(list) },
    }
}

const LOCATIONS_FROM: u32 = 8;
const LOCATION_BITS: u32 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: VerifyOptions, b: VerifyOptions) -> bool {
        (
            a.optional,
            a.fresh,
            a.refresh,
            a.verify_type,
            a.skip_revocation_check,
            a.locations,
        ) == (
            b.optional,
            b.fresh,
            b.refresh,
            b.verify_type,
            b.skip_revocation_check,
            b.locations,
        )
    }

    #[test]
    fn every_option_survives_the_bits() {
        use TokenLocation::*;
        let lists: [&[TokenLocation]; 5] = [
            &[],
            &[Json],
            &[Cookies, Headers],
            &[Json, QueryString, Cookies, Headers],
            &TokenLocation::ALL,
        ];
        for flags in 0..32u32 {
            for list in lists {
                let mut options = VerifyOptions::new()
                    .verify_type(flags & 8 == 0)
                    .locations(list);
                options.optional = flags & 1 != 0;
                options.fresh = flags & 2 != 0;
                options.refresh = flags & 4 != 0;
                options.skip_revocation_check = flags & 16 != 0;
                let decoded = options_from_bits(options_to_bits(options));
                assert!(same(options, decoded), "{options:?} became {decoded:?}");
            }
        }
        assert_eq!(options_to_bits(VerifyOptions::new()), 0);
    }

    #[test]
    fn location_list_keeps_order_and_drops_repeats() {
        use TokenLocation::*;
        let list = LocationList::new(&[Cookies, Headers, Cookies]).unwrap();
        assert_eq!(list.as_slice(), [Cookies, Headers]);
        assert!(LocationList::new(&[]).is_none());
    }
}
