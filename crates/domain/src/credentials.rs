//! Credentials: API clients and their secrets, access tokens (issue, verification, revocation),
//! password and secret hashing, and the cache of verified secrets.
pub mod clients;
pub mod passwords;
pub mod tokens;
pub(crate) mod verified_secrets;
