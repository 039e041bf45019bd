//! The companygate server: settings, start-up, the dialect dispatch, spec export and the demo.
pub mod application;
pub mod demo;
mod dispatch;
mod metrics;
pub mod openapi;
pub mod settings;

pub use application::Application;
