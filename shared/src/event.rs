//! The event envelope and every event kind Herald carries.

use serde::{Deserialize, Serialize};

use crate::{EventId, Topic};

/// One published event as every subscriber receives it: the hub-assigned id
/// and time, the topic, and the typed payload.
///
/// This is the JSON in the `data:` line of each SSE event; the SSE `event:`
/// field carries [`Payload::kind`] so a browser can listen per kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the hub's sequence; the SSE `id:` field carries the same value.
    pub id: EventId,
    /// Topic the event was published to.
    pub topic: Topic,
    /// The hub's clock when it accepted the event, in unix microseconds.
    pub time_us: u64,
    /// What happened.
    pub event: Payload,
}

/// Every kind of event, tagged by `type` in JSON.
///
/// This is also the body of `POST /api/topics/{topic}`: a publisher sends the
/// payload and the hub wraps it in an [`Event`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// A sample of the host's system metrics.
    Metrics(Metrics),
    /// A chat message.
    Chat(Chat),
    /// A notice shown as a banner.
    Notice(Notice),
    /// A latency probe: the publisher's clock at send time.
    LatencyProbe(LatencyProbe),
    /// Opaque JSON from a program that brings its own schema.
    Json(Json),
}

/// The kind of a [`Payload`], which names its SSE event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// [`Payload::Metrics`].
    Metrics,
    /// [`Payload::Chat`].
    Chat,
    /// [`Payload::Notice`].
    Notice,
    /// [`Payload::LatencyProbe`].
    LatencyProbe,
    /// [`Payload::Json`].
    Json,
}

/// One sample of the host's system metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Busy share of all cores together, in percent (0–100).
    pub cpu_total: f32,
    /// Busy share of each core, in percent (0–100), in the order the OS lists them.
    pub cpu_per_core: Vec<f32>,
    /// Memory in use, in bytes.
    pub memory_used: u64,
    /// Installed memory, in bytes.
    pub memory_total: u64,
    /// The run-queue load averages.
    pub load: LoadAverage,
    /// Bytes received per second over all network interfaces since the previous sample.
    pub net_rx_per_sec: u64,
    /// Bytes sent per second over all network interfaces since the previous sample.
    pub net_tx_per_sec: u64,
}

/// A [`Metrics`] value that JSON cannot carry: NaN or infinite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` must be a finite number")]
pub struct NotFinite {
    /// The offending field, as a JSON path.
    pub field: &'static str,
}

/// Load averages over one, five and fifteen minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoadAverage {
    /// Over the last minute.
    pub one: f64,
    /// Over the last five minutes.
    pub five: f64,
    /// Over the last fifteen minutes.
    pub fifteen: f64,
}

/// A chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    /// Who wrote it.
    pub author: String,
    /// What they wrote.
    pub text: String,
}

/// A notice for whoever is watching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// How serious it is.
    pub level: NoticeLevel,
    /// What to tell.
    pub text: String,
}

/// Severity of a [`Notice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    /// For information.
    Info,
    /// Something needs attention.
    Warning,
    /// Something failed.
    Error,
}

/// A latency probe: subtract `ts` from the receiver's clock to get the
/// publish-to-receive latency (both clocks in unix microseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyProbe {
    /// The publisher's sequence number, to spot loss and reordering.
    pub seq: u64,
    /// The publisher's clock at send time, in unix microseconds.
    pub ts: u64,
}

/// Opaque JSON from a program that brings its own schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Json {
    /// Any JSON value; Herald passes it through untouched.
    pub data: serde_json::Value,
}

impl Payload {
    /// The kind of this payload.
    pub fn kind(&self) -> Kind {
        match self {
            Self::Metrics(_) => Kind::Metrics,
            Self::Chat(_) => Kind::Chat,
            Self::Notice(_) => Kind::Notice,
            Self::LatencyProbe(_) => Kind::LatencyProbe,
            Self::Json(_) => Kind::Json,
        }
    }
}

impl Metrics {
    /// Checks that every float is finite: serde_json writes NaN and the
    /// infinities as `null`, which no subscriber could decode back.
    ///
    /// # Errors
    /// [`NotFinite`] naming the first field that is not.
    pub fn check_finite(&self) -> Result<(), NotFinite> {
        let floats = [
            ("cpu_total", f64::from(self.cpu_total)),
            ("load.one", self.load.one),
            ("load.five", self.load.five),
            ("load.fifteen", self.load.fifteen),
        ];
        if let Some((field, _)) = floats.iter().find(|(_, value)| !value.is_finite()) {
            return Err(NotFinite { field });
        }
        if self.cpu_per_core.iter().any(|value| !value.is_finite()) {
            return Err(NotFinite {
                field: "cpu_per_core",
            });
        }
        Ok(())
    }
}

impl Kind {
    /// Every kind, for listeners that subscribe to each SSE event name.
    pub const ALL: [Self; 5] = [
        Self::Metrics,
        Self::Chat,
        Self::Notice,
        Self::LatencyProbe,
        Self::Json,
    ];

    /// The SSE `event:` name, equal to the payload's JSON `type` tag.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Metrics => "metrics",
            Self::Chat => "chat",
            Self::Notice => "notice",
            Self::LatencyProbe => "latency_probe",
            Self::Json => "json",
        }
    }

    /// The kind whose SSE name is `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_name_matches_the_json_tag() {
        let samples = [
            Payload::Chat(Chat {
                author: "a".into(),
                text: "b".into(),
            }),
            Payload::Notice(Notice {
                level: NoticeLevel::Info,
                text: "t".into(),
            }),
            Payload::LatencyProbe(LatencyProbe { seq: 1, ts: 2 }),
            Payload::Json(Json {
                data: serde_json::json!([1]),
            }),
            Payload::Metrics(Metrics {
                cpu_total: 0.0,
                cpu_per_core: vec![],
                memory_used: 0,
                memory_total: 0,
                load: LoadAverage {
                    one: 0.0,
                    five: 0.0,
                    fifteen: 0.0,
                },
                net_rx_per_sec: 0,
                net_tx_per_sec: 0,
            }),
        ];
        for payload in samples {
            let json = serde_json::to_value(&payload).unwrap();
            assert_eq!(json["type"], payload.kind().name());
            assert_eq!(Kind::from_name(payload.kind().name()), Some(payload.kind()));
        }
        assert_eq!(Kind::from_name(crate::GAP_EVENT), None);
    }

    #[test]
    fn metrics_must_be_finite() {
        let mut metrics = Metrics {
            cpu_total: 1.0,
            cpu_per_core: vec![1.0, 2.0],
            memory_used: 0,
            memory_total: 0,
            load: LoadAverage {
                one: 0.0,
                five: 0.0,
                fifteen: 0.0,
            },
            net_rx_per_sec: 0,
            net_tx_per_sec: 0,
        };
        assert_eq!(metrics.check_finite(), Ok(()));
        metrics.load.five = f64::INFINITY;
        assert_eq!(
            metrics.check_finite(),
            Err(NotFinite { field: "load.five" })
        );
        metrics.load.five = 0.0;
        metrics.cpu_per_core[1] = f32::NAN;
        assert_eq!(
            metrics.check_finite(),
            Err(NotFinite {
                field: "cpu_per_core"
            })
        );
    }
}
