mod openapi;
mod reseller_delete;
mod search;
mod session_auth;
mod session_delete;
mod test_app;
mod token;
