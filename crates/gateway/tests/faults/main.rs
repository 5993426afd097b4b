//! The fault suite: the real `bazaar` binary under the faults a marketplace meets in production,
//! each scenario asserting what must hold through it (see `docs/operations.md`, "Outages").
//! Scenarios needing PostgreSQL and Redis servers of their own run where the shared test servers
//! are configured (`BAZAAR_TEST_POSTGRES_URL`, as `.ci/run` sets), and say they skipped elsewhere.

mod flash_crash;
mod gateway_killed;
mod harness;
mod postgres_stopped;
mod redis_outages;
mod sqlite_disk_full;
