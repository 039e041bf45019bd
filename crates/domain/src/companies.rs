//! Companies: their ids, reading one (a profile, a record, its licence and logo), writing one
//! (create, replace, block, disable) and the target-user counts kept on each.
mod id;
pub mod profile;
pub mod record;
pub mod state;
pub(crate) mod target_user_counts;
pub mod writes;

pub use id::CompanyId;
