//! Credentials: API clients and their secrets, access tokens (issue, verification, revocation),
//! password and secret hashing, and the cache of verified secrets.
pub mod clients;
pub mod passwords;
pub(crate) mod token_rows;
pub mod tokens;
pub(crate) mod verified_secrets;
