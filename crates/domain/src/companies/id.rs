//! One company, two spellings: 12 characters for the reseller dialect, 24 hex digits for the session
//! dialect. Both name the same 12 bytes.
use std::fmt;

use rand::Rng;
use rand::distributions::Alphanumeric;

/// What was given cannot name a company.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamesNoCompany;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CompanyId([u8; 12]);

impl CompanyId {
    /// A fresh id: 12 random characters from `[0-9A-Za-z]`.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 12];
        for (slot, c) in bytes.iter_mut().zip(rand::thread_rng().sample_iter(&Alphanumeric)) {
            *slot = c;
        }
        Self(bytes)
    }

    /// The reseller spelling: exactly 12 bytes of text. Anything else names no company.
    pub fn from_resource_id(text: &str) -> Option<Self> {
        <[u8; 12]>::try_from(text.as_bytes()).ok().map(Self)
    }

    /// A scoping company as given (blank is none; surrounding spaces are ignored), or `Err` when
    /// what was given cannot name a company.
    pub fn scope_named(raw: Option<&str>) -> Result<Option<Self>, NamesNoCompany> {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(raw) => Self::from_resource_id(raw).map(Some).ok_or(NamesNoCompany),
        }
    }

    /// The session spelling, as the original accepts it: 24 hex digits in any letter case, or any
    /// string of exactly 12 bytes.
    pub fn parse_session_id(text: &str) -> Option<Self> {
        if text.len() == 24 {
            let mut bytes = [0u8; 12];
            if hex::decode_to_slice(text, &mut bytes).is_ok() {
                return Some(Self(bytes));
            }
        }
        Self::from_resource_id(text)
    }

    /// The 12-character spelling, which is also how the database stores ids. `None` when the bytes
    /// are not text (only reachable through a hex id, and then no company can have it).
    pub fn resource_id(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The 24 lowercase hex digits of the session dialect.
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for CompanyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.resource_id() {
            Some(text) => f.write_str(text),
            None => f.write_str(&self.hex()),
        }
    }
}

impl fmt::Debug for CompanyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CompanyId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_name_the_same_bytes() {
        let a = CompanyId::from_resource_id("xC5kfGz7w2Nz").unwrap();
        assert_eq!(a.hex(), "7843356b66477a3777324e7a");
        assert_eq!(CompanyId::parse_session_id("7843356B66477A3777324E7A"), Some(a));
        assert_eq!(CompanyId::parse_session_id("xC5kfGz7w2Nz"), Some(a));
    }

    #[test]
    fn other_lengths_and_non_hex_are_rejected() {
        assert_eq!(CompanyId::parse_session_id("123"), None);
        assert_eq!(CompanyId::parse_session_id("zz43356b66477a3777324e7a"), None);
        assert_eq!(CompanyId::from_resource_id("7843356b66477a3777324e7a"), None);
    }

    #[test]
    fn generated_ids_are_alphanumeric() {
        let id = CompanyId::generate();
        assert!(id.resource_id().unwrap().chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
