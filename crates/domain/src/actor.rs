//! Who is asking. Adapters turn a bearer token, a cookie or a god token into an `Actor`; every core
//! operation takes one and decides what it may do.
use crate::CompanyId;

/// The role an API client carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientRole {
    Reseller,
    CompanyAdmin,
}

impl ClientRole {
    /// Every role; a role stored as anything else is no role.
    pub const ALL: [ClientRole; 2] = [Self::Reseller, Self::CompanyAdmin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reseller => "Reseller",
            Self::CompanyAdmin => "Company Admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// Nobody authenticated.
    Anonymous,
    /// An OAuth2 client of the reseller dialect, acting for its company.
    Client { client: i32, client_id: String, company: CompanyId, role: ClientRole },
    /// A logged-in account of the session dialect; admins have no company.
    Account { account: i32, company: Option<CompanyId>, is_admin: bool },
    /// A request that carried the configured god token.
    God,
}

impl Actor {
    /// A logged-in admin account (admins have no company).
    pub fn is_admin_account(&self) -> bool {
        matches!(self, Self::Account { is_admin: true, company: None, .. })
    }

    /// Admin privileges: the god token, or an admin account.
    pub fn has_admin_privileges(&self) -> bool {
        matches!(self, Self::God) || self.is_admin_account()
    }

    /// A company account of exactly this company.
    pub fn is_account_of(&self, id: CompanyId) -> bool {
        matches!(self, Self::Account { company: Some(own), .. } if *own == id)
    }

    /// How the actor appears in receipts and logs: ids only, never names, e-mails or secrets.
    pub fn audit_name(&self) -> String {
        match self {
            Self::Anonymous => "anonymous".into(),
            Self::Client { client_id, .. } => format!("api-client:{client_id}"),
            Self::Account { account, .. } => format!("account:{account}"),
            Self::God => "god".into(),
        }
    }
}
