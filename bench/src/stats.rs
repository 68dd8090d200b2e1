//! Figures: percentiles over collected latencies and the reports each scenario prints.
//!
//! Latencies are kept as raw microsecond samples (4 bytes each) and sorted once at the end, so
//! the percentiles are exact (nearest rank) rather than bucketed; a million deliveries cost 4 MB.

use std::fmt::Write as _;

use serde::Serialize;

/// Nearest-rank percentiles of a set of latency samples, in microseconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50_us: u32,
    pub p90_us: u32,
    pub p99_us: u32,
    pub max_us: u32,
    pub mean_us: f64,
}

impl Percentiles {
    pub fn from_samples(mut samples: Vec<u32>) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        samples.sort_unstable();
        let sum: u64 = samples.iter().map(|&s| u64::from(s)).sum();
        Self {
            count: samples.len(),
            p50_us: nearest_rank(&samples, 0.50),
            p90_us: nearest_rank(&samples, 0.90),
            p99_us: nearest_rank(&samples, 0.99),
            max_us: samples[samples.len() - 1],
            mean_us: sum as f64 / samples.len() as f64,
        }
    }

    /// `p50 0.41 ms, p90 …` for the human report.
    pub fn human(&self) -> String {
        if self.count == 0 {
            return "no samples".to_owned();
        }
        format!(
            "p50 {} ms, p90 {} ms, p99 {} ms, max {} ms ({} samples)",
            ms(self.p50_us),
            ms(self.p90_us),
            ms(self.p99_us),
            ms(self.max_us),
            self.count
        )
    }
}

/// The smallest sample with at least `p` of all samples at or below it. `sorted` is not empty.
fn nearest_rank(sorted: &[u32], p: f64) -> u32 {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(us: u32) -> String {
    format!("{:.2}", f64::from(us) / 1000.0)
}

/// What `group`, `dm` and `latency` measure.
#[derive(Clone, Debug, Serialize)]
pub struct TrafficReport {
    pub scenario: &'static str,
    pub sockets: usize,
    pub senders: usize,
    pub conversations: usize,
    pub messages_sent: u64,
    pub acks: u64,
    /// Sends answered with an `error` frame.
    pub failures: u64,
    /// `message.created` events received, over all sockets.
    pub deliveries: u64,
    /// Messages acknowledged × members of their conversation (the sender's own sockets included).
    pub deliveries_expected: u64,
    pub resyncs: u64,
    /// Target send rate in messages/s over all senders; 0 = as fast as the window allows.
    pub target_rate: f64,
    pub setup_secs: f64,
    /// First send until the last ack or delivery.
    pub run_secs: f64,
    /// Acks / (first send → last ack).
    pub accepted_per_sec: f64,
    /// Deliveries / (first send → last delivery).
    pub deliveries_per_sec: f64,
    /// Send → `message.created` at a socket, per delivery.
    pub delivery_latency: Percentiles,
    /// Send → `ack` at the sender.
    pub ack_latency: Percentiles,
    pub first_failure: Option<String>,
}

impl TrafficReport {
    pub fn human(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: {} sockets, {} senders, {} conversation(s); setup {:.1} s",
            self.scenario, self.sockets, self.senders, self.conversations, self.setup_secs
        );
        let rate = if self.target_rate > 0.0 {
            format!("paced at {:.0} msg/s", self.target_rate)
        } else {
            "unpaced".to_owned()
        };
        let _ = writeln!(
            out,
            "  sent {} ({rate}), acked {}, failed {}, run time {:.2} s",
            self.messages_sent, self.acks, self.failures, self.run_secs
        );
        let _ = writeln!(out, "  accepted:   {:>10.0} msg/s", self.accepted_per_sec);
        let _ = writeln!(
            out,
            "  deliveries: {:>10.0} /s ({} of {} expected, {} resync)",
            self.deliveries_per_sec, self.deliveries, self.deliveries_expected, self.resyncs
        );
        let _ = writeln!(
            out,
            "  send→receive latency: {}",
            self.delivery_latency.human()
        );
        let _ = writeln!(out, "  send→ack latency:     {}", self.ack_latency.human());
        if let Some(failure) = &self.first_failure {
            let _ = writeln!(out, "  first failure: {failure}");
        }
        out
    }
}

/// What `idle` measures.
#[derive(Clone, Debug, Serialize)]
pub struct IdleReport {
    pub scenario: &'static str,
    pub sockets: usize,
    pub users: usize,
    pub source_ips: usize,
    pub connect_secs: f64,
    pub connects_per_sec: f64,
    pub server_pid: Option<u32>,
    pub server_rss_before_kib: Option<u64>,
    pub server_rss_after_kib: Option<u64>,
    /// (after − before) / sockets.
    pub server_kib_per_socket: Option<f64>,
    /// This process's own RSS growth per socket, for comparison.
    pub bench_kib_per_socket: Option<f64>,
    /// Sockets the server closed while they were held.
    pub closed_while_held: usize,
}

impl IdleReport {
    pub fn human(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "idle: {} sockets for {} users from {} source address(es), ready in {:.1} s ({:.0}/s)",
            self.sockets, self.users, self.source_ips, self.connect_secs, self.connects_per_sec
        );
        match (
            self.server_rss_before_kib,
            self.server_rss_after_kib,
            self.server_kib_per_socket,
        ) {
            (Some(before), Some(after), Some(per)) => {
                let _ = writeln!(
                    out,
                    "  server RSS {before} KiB → {after} KiB: {per:.2} KiB per socket"
                );
            }
            _ => {
                let _ = writeln!(out, "  server RSS not measured (pass --server-pid PID)");
            }
        }
        if let Some(per) = self.bench_kib_per_socket {
            let _ = writeln!(out, "  bench's own RSS: {per:.2} KiB per socket");
        }
        let _ = writeln!(
            out,
            "  closed by the server while held: {}",
            self.closed_while_held
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let p = Percentiles::from_samples((1..=100).rev().collect());
        assert_eq!((p.p50_us, p.p90_us, p.p99_us, p.max_us), (50, 90, 99, 100));
        let one = Percentiles::from_samples(vec![7]);
        assert_eq!((one.p50_us, one.p99_us, one.max_us), (7, 7, 7));
        assert_eq!(Percentiles::from_samples(Vec::new()).count, 0);
    }
}
