//! `/metrics` in the Prometheus text format, by metrics-exporter-prometheus: each gateway records
//! into its own recorder (see `companygate_domain::telemetry`), and a scrape first samples the
//! gauges (pool connections, outbox backlog).
use std::sync::Arc;

use companygate_domain::Gateway;
use companygate_domain::telemetry::{Exporter, Telemetry};
use metrics::{Key, KeyName, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use poem::{Endpoint, EndpointExt, Response, handler, web::Data};

/// Latency buckets, in seconds, from half a millisecond to ten seconds.
const BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

struct Prometheus {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Recorder for Prometheus {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.recorder.describe_counter(key, unit, description)
    }
    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.recorder.describe_gauge(key, unit, description)
    }
    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.recorder.describe_histogram(key, unit, description)
    }
    fn register_counter(&self, key: &Key, metadata: &Metadata<'_>) -> metrics::Counter {
        self.recorder.register_counter(key, metadata)
    }
    fn register_gauge(&self, key: &Key, metadata: &Metadata<'_>) -> metrics::Gauge {
        self.recorder.register_gauge(key, metadata)
    }
    fn register_histogram(&self, key: &Key, metadata: &Metadata<'_>) -> metrics::Histogram {
        self.recorder.register_histogram(key, metadata)
    }
}

impl Exporter for Prometheus {
    fn render(&self) -> String {
        // Histograms are folded into their buckets here as well as by the background upkeep.
        self.handle.run_upkeep();
        self.handle.render()
    }

    fn upkeep(&self) {
        self.handle.run_upkeep()
    }
}

/// A new Prometheus recorder for one gateway.
pub fn telemetry() -> Telemetry {
    let recorder = PrometheusBuilder::new().set_buckets(&BUCKETS).expect("buckets are not empty").build_recorder();
    let handle = recorder.handle();
    Telemetry::new(Arc::new(Prometheus { recorder, handle }))
}

#[handler]
async fn render(gateway: Data<&Gateway>) -> Response {
    gateway.sample_gauges().await;
    Response::builder().content_type("text/plain; version=0.0.4").body(gateway.telemetry().render())
}

pub fn endpoint(gateway: Gateway) -> impl Endpoint {
    render.data(gateway)
}
