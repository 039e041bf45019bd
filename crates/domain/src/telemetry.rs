//! What the gateway counts, through the `metrics` facade, into the recorder the server gives it
//! (each gateway its own, so two in one process, as in tests, never mix their figures). Without
//! one, nothing is recorded. Names and labels are listed in the README.
use std::sync::Arc;

use metrics::{Key, KeyName, Metadata, Recorder, SharedString, Unit};

/// A recorder that can also render what it holds (the server's Prometheus exporter).
pub trait Exporter: Recorder + Send + Sync {
    fn render(&self) -> String;
    /// Folds what was recorded since into the exporter's state, so that memory stays bounded
    /// between scrapes; called every few seconds.
    fn upkeep(&self) {}
}

struct Nothing;

impl Recorder for Nothing {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> metrics::Counter {
        metrics::Counter::noop()
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> metrics::Histogram {
        metrics::Histogram::noop()
    }
}

impl Exporter for Nothing {
    fn render(&self) -> String {
        String::new()
    }
}

/// Labels of one figure: (name, value).
pub type Labels<'a> = &'a [(&'static str, &'a str)];

#[derive(Clone)]
pub struct Telemetry(Arc<dyn Exporter>);

impl Default for Telemetry {
    fn default() -> Self {
        Self(Arc::new(Nothing))
    }
}

fn owned(labels: Labels<'_>) -> Vec<metrics::Label> {
    labels.iter().map(|(k, v)| metrics::Label::new(*k, v.to_string())).collect()
}

impl Telemetry {
    pub fn new(exporter: Arc<dyn Exporter>) -> Self {
        Self(exporter)
    }

    /// Adds `n` to a counter.
    pub fn count(&self, name: &'static str, labels: Labels<'_>, n: u64) {
        metrics::with_local_recorder(self.0.as_ref(), || metrics::counter!(name, owned(labels)).increment(n));
    }

    /// Sets a gauge.
    pub fn set(&self, name: &'static str, labels: Labels<'_>, value: f64) {
        metrics::with_local_recorder(self.0.as_ref(), || metrics::gauge!(name, owned(labels)).set(value));
    }

    /// Records one observation of a histogram.
    pub fn observe(&self, name: &'static str, labels: Labels<'_>, value: f64) {
        metrics::with_local_recorder(self.0.as_ref(), || metrics::histogram!(name, owned(labels)).record(value));
    }

    /// Everything recorded so far, in the exporter's format.
    pub fn render(&self) -> String {
        self.0.render()
    }

    /// See [`Exporter::upkeep`].
    pub fn upkeep(&self) {
        self.0.upkeep()
    }
}
