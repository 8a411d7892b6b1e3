//! The discrete-event core: clock, event queue, the event loop
//! ([`run`]), RNG streams, statistics.
//! Knows nothing of labeling jobs, YAML, threads or charts.

pub mod queue;
pub mod rng;
pub mod run;
pub mod slab;
pub mod stats;
pub mod time;

pub use queue::{EventQueue, Phase};
pub use rng::{SimRng, StreamKind, StreamSeeds};
pub use slab::Slab;
pub use time::{SimDuration, SimTime};
