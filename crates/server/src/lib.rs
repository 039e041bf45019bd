//! The companygate server: settings, start-up, the dialect dispatch, spec export and the demo.
mod access_log;
pub mod application;
pub mod demo;
mod dispatch;
mod health;
mod metrics;
pub mod openapi;
pub mod settings;
pub mod sole_server;

pub use application::Application;
