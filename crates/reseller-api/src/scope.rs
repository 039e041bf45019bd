//! `X-KEEPNET-Company-Id` (or `?companyId=`): narrows a list call to one managed company.

/// The scoping company as the client gave it, header first (the core reads its spelling, in its
/// place among the operation's checks).
pub fn given(header: Option<String>, query: Option<String>) -> Option<String> {
    header.or(query)
}
