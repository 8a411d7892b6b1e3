//! Sender throttling (R12): policies that decide when a producer's message
//! leaves the sender-side buffer. Policies see only what a real sender sees:
//! the queue's approximate visible-message count, sampled every
//! `metrics.period` and delivered `metrics.delay` later, expiry alarms
//! (also delivered after the delay), and their own send history.
//!
//! [`Gate`] holds the policy's state and answers "may the next held message
//! go now, and if not, when should I ask again?". It never looks at the
//! job's true state.

use crate::engine::{SimDuration, SimTime};

/// A throttling policy. Rates are per µs (the clock's tick).
#[derive(Clone, Debug, PartialEq)]
pub enum Policy {
    /// Send at once.
    None,
    /// At most `rate`, evenly spaced.
    FixedRate { rate: f64 },
    /// Tokens accrue at `rate` up to `burst`; each send takes one.
    TokenBucket { rate: f64, burst: f64 },
    /// Stop when the observed backlog exceeds `high`, resume below `low`.
    BacklogThreshold { high: u64, low: u64 },
    /// Additive increase, multiplicative decrease of the sending rate, every
    /// `interval`, on the observed backlog against `target_backlog`.
    Aimd {
        increase: f64,
        decrease_factor: f64,
        target_backlog: u64,
        interval: SimDuration,
        initial_rate: f64,
    },
    /// Proportional-integral control of the sending rate on the observed
    /// backlog error (target − observed) \[objects\], every `interval`:
    /// rate = base_rate + kp·e + ki·Σe, within [0, max_rate].
    Pi {
        target_backlog: f64,
        kp: f64,
        ki: f64,
        interval: SimDuration,
        base_rate: f64,
        max_rate: f64,
    },
    /// Send freely; pause for `pause` after each expiry alarm.
    ExpiryAlarm { pause: SimDuration },
}

impl Policy {
    pub fn name(&self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::FixedRate { .. } => "fixed_rate",
            Policy::TokenBucket { .. } => "token_bucket",
            Policy::BacklogThreshold { .. } => "backlog_threshold",
            Policy::Aimd { .. } => "aimd",
            Policy::Pi { .. } => "pi",
            Policy::ExpiryAlarm { .. } => "expiry_alarm",
        }
    }

    /// The control interval of rate-adjusting policies.
    pub fn interval(&self) -> Option<SimDuration> {
        match self {
            Policy::Aimd { interval, .. } | Policy::Pi { interval, .. } => Some(*interval),
            _ => None,
        }
    }
}

/// Throttling settings of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ThrottleConfig {
    pub policy: Policy,
    /// Send one held object (or a heartbeat object if none is held) when
    /// nothing has been sent for this long, so the idle stop (R8) does not
    /// fire.
    pub keepalive: Option<SimDuration>,
    /// How often the queue metric is sampled (CloudWatch: 1 minute).
    pub metrics_period: SimDuration,
    /// How late a sample or alarm reaches the sender.
    pub metrics_delay: SimDuration,
    /// A queue with no activity for `inactivity` "sleeps"; samples taken in
    /// the first `wake_delay` after it wakes reach the sender only
    /// `wake_delay` after the wake-up (CloudWatch: up to 15 minutes).
    pub wake_delay: SimDuration,
    pub inactivity: SimDuration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            policy: Policy::None,
            keepalive: None,
            metrics_period: SimDuration::from_mins(1),
            metrics_delay: SimDuration::from_mins(2),
            wake_delay: SimDuration::from_mins(15),
            inactivity: SimDuration::from_hours(6),
        }
    }
}

/// What the gate says about the head of the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Send,
    /// Ask again at this time.
    WaitUntil(SimTime),
    /// Wait for the next observation or alarm.
    Blocked,
}

/// The sender's throttle state.
#[derive(Clone, Debug)]
pub struct Gate {
    policy: Policy,
    /// Earliest time of the next send under a rate [ms].
    next_free: f64,
    tokens: f64,
    last_refill: SimTime,
    paused: bool,
    paused_until: SimTime,
    rate: f64,
    integral: f64,
    observed_backlog: Option<u64>,
    /// Messages this sender has sent, in all.
    sends: u64,
    /// Sends at the sampling time of the latest observation.
    sends_at_sample: u64,
}

impl Gate {
    pub fn new(policy: &Policy) -> Gate {
        let (tokens, rate) = match policy {
            Policy::TokenBucket { burst, .. } => (*burst, 0.0),
            Policy::Aimd { initial_rate, .. } => (0.0, *initial_rate),
            Policy::Pi { base_rate, .. } => (0.0, *base_rate),
            _ => (0.0, 0.0),
        };
        Gate {
            policy: policy.clone(),
            next_free: 0.0,
            tokens,
            last_refill: SimTime::ZERO,
            paused: false,
            paused_until: SimTime::ZERO,
            rate,
            integral: 0.0,
            observed_backlog: None,
            sends: 0,
            sends_at_sample: 0,
        }
    }

