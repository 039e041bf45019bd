//! What a scoped list call sends (the scoping company as the client gave it, and the body as the
//! adapter read it), and the first checks every such call applies, in one order: the scope's
//! spelling, then the body. The operation's own checks (role, the scope's existence and
//! management, its input's problems) follow in the operation.
use crate::CompanyId;

/// A body the adapter could not read into an operation's input: the reasons, in the adapter's
/// words; the core only places the refusal among the operation's checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable(pub Vec<String>);

/// A scoped call's request: the scope as given (header or query; blank is none) and the input.
#[derive(Debug)]
pub struct Scoped<'a, T> {
    pub scope: Option<&'a str>,
    pub input: Result<T, Unreadable>,
}

/// Why a scoped call stops before its own checks.
#[derive(Debug)]
pub(crate) enum ScopedRefusal {
    /// The scope cannot name a company.
    ScopeNotFound,
    Unreadable(Unreadable),
}

impl<'a, T> Scoped<'a, T> {
    pub fn new(scope: Option<&'a str>, input: Result<T, Unreadable>) -> Self {
        Self { scope, input }
    }

    /// The scope's spelling, then the body.
    pub(crate) fn read(self) -> Result<(Option<CompanyId>, T), ScopedRefusal> {
        let scope = CompanyId::scope_named(self.scope).map_err(|_| ScopedRefusal::ScopeNotFound)?;
        let input = self.input.map_err(ScopedRefusal::Unreadable)?;
        Ok((scope, input))
    }
}
