//! Where publishes go: straight into this process's [`Hub`], or through a
//! [`Cluster`] of hubs on Redis. Routes hold a [`Broker`] and never know
//! which; reads (streams, history, topics) always come from the node's own
//! hub, which in a cluster is a replica of the cluster's events.

use std::collections::BTreeSet;

use herald_wire::{Event, EventId, Topic, TopicList, TopicPattern};

#[cfg(feature = "cluster")]
use crate::cluster::Cluster;
#[cfg(feature = "cluster")]
pub use crate::cluster::ClusterError;
use crate::hub::{self, Hub, Prepared, Visibility};

/// Without the `cluster` feature the broker is this process's hub alone,
/// which has no store to lose: no such error can be made.
#[cfg(not(feature = "cluster"))]
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {}

/// The hub alone, or a node of a cluster; cheap to clone.
///
/// # Examples
///
/// A program that publishes through a `Broker` runs the same alone or in a
/// cluster; alone, it is a [`Hub`]:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::collections::BTreeSet;
///
/// use herald_dashboard_events::{Chat, Payload};
/// use herald_hub::broker::Broker;
/// use herald_hub::hub::{Hub, Visibility};
/// use herald_wire::Topic;
///
/// # let limits = herald_hub::hub::Limits {
/// #     history: 100, topic_bytes: 1 << 20, total_bytes: 1 << 24, max_topics: 100, max_subscribers: 100,
/// # };
/// let broker = Broker::from(Hub::new(limits));
/// let lobby = Topic::parse("chat/lobby")?;
/// let chat = Payload::Chat(Chat { author: "ada".into(), text: "hi".into() });
/// let id = broker.publish(lobby.clone(), &chat).await?;
/// broker.ready().await?;
///
/// let page = broker.topics(&BTreeSet::new(), None, 10, &|_| Visibility::Shown).await?;
/// assert_eq!(page.topics[0].topic, lobby);
/// assert_eq!(page.topics[0].last_id, Some(id));
/// assert_eq!(broker.hub().counts().events, 1);
/// broker.close().await;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub enum Broker {
    /// One process, nothing to install: the default.
    Memory(Hub),
    /// A node of a cluster over Redis (`--redis-url`).
    #[cfg(feature = "cluster")]
    Cluster(Cluster),
}

/// Why the broker did not publish an event.
///
/// # Examples
///
/// An event its own `Serialize` refuses is not published:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use herald_hub::broker::{Broker, BrokerError};
/// use herald_hub::hub::{Hub, PublishError};
/// use herald_wire::{Event, Topic};
/// use serde::{Deserialize, Serialize, Serializer, ser::Error};
///
/// #[derive(Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum Reading {
///     Level {
///         #[serde(serialize_with = "refuse")]
///         value: f64,
///     },
/// }
///
/// fn refuse<S: Serializer>(_: &f64, _: S) -> Result<S::Ok, S::Error> {
///     Err(S::Error::custom("not a level"))
/// }
///
/// # let limits = herald_hub::hub::Limits {
/// #     history: 100, topic_bytes: 1 << 20, total_bytes: 1 << 24, max_topics: 100, max_subscribers: 100,
/// # };
/// let broker = Broker::from(Hub::new(limits));
/// let refused = broker.publish(Topic::parse("tank")?, &Reading::Level { value: 0.5 }).await;
/// assert!(matches!(refused, Err(BrokerError::Hub(PublishError::Encode(_)))));
/// assert_eq!(broker.hub().counts().events, 0);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The hub refused it.
    #[error(transparent)]
    Hub(#[from] hub::PublishError),
    /// The cluster did not store it.
    #[error(transparent)]
    Unavailable(#[from] ClusterError),
}

impl From<Hub> for Broker {
    fn from(hub: Hub) -> Self {
        Self::Memory(hub)
    }
}

impl Broker {
    /// The hub this node reads from: in a cluster, the replica of the
    /// cluster's current run.
    pub fn hub(&self) -> Hub {
        match self {
            Self::Memory(hub) => hub.clone(),
            #[cfg(feature = "cluster")]
            Self::Cluster(cluster) => cluster.hub(),
        }
    }

    /// Publishes `event`, of any [`Event`] type, to `topic` and returns its
    /// id once it is stored where every stream of the hub, or of the
    /// cluster, reads it. The event is encoded at once, so the future holds
    /// no reference to it.
    ///
    /// # Errors
    /// [`BrokerError::Hub`] for an event the hub refuses,
    /// [`BrokerError::Unavailable`] when the cluster's Redis did not store
    /// it; nothing is published then.
    pub fn publish<E: Event>(
        &self,
        topic: Topic,
        event: &E,
    ) -> impl Future<Output = Result<EventId, BrokerError>> + Send + '_ {
        let encoded = Prepared::new(topic, event);
        async move {
            let prepared = encoded?;
            match self {
                Self::Memory(hub) => Ok(hub.publish_prepared(prepared)?.id()),
                #[cfg(feature = "cluster")]
                Self::Cluster(cluster) => {
                    let ids = cluster.publish_all(vec![prepared]).await?;
                    // The cluster checks it got an id per event.
                    ids.first().copied().ok_or_else(|| {
                        ClusterError::Unexpected("no id for the event".to_owned()).into()
                    })
                }
            }
        }
    }

    /// Publishes events encoded already, in order, all or none: their ids.
    ///
    /// # Errors
    /// As [`Broker::publish`]; none of them is published then.
    pub(crate) async fn publish_all(
        &self,
        prepared: Vec<Prepared>,
    ) -> Result<Vec<EventId>, BrokerError> {
        match self {
            Self::Memory(hub) => Ok(hub.publish_all(prepared)?),
            #[cfg(feature = "cluster")]
            Self::Cluster(cluster) => Ok(cluster.publish_all(prepared).await?),
        }
    }

    /// One page of topics ([`Hub::topics`]), with subscribers counted over
    /// the whole cluster. The page is read at once; the future only counts,
    /// so it holds neither the patterns nor `visibility`.
    ///
    /// # Errors
    /// [`ClusterError`] when the cluster's Redis does not tell the other
    /// nodes' counts.
    pub fn topics<'a>(
        &'a self,
        patterns: &BTreeSet<TopicPattern>,
        after: Option<&Topic>,
        limit: usize,
        visibility: &dyn Fn(&Topic) -> Visibility,
    ) -> impl Future<Output = Result<TopicList, ClusterError>> + Send + use<'a> {
        let page = self.hub().topics(patterns, after, limit, visibility);
        async move {
            match self {
                Self::Memory(_) => Ok(page),
                #[cfg(feature = "cluster")]
                Self::Cluster(cluster) => cluster.count_everywhere(page).await,
            }
        }
    }

    /// Whether this node can serve: always alone, and in a cluster while
    /// Redis answers and the node follows the cluster's stream.
    ///
    /// # Errors
    /// Why it cannot.
    pub async fn ready(&self) -> Result<(), ClusterError> {
        match self {
            Self::Memory(_) => Ok(()),
            #[cfg(feature = "cluster")]
            Self::Cluster(cluster) => cluster.ready().await,
        }
    }

    /// Stops the broker's background work and waits for it.
    pub async fn close(&self) {
        #[cfg(feature = "cluster")]
        if let Self::Cluster(cluster) = self {
            cluster.close().await;
        }
    }
}