    /// The current sending rate of rate-based policies [per µs].
    pub fn rate(&self) -> f64 {
        match self.policy {
            Policy::FixedRate { rate } => rate,
            Policy::TokenBucket { rate, .. } => rate,
            _ => self.rate,
        }
    }

    /// May a message go at `now`?
    pub fn decide(&mut self, now: SimTime) -> Decision {
        match self.policy {
            Policy::None => Decision::Send,
            Policy::FixedRate { .. } | Policy::Aimd { .. } | Policy::Pi { .. } => {
                let r = self.rate();
                if r <= 0.0 {
                    return Decision::Blocked;
                }
                if now.as_micros() as f64 >= self.next_free {
                    Decision::Send
                } else {
                    Decision::WaitUntil(SimTime::from_micros(self.next_free.ceil() as u64))
                }
            }
            Policy::TokenBucket { rate, burst } => {
                self.refill(now, rate, burst);
                if self.tokens >= 1.0 - 1e-9 {
                    Decision::Send
                } else if rate <= 0.0 {
                    Decision::Blocked
                } else {
                    let wait = ((1.0 - self.tokens) / rate).ceil().max(1.0);
                    Decision::WaitUntil(now + SimDuration::from_micros(wait as u64))
                }
            }
            Policy::BacklogThreshold { high, .. } => {
                // The sender's own estimate: the last reading plus what it
                // sent after that reading was taken.
                let since = self.sends - self.sends_at_sample;
                let estimate = self.observed_backlog.unwrap_or(0) + since;
                if self.paused || estimate >= high {
                    Decision::Blocked
                } else {
                    Decision::Send
                }
            }
            Policy::ExpiryAlarm { .. } => {
                if now >= self.paused_until {
                    Decision::Send
                } else {
                    Decision::WaitUntil(self.paused_until)
                }
            }
        }
    }

    fn refill(&mut self, now: SimTime, rate: f64, burst: f64) {
        let dt = now.since(self.last_refill).as_micros() as f64;
        self.tokens = (self.tokens + dt * rate).min(burst);
        self.last_refill = now;
    }

    /// Records a send at `now` (after `decide` said Send, or a keep-alive).
    pub fn sent(&mut self, now: SimTime) {
        self.sends += 1;
        match self.policy {
            Policy::FixedRate { .. } | Policy::Aimd { .. } | Policy::Pi { .. } => {
                let r = self.rate();
                if r > 0.0 {
                    self.next_free = (now.as_micros() as f64).max(self.next_free) + 1.0 / r;
                }
            }
            Policy::TokenBucket { .. } => self.tokens -= 1.0,
            _ => {}
        }
    }

    /// Messages sent so far (to stamp a metric sample with).
    pub fn sends(&self) -> u64 {
        self.sends
    }

    /// A (delayed) reading of the queue's visible messages, taken when this
    /// sender had sent `sends_at_sample` messages.
    pub fn observe_backlog(&mut self, value: u64, sends_at_sample: u64) {
        self.observed_backlog = Some(value);
        self.sends_at_sample = sends_at_sample;
        if let Policy::BacklogThreshold { high, low } = self.policy {
            if value > high {
                self.paused = true;
            } else if value < low {
                self.paused = false;
            }
        }
    }

    /// A (delayed) expiry alarm.
    pub fn expiry_alarm(&mut self, now: SimTime) {
        if let Policy::ExpiryAlarm { pause } = self.policy {
            self.paused_until = self.paused_until.max(now + pause);
        }
    }

    /// The control step of AIMD and PI, every interval.
    pub fn control_tick(&mut self) {
        let Some(obs) = self.observed_backlog else {
            return;
        };
        match self.policy {
            Policy::Aimd {
                increase,
                decrease_factor,
                target_backlog,
                ..
            } => {
                if obs > target_backlog {
                    self.rate *= decrease_factor;
                } else {
                    self.rate += increase;
                }
            }
            Policy::Pi {
                target_backlog,
                kp,
                ki,
                base_rate,
                max_rate,
                ..
            } => {
                let e = target_backlog - obs as f64;
                // Anti-windup: the integral term alone stays within [-max, max].
                self.integral += e;
                if ki > 0.0 {
                    self.integral = self.integral.clamp(-max_rate / ki, max_rate / ki);
                }
                self.rate = (base_rate + kp * e + ki * self.integral).clamp(0.0, max_rate);
            }
            _ => {}
        }
    }

