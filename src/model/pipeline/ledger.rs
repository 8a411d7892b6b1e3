//! P9 ledgers, checked at the end of every run. Each identity compares
//! figures reached along independent paths: counters incremented where
//! their events happen against each other, and against levels counted by
//! walking the queues' and the index's actual contents — never a quantity
//! with itself. The FIFO rule (never two messages of one group in flight)
//! and strict order are checked at each receive, by counters kept at the
//! messages' state changes, apart from the group bookkeeping that decides
//! what a receive may take; the end state is walked too.

use super::queue::MsgState;
use super::Pipeline;

impl Pipeline {
    /// Checks every P9 identity; the error lists each one that fails, with
    /// its figures.
    pub fn check_ledgers(&self) -> Result<(), String> {
        let mut bad = Vec::new();
        let mut check = |ok: bool, what: String| {
            if !ok {
                bad.push(what);
            }
        };
        for (qc, q) in self.cfg.queues.iter().zip(&self.queues) {
            let n = &qc.name;
            let c = &q.c;
            let walk = q.walk();
            let at = |s: MsgState| walk[s as usize];
            check(
                c.sent == c.fifo_deduplicated + c.enqueued,
                format!(
                    "{n}: sent = fifo_deduplicated + enqueued: {} ≠ {} + {}",
                    c.sent, c.fifo_deduplicated, c.enqueued
                ),
            );
            check(
                c.send_attempts == c.sent + at(MsgState::Sending),
                format!(
                    "{n}: send attempts = sent + throttled sends pending: {} ≠ {} + {}",
                    c.send_attempts,
                    c.sent,
                    at(MsgState::Sending)
                ),
            );
            let (visible, in_flight, delayed) = (
                at(MsgState::Visible),
                at(MsgState::InFlight),
                at(MsgState::Delayed),
            );
            check(
                c.enqueued + c.duplicates_delivered
                    == c.deleted + c.expired + c.dead_lettered + visible + in_flight + delayed,
                format!(
                    "{n}: enqueued + duplicates_delivered = deleted + expired + dead_lettered \
                     + visible_at_end + in_flight_at_end + delayed_at_end: {} + {} ≠ {} + {} + {} \
                     + {visible} + {in_flight} + {delayed}",
                    c.enqueued, c.duplicates_delivered, c.deleted, c.expired, c.dead_lettered
                ),
            );
            check(
                c.dead_lettered == c.dead_letter_expired + at(MsgState::DeadLetter),
                format!(
                    "{n}: dead_lettered = dead-letter expired + dead-letter queue at end: \
                     {} ≠ {} + {}",
                    c.dead_lettered,
                    c.dead_letter_expired,
                    at(MsgState::DeadLetter)
                ),
            );
            check(
                (q.n_visible, q.n_in_flight, q.n_delayed) == (visible, in_flight, delayed),
                format!(
                    "{n}: level counters (visible, in flight, delayed) {:?} ≠ walked {:?}",
                    (q.n_visible, q.n_in_flight, q.n_delayed),
                    (visible, in_flight, delayed)
                ),
            );
            if q.fifo.is_some() {
                check(
                    c.group_conflicts == 0 && q.groups_in_flight_from_one_receive(),
                    format!(
                        "{n}: FIFO: a group was served while one of its messages was in \
                         flight ({} receives)",
                        c.group_conflicts
                    ),
                );
                check(
                    c.order_violations == 0,
                    format!("{n}: FIFO order_violations = 0: {}", c.order_violations),
                );
            }
        }
        for (cc, cs) in self.cfg.consumers.iter().zip(&self.consumers) {
            let n = &cc.name;
            let c = &cs.c;
            check(
                c.processed == c.results + c.failures,
                format!(
                    "{n}: processed = results + failures: {} ≠ {} + {}",
                    c.processed, c.results, c.failures
                ),
            );
            check(
                c.results + c.audited == c.machine_labeled + c.routed_to_humans,
                format!(
                    "{n}: results = machine_labeled + routed_to_humans − audited: {} ≠ {} + {} − {}",
                    c.results, c.machine_labeled, c.routed_to_humans, c.audited
                ),
            );
        }
        let ic = &self.index.c;
        let (buffered, in_flight, _, distinct) = self.index.walk();
        let machine: u64 = self.consumers.iter().map(|c| c.c.machine_labeled).sum();
        check(
            ic.writes == machine + self.human_labeled,
            format!(
                "index: writes = machine_labeled + human_labeled: {} ≠ {machine} + {}",
                ic.writes, self.human_labeled
            ),
        );
        check(
            ic.writes == ic.completed + in_flight + buffered,
            format!(
                "index: writes = completed + in bulk requests + buffered: {} ≠ {} + {in_flight} \
                 + {buffered}",
                ic.writes, ic.completed
            ),
        );
        check(
            ic.completed == ic.indexed_documents + ic.overwrites,
            format!(
                "index: completed writes = indexed_documents + index_overwrites: {} ≠ {} + {}",
                ic.completed, ic.indexed_documents, ic.overwrites
            ),
        );
        check(
            ic.indexed_documents == distinct,
            format!(
                "index: indexed_documents = distinct documents in the index: {} ≠ {distinct}",
                ic.indexed_documents
            ),
        );
        let pending = self.notes.iter().filter(|n| n.is_some()).count() as u64;
        check(
            self.s3_uploads == self.s3_delivered + pending,
            format!(
                "P7: uploads = notifications delivered + pending: {} ≠ {} + {pending}",
                self.s3_uploads, self.s3_delivered
            ),
        );
        if bad.is_empty() {
            Ok(())
        } else {
            Err(format!("P9 ledger: {}", bad.join("; ")))
        }
    }
}
