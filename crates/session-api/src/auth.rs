//! `/auth/login` and `/auth/me`: sessions as the original's clients see them.

use companygate_domain::Gateway;
use companygate_domain::rate_limit::Limit;
use companygate_domain::sessions::LoginError;
use poem::Request;
use poem::web::Data;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use crate::ApiTags;
use crate::body::JsonBody;
use crate::caller::{self, SessionCookie, clear_session_cookie, session_cookie, set_session_cookie};
use crate::documents::CompanyDoc;
use crate::error::{ErrorBody, SessionError};
use crate::validation::Checks;

#[derive(Object, Debug)]
#[oai(example)]
pub struct LoginBody {
    pub email: poem_openapi::types::Email,
    pub password: String,
}

impl poem_openapi::types::Example for LoginBody {
    fn example() -> Self {
        Self { email: poem_openapi::types::Email("company1@email.com".into()), password: "password123".into() }
    }
}

/// An empty JSON object.
#[derive(Object, Debug, Default)]
pub struct Empty {}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct Me {
    pub email: String,
    pub is_admin: bool,
    /// The account's company; absent for an admin, as upstream.
    #[oai(skip_serializing_if_is_none)]
    pub company: Option<CompanyDoc>,
}

#[derive(Object, Debug)]
pub struct MeBody {
    pub data: Me,
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "LoginResponse::from_request_error")]
pub enum LoginResponse {
    /// Logged in; the `connect.sid` cookie carries the session.
    #[oai(status = 200)]
    Ok(Json<Empty>),
    /// The body is not valid JSON.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Wrong e-mail or password: the plain text `Unauthorized`.
    #[oai(status = 401)]
    Unauthorized(PlainText<String>),
    /// Validation failed (`required`, `must-be-string`, `must-be-a-valid-email`).
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Too many attempts from this address or for this e-mail; `Retry-After` says when to retry.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// Unexpected failure.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// The database is unreachable or the gateway overloaded (`service-unavailable`);
    /// `Retry-After` says when to try again.
    #[oai(status = 503)]
    ServiceUnavailable(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

impl LoginResponse {
    fn slow_down(after: u64) -> Self {
        Self::TooManyRequests(Json(SessionError::too_many_requests(after).body), after)
    }

    fn from_request_error(err: poem::Error) -> Self {
        Self::from(SessionError::from_poem(&err))
    }
}

impl From<SessionError> for LoginResponse {
    fn from(e: SessionError) -> Self {
        match e.status.as_u16() {
            400 => Self::BadRequest(Json(e.body)),
            422 => Self::Unprocessable(Json(e.body)),
            503 => Self::ServiceUnavailable(Json(e.body), e.retry_after.unwrap_or_default()),
            _ => Self::Internal(Json(e.body)),
        }
    }
}

crate::session_response!(LogoutResponse, Empty, []);
crate::session_response!(MeResponse, MeBody, [Unauthorized]);

/// Checks the login body, listing every failing field.
fn validate_login(body: &Value) -> Result<(String, String), SessionError> {
    let mut checks = Checks::new("body");
    let email = checks.string(body, "email").and_then(|raw| {
        let email = raw.trim();
        if email_address::EmailAddress::is_valid(email) {
            Some(email.to_lowercase())
        } else {
            checks.fail("email", "must-be-a-valid-email", body.get("email"));
            None
        }
    });
    let password = checks.string(body, "password").map(str::to_owned);
    checks.finish(email.zip(password))
}

pub struct AuthApi;

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Log in
    ///
    /// Checks e-mail and password and opens a session carried by the `connect.sid` cookie. Any
    /// session the client already had is closed first.
    #[oai(path = "/auth/login", method = "post", operation_id = "login")]
    async fn login(&self, req: &Request, gateway: Data<&Gateway>, body: JsonBody<LoginBody, true>) -> LoginResponse {
        if let Some(ip) = crate::caller::caller_address(req)
            && let Err(limited) = gateway.rate_limit(Limit::LoginPerIp, &ip.to_string()).await
        {
            return LoginResponse::slow_down(limited.retry_after);
        }
        let (email, password) = match validate_login(&body.value) {
            Ok(v) => v,
            Err(e) => return e.into(),
        };
        // Counted before the password is checked, so guessing one account's password is throttled.
        if let Err(limited) = gateway.rate_limit(Limit::LoginPerEmail, &email).await {
            return LoginResponse::slow_down(limited.retry_after);
        }
        match gateway.login(&email, &password, session_cookie(req).as_deref()).await {
            Ok(cookie) => {
                set_session_cookie(req, &cookie);
                LoginResponse::Ok(Json(Empty {}))
            }
            Err(LoginError::BadCredentials) => LoginResponse::Unauthorized(PlainText("Unauthorized".into())),
            Err(LoginError::Overloaded(cause)) => SessionError::overloaded(cause).into(),
            Err(LoginError::Database(cause)) => SessionError::database(cause).into(),
        }
    }

    /// Log out
    ///
    /// Closes the session, if there is one. Always succeeds.
    #[oai(path = "/auth/login", method = "delete", operation_id = "logout")]
    async fn logout(&self, req: &Request, gateway: Data<&Gateway>) -> LogoutResponse {
        let result = async {
            if let Some(cookie) = session_cookie(req) {
                gateway.logout(&cookie).await.map_err(SessionError::database)?;
            }
            clear_session_cookie(req);
            Ok(Empty {})
        };
        result.await.into()
    }

    /// Who am I
    ///
    /// The logged-in account: e-mail, whether it is an admin, and its company.
    #[oai(path = "/auth/me", method = "get", operation_id = "me")]
    async fn me(&self, req: &Request, _cookie: SessionCookie, gateway: Data<&Gateway>) -> MeResponse {
        let result = async {
            let caller = caller::identify_get(req, &gateway, None, None).await?;
            let session = caller.session.ok_or_else(SessionError::login_required)?;
            Ok(MeBody {
                data: Me {
                    email: session.account.email.clone(),
                    is_admin: session.account.is_admin,
                    company: session.company.as_ref().map(CompanyDoc::from),
                },
            })
        };
        result.await.into()
    }
}