    pub fn observed_backlog(&self) -> Option<u64> {
        self.observed_backlog
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_rate_spaces_sends_evenly() {
        let mut g = Gate::new(&Policy::FixedRate { rate: 1.0 / 1000.0 });
        assert_eq!(g.decide(SimTime::from_micros(0)), Decision::Send);
        g.sent(SimTime::from_micros(0));
        assert_eq!(
            g.decide(SimTime::from_micros(10)),
            Decision::WaitUntil(SimTime::from_micros(1000))
        );
        assert_eq!(g.decide(SimTime::from_micros(1000)), Decision::Send);
        g.sent(SimTime::from_micros(1000));
        assert_eq!(
            g.decide(SimTime::from_micros(1000)),
            Decision::WaitUntil(SimTime::from_micros(2000))
        );
    }

    #[test]
    fn token_bucket_allows_a_burst_then_the_rate() {
        let mut g = Gate::new(&Policy::TokenBucket {
            rate: 1.0 / 1000.0,
            burst: 3.0,
        });
        for _ in 0..3 {
            assert_eq!(g.decide(SimTime::from_micros(0)), Decision::Send);
            g.sent(SimTime::from_micros(0));
        }
        assert_eq!(
            g.decide(SimTime::from_micros(0)),
            Decision::WaitUntil(SimTime::from_micros(1000))
        );
        assert_eq!(g.decide(SimTime::from_micros(1000)), Decision::Send);
    }

    #[test]
    fn backlog_threshold_has_hysteresis() {
        let mut g = Gate::new(&Policy::BacklogThreshold { high: 100, low: 50 });
        assert_eq!(g.decide(SimTime::from_micros(0)), Decision::Send);
        g.observe_backlog(101, 0);
        assert_eq!(g.decide(SimTime::from_micros(0)), Decision::Blocked);
        g.observe_backlog(70, 0);
        assert_eq!(
            g.decide(SimTime::from_micros(0)),
            Decision::Blocked,
            "between low and high: stay paused"
        );
        g.observe_backlog(49, 0);
        assert_eq!(g.decide(SimTime::from_micros(0)), Decision::Send);
    }

    #[test]
    fn backlog_threshold_counts_its_own_sends_since_the_reading() {
        let mut g = Gate::new(&Policy::BacklogThreshold { high: 100, low: 50 });
        g.observe_backlog(40, 0);
        for _ in 0..60 {
            assert_eq!(g.decide(SimTime::from_micros(0)), Decision::Send);
            g.sent(SimTime::from_micros(0));
        }
        // 40 observed + 60 sent since: at the threshold, hold.
        assert_eq!(g.decide(SimTime::from_micros(0)), Decision::Blocked);
        // A later reading that already includes 50 of those sends.
        g.observe_backlog(60, 50);
        assert_eq!(g.decide(SimTime::from_micros(0)), Decision::Send);
    }

    #[test]
    fn aimd_backs_off_multiplicatively_and_probes_additively() {
        let mut g = Gate::new(&Policy::Aimd {
            increase: 1.0,
            decrease_factor: 0.5,
            target_backlog: 10,
            interval: SimDuration::from_mins(5),
            initial_rate: 8.0,
        });
        g.control_tick();
        assert_eq!(g.rate(), 8.0, "no observation yet: no change");
        g.observe_backlog(20, 0);
        g.control_tick();
        assert_eq!(g.rate(), 4.0);
        g.observe_backlog(5, 0);
        g.control_tick();
        assert_eq!(g.rate(), 5.0);
    }

    #[test]
    fn pi_rate_is_clamped_and_integrates_error() {
        let mut g = Gate::new(&Policy::Pi {
            target_backlog: 100.0,
            kp: 0.01,
            ki: 0.001,
            interval: SimDuration::from_mins(5),
            base_rate: 1.0,
            max_rate: 2.0,
        });
        g.observe_backlog(100, 0);
        g.control_tick();
        assert_eq!(g.rate(), 1.0);
        g.observe_backlog(0, 0);
        g.control_tick(); // e = 100: 1 + 1 + 0.1
        assert_eq!(g.rate(), 2.0, "clamped at max_rate");
        g.observe_backlog(1000, 0);
        g.control_tick();
        assert_eq!(g.rate(), 0.0, "clamped at 0");
    }

    #[test]
    fn expiry_alarm_pauses() {
        let mut g = Gate::new(&Policy::ExpiryAlarm {
            pause: SimDuration::from_hours(1),
        });
        g.expiry_alarm(SimTime::from_micros(1000));
        assert_eq!(
            g.decide(SimTime::from_micros(2000)),
            Decision::WaitUntil(SimTime::from_micros(1000 + 3_600_000_000))
        );
        assert_eq!(
            g.decide(SimTime::from_micros(1000 + 3_600_000_000)),
            Decision::Send
        );
    }
}
