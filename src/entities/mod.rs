//! SeaORM entities: the tables as they are. No serde or ToSchema here; DTOs convert.
pub mod account;
pub mod audit_entry;
pub mod bloc;
pub mod directive;
pub mod idempotency_key;
pub mod login_failure;
pub mod organisation;
pub mod refresh_token;
pub mod search_token;
pub mod staff;
pub mod staff_assignment;
pub mod sub_committee;
pub mod task;
pub mod task_coordinator;
pub mod task_event;
pub mod task_report;
pub mod unit;
